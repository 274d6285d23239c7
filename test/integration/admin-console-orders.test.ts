/**
 * The console's Orders pages through the Worker: search and filters, an order with its
 * refunds, and refunds and cancellation in two steps (a confirmation page showing the
 * exact amount, then one button), refunding once however often the confirmation is sent,
 * refusing bad input and foreign forms without changing anything.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { stockOf } from "../support/api";
import { consoleCall, consoleSignIn, csrfOf, form, FORM, hiddenFields, pageText } from "../support/console";
import { expectInvariants } from "../support/invariants";
import { adminOrder, paidOrder } from "../support/orders";
import { expectRefundInvariants } from "../support/refund-invariants";

const usd = (minor: number) => new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" }).format(minor / 100);
const page = (path: string, cookie: string) => consoleCall("GET", path, { headers: { cookie } });
const post = (path: string, cookie: string, fields: Record<string, string>, headers: Record<string, string> = FORM) =>
  consoleCall("POST", path, { headers: { ...headers, cookie }, raw: form(fields) });

/** A paid order of 3 units at 10.00 and 1 at 4.99 (USD), with its own email. */
async function order(token = "tok_visa") {
  const email = `Buyer-${crypto.randomUUID().slice(0, 8)}@Example.com`;
  const paid = await paidOrder(
    [
      { prices: { USD: 1000 }, stock: 10 },
      { prices: { USD: 499 }, stock: 10 },
    ],
    [3, 1],
    token,
    { currency: "USD", email },
  );
  return { ...paid, email };
}

describe("console orders", () => {
  it("lists paid orders, found by number or email (any case) and filtered by status; a search that is neither is refused", async () => {
    const cookie = await consoleSignIn();
    const a = await order();
    const b = await order();
    const all = await page("/admin/orders", cookie);
    expect(all.status).toBe(200);
    expect(all.body).toContain(`data-order-id="${a.order.id}"`);
    expect(all.body.indexOf(b.order.id)).toBeLessThan(all.body.indexOf(a.order.id));
    expect(pageText(all.body)).toContain(usd(a.order.total));

    const byNumber = await page(`/admin/orders?q=%23${a.order.number}`, cookie);
    expect(byNumber.body).toContain(`data-order-id="${a.order.id}"`);
    expect(byNumber.body).not.toContain(`data-order-id="${b.order.id}"`);
    const byEmail = await page(`/admin/orders?q=${encodeURIComponent(b.email.toUpperCase())}`, cookie);
    expect(byEmail.body).toContain(`data-order-id="${b.order.id}"`);
    expect(byEmail.body).not.toContain(`data-order-id="${a.order.id}"`);
    expect((await page(`/admin/orders?status=cancelled&q=${a.order.number}`, cookie)).body).toContain("No orders match.");

    const neither = await page("/admin/orders?q=hoodie", cookie);
    expect(neither.status).toBe(400);
    expect(neither.body).toContain("Search by an order number or an email address.");
    const badStatus = await page("/admin/orders?status=lost", cookie);
    expect(badStatus.status).toBe(400);
    expect(badStatus.body).toContain("Unknown filter: status.");
    // The checkout's lock page leads to its order.
    expect((await page(`/admin/locks/${a.order.checkout_id}`, cookie)).body).toContain(`href="/admin/orders/${a.order.id}"`);
    expect((await consoleCall("GET", "/admin/orders")).status).toBe(303);
    expect((await page("/admin/orders/ord_nope", cookie)).status).toBe(404);
  });

  it("refunds units of a line with restock in two steps: the confirmation shows the exact share, its button refunds once however often it is sent", async () => {
    const cookie = await consoleSignIn();
    const { order: o, variants } = await order();
    const detail = await page(`/admin/orders/${o.id}`, cookie);
    expect(detail.status).toBe(200);
    const csrf = csrfOf(detail.body);
    const line = o.lines[0];
    const stockBefore = (await stockOf(variants[0]!)).on_hand;

    const review = await post(`/admin/orders/${o.id}/refund`, cookie, { csrf, mode: "lines", [`qty.${line.line_id}`]: "2", restock: "on", reason: "damaged" });
    expect(review.status).toBe(200);
    // Two of three units of a 30.00 line: exactly 20.00 (the line's share, tax and discount included).
    const share = Math.floor((line.total * 2) / 3);
    expect(pageText(review.body)).toContain(`Refund ${usd(share)} of order #${o.number}?`);
    expect(pageText(review.body)).toContain("these units go back in stock");
    expect((await adminOrder(o.id)).refunds).toEqual([]);

    const confirm = hiddenFields(review.body, `/admin/orders/${o.id}/refunds`);
    expect(confirm.key).toMatch(/^[0-9a-f-]{36}$/);
    const done = await post(`/admin/orders/${o.id}/refunds`, cookie, confirm);
    expect(done.status).toBe(303);
    expect(done.headers.get("location")).toBe(`/admin/orders/${o.id}?notice=refunded`);
    const again = await post(`/admin/orders/${o.id}/refunds`, cookie, confirm);
    expect(again.headers.get("location")).toBe(`/admin/orders/${o.id}?notice=refunded`);

    const after = await adminOrder(o.id);
    expect(after.refunds).toHaveLength(1);
    expect(after.refunds[0]).toMatchObject({
      status: "succeeded",
      amount: share,
      restocked: true,
      reason: "damaged",
      lines: [{ line_id: line.line_id, quantity: 2 }],
    });
    expect(after.order).toMatchObject({ status: "partially_refunded", refunded_total: share });
    expect((await stockOf(variants[0]!)).on_hand).toBe(stockBefore + 2);

    const shownAfter = await page(`/admin/orders/${o.id}?notice=refunded`, cookie);
    expect(shownAfter.body).toContain("Refunded: the gateway confirmed the refund.");
    expect(shownAfter.body).toContain(`data-refund-id="${after.refunds[0].id}"`);
    expect(pageText(shownAfter.body)).toContain("1 of 3 left");
    await expectRefundInvariants();
    await expectInvariants();
  });

  it("refunds an amount typed in the currency's units; more decimals than it has, or more than remains, is refused and changes nothing", async () => {
    const cookie = await consoleSignIn();
    const { order: o } = await order();
    const csrf = csrfOf((await page(`/admin/orders/${o.id}`, cookie)).body);
    const tooFine = await post(`/admin/orders/${o.id}/refund`, cookie, { csrf, mode: "amount", amount: "1.005" });
    expect(tooFine.status).toBe(422);
    expect(tooFine.body).toContain("at most 2 decimals");
    expect(tooFine.body).toContain('value="1.005"');
    const tooMuch = await post(`/admin/orders/${o.id}/refund`, cookie, { csrf, mode: "amount", amount: "100" });
    expect(tooMuch.status).toBe(409);
    expect(tooMuch.body).toContain("The refund would exceed what was captured.");
    const zero = await post(`/admin/orders/${o.id}/refund`, cookie, { csrf, mode: "amount", amount: "0" });
    expect(zero.status).toBe(422);
    const noLines = await post(`/admin/orders/${o.id}/refund`, cookie, { csrf, mode: "lines" });
    expect(noLines.status).toBe(422);
    expect((await adminOrder(o.id)).refunds).toEqual([]);

    const review = await post(`/admin/orders/${o.id}/refund`, cookie, { csrf, mode: "amount", amount: "12.5" });
    expect(pageText(review.body)).toContain("Refund $12.50 of order");
    const done = await post(`/admin/orders/${o.id}/refunds`, cookie, hiddenFields(review.body, `/admin/orders/${o.id}/refunds`));
    expect(done.headers.get("location")).toContain("notice=refunded");
    expect((await adminOrder(o.id)).order.refunded_total).toBe(1250);
  });

  it("refuses a form without this session's CSRF token or from another site, refunding nothing", async () => {
    const cookie = await consoleSignIn();
    const { order: o } = await order();
    const csrf = csrfOf((await page(`/admin/orders/${o.id}`, cookie)).body);
    const review = await post(`/admin/orders/${o.id}/refund`, cookie, { csrf, mode: "remaining" });
    const confirm = hiddenFields(review.body, `/admin/orders/${o.id}/refunds`);
    expect((await post(`/admin/orders/${o.id}/refunds`, cookie, { ...confirm, csrf: "0".repeat(64) })).status).toBe(403);
    expect((await post(`/admin/orders/${o.id}/refunds`, cookie, confirm, { ...FORM, "sec-fetch-site": "cross-site" })).status).toBe(403);
    expect((await post(`/admin/orders/${o.id}/cancel/confirm`, cookie, { restock: "on" })).status).toBe(403);
    expect((await adminOrder(o.id)).order).toMatchObject({ status: "paid", refunded_total: 0, refunds: [] });
  });

  it("cancels after a confirmation showing what remains; a repeat is harmless and the order takes no more refunds", async () => {
    const cookie = await consoleSignIn();
    const { order: o, variants } = await order();
    const stock = await Promise.all(variants.map(async (v) => (await stockOf(v)).on_hand));
    const csrf = csrfOf((await page(`/admin/orders/${o.id}`, cookie)).body);
    const review = await post(`/admin/orders/${o.id}/cancel`, cookie, { csrf, restock: "on", reason: "customer asked" });
    expect(review.status).toBe(200);
    expect(pageText(review.body)).toContain(`Cancel order #${o.number}?`);
    expect(pageText(review.body)).toContain(`Cancel the order and refund ${usd(o.total)}`);
    const confirm = hiddenFields(review.body, `/admin/orders/${o.id}/cancel/confirm`);
    const done = await post(`/admin/orders/${o.id}/cancel/confirm`, cookie, confirm);
    expect(done.headers.get("location")).toBe(`/admin/orders/${o.id}?notice=cancelled`);
    expect((await post(`/admin/orders/${o.id}/cancel/confirm`, cookie, confirm)).headers.get("location")).toContain("notice=cancelled");

    const after = await adminOrder(o.id);
    expect(after.order).toMatchObject({ status: "cancelled", refunded_total: o.total });
    expect(after.refunds).toHaveLength(1);
    expect(await Promise.all(variants.map(async (v) => (await stockOf(v)).on_hand))).toEqual([stock[0]! + 3, stock[1]! + 1]);
    const shown = await page(`/admin/orders/${o.id}`, cookie);
    expect(shown.body).not.toContain("Review refund");
    expect(shown.body).not.toContain("Review cancellation");
    const late = await post(`/admin/orders/${o.id}/refund`, cookie, { csrf, mode: "remaining" });
    expect(late.status).toBe(409);
    await expectRefundInvariants();
  });

  it("says so when the gateway refuses the refund, and records nothing as refunded", async () => {
    const cookie = await consoleSignIn();
    const { order: o } = await order("tok_refund_fails");
    const csrf = csrfOf((await page(`/admin/orders/${o.id}`, cookie)).body);
    const review = await post(`/admin/orders/${o.id}/refund`, cookie, { csrf, mode: "remaining" });
    const done = await post(`/admin/orders/${o.id}/refunds`, cookie, hiddenFields(review.body, `/admin/orders/${o.id}/refunds`));
    expect(done.headers.get("location")).toBe(`/admin/orders/${o.id}?notice=payment_gateway_error`);
    const after = await adminOrder(o.id);
    expect(after.order).toMatchObject({ status: "paid", refunded_total: 0 });
    expect(after.refunds[0]).toMatchObject({ status: "failed" });
    const shown = await page(`/admin/orders/${o.id}?notice=payment_gateway_error`, cookie);
    expect(shown.body).toContain("Nothing was refunded; try again.");
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM refunds WHERE order_id = ? AND status = 'succeeded'").bind(o.id).first("n")).toBe(0);
  });
});
