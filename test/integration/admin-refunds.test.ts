import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ADMIN, call, stockOf } from "../support/api";
import { expectInvariants } from "../support/invariants";
import { adminOrder, paidOrder, refund, refundKey } from "../support/orders";
import { expectRefundInvariants } from "../support/refund-invariants";

async function outboxOf(type: string, subject: string) {
  return env.DB.prepare("SELECT id, type, payload FROM outbox WHERE id = ?")
    .bind(`evt_${type.replace(".", "_")}_${subject}`)
    .first<{ payload: string }>();
}

describe("admin refunds", () => {
  it("refunds everything that remains: the order becomes refunded, the storefront shows it, order.refunded is sent", async () => {
    const { order, cart } = await paidOrder([{ prices: { USD: 1999 } }, { prices: { USD: 500 } }], [2, 1]);
    const res = await refund(order.id, { reason: "customer request" });
    expect(res.status).toBe(201);
    expect(res.body.refund).toMatchObject({
      order_id: order.id,
      status: "succeeded",
      amount: order.total,
      currency: "USD",
      kind: "refund",
      reason: "customer request",
    });
    expect(res.body.refund.id).toMatch(/^ref_/);
    expect(res.body.refund.gateway_reference).toMatch(/^re_/);
    // Everything that remains: every unit of every line, at the line's total.
    expect(res.body.refund.lines).toEqual(order.lines.map((l: any) => ({ line_id: l.line_id, quantity: l.quantity, amount: l.total })));
    expect(res.body.order).toMatchObject({ status: "refunded", refunded_total: order.total });

    const seen = await call("GET", `/v1/orders/${order.id}`, { headers: cart.auth });
    expect(seen.body.order).toMatchObject({ status: "refunded", refunded_total: order.total });
    expect(seen.body.order.refunds).toEqual([res.body.refund]);

    const event = await outboxOf("order.refunded", res.body.refund.id);
    expect(JSON.parse(event!.payload)).toMatchObject({ order_id: order.id, refund: { id: res.body.refund.id, status: "succeeded", amount: order.total } });
    await expectInvariants();
    await expectRefundInvariants();
  });

  it("refunds lines at their exact share and an amount as money only; every unit refunded is exactly the total", async () => {
    // 3 units of 1000 with 7.25% tax: the line's total (3218) does not split evenly by 3.
    await call("PUT", "/admin/api/tax-rates/RF/standard", { headers: ADMIN, body: { name: "Tax", rate_bps: 725 } });
    const { order } = await paidOrder([{ prices: { USD: 1000 } }, { prices: { USD: 333 } }], [3, 2], "tok_visa", { currency: "USD", country: "RF" });
    const [a, b] = order.lines;
    expect(a.total % 3).not.toBe(0);

    const one = await refund(order.id, { lines: [{ line_id: a.line_id, quantity: 1 }] });
    expect(one.status).toBe(201);
    expect(one.body.order.status).toBe("partially_refunded");
    const two = await refund(order.id, {
      lines: [
        { line_id: a.line_id, quantity: 1 },
        { line_id: b.line_id, quantity: 1 },
      ],
    });
    expect(two.status).toBe(201);
    const rest = await refund(order.id, {
      lines: [
        { line_id: a.line_id, quantity: 1 },
        { line_id: b.line_id, quantity: 1 },
      ],
    });
    expect(rest.status).toBe(201);
    const shares = [one, two, rest].flatMap((r) => r.body.refund.lines);
    const ofA = shares.filter((l: any) => l.line_id === a.line_id).map((l: any) => l.amount);
    // Largest remainder over the units: shares differ by at most one cent and add up to the line.
    expect(Math.max(...ofA) - Math.min(...ofA)).toBeLessThanOrEqual(1);
    expect(ofA.reduce((x: number, y: number) => x + y, 0)).toBe(a.total);
    expect(rest.body.order).toMatchObject({ status: "refunded", refunded_total: order.total });
    expect([one, two, rest].reduce((sum, r) => sum + r.body.refund.amount, 0)).toBe(order.total);
    await expectRefundInvariants();
  });

  it("an amount refunds money only; what is left stays refundable", async () => {
    const { order, variants } = await paidOrder([{ prices: { USD: 2500 }, stock: 5 }], [2]);
    const part = await refund(order.id, { amount: 700, restock: false });
    expect(part.status).toBe(201);
    expect(part.body.refund).toMatchObject({ amount: 700, lines: [], restocked: false });
    expect(part.body.order).toMatchObject({ status: "partially_refunded", refunded_total: 700 });
    const over = await refund(order.id, { amount: order.total });
    expect(over.status).toBe(409);
    expect(over.body.error).toMatchObject({ code: "refund_exceeds_captured", details: { refundable: order.total - 700 } });
    // Everything that remains after a money-only refund: the units share what is left.
    const rest = await refund(order.id, {});
    expect(rest.body.refund.amount).toBe(order.total - 700);
    expect(rest.body.order).toMatchObject({ status: "refunded", refunded_total: order.total });
    expect((await stockOf(variants[0]!)).on_hand).toBe(3);
    await expectRefundInvariants();
  });

  it("restock returns the refunded units to stock through the ledger (conservation holds)", async () => {
    const { order, variants } = await paidOrder([{ prices: { USD: 1200 }, stock: 6 }], [4]);
    expect((await stockOf(variants[0]!)).on_hand).toBe(2);
    const res = await refund(order.id, { lines: [{ line_id: order.lines[0].line_id, quantity: 3 }], restock: true });
    expect(res.status).toBe(201);
    expect(res.body.refund).toMatchObject({ restock: true, restocked: true, lines: [{ quantity: 3 }] });
    expect(await stockOf(variants[0]!)).toMatchObject({ on_hand: 5, reserved: 0, available: 5 });
    await expectInvariants();
  });

  it("a repeat with the same key answers the same refund and refunds once", async () => {
    const { order } = await paidOrder([{ prices: { USD: 1500 } }], [1]);
    const key = refundKey();
    const first = await refund(order.id, { amount: 500 }, key);
    const again = await refund(order.id, { amount: 500 }, key);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body.refund).toEqual(first.body.refund);
    expect(again.body.order.refunded_total).toBe(500);
    const detail = await adminOrder(order.id);
    expect(detail.refunds).toHaveLength(1);
    await expectRefundInvariants();
  });

  it("tok_refund_fails: 502, the refund is recorded failed, nothing counts as refunded, and a retry is safe", async () => {
    const { order } = await paidOrder([{ prices: { USD: 900 } }], [1], "tok_refund_fails");
    const res = await refund(order.id, {});
    expect(res.status).toBe(502);
    expect(res.body.error).toMatchObject({ code: "payment_gateway_error", details: { status: "failed" } });
    const detail = await adminOrder(order.id);
    expect(detail.order).toMatchObject({ status: "paid", refunded_total: 0 });
    expect(detail.refunds).toMatchObject([{ status: "failed", amount: 900 }]);
    expect(detail.timeline.map((e: any) => e.event)).toEqual(expect.arrayContaining(["order_created", "refund_requested", "refund_failed"]));
    // A failed refund holds nothing: a new attempt may ask for the whole amount again (and fails again here).
    const retry = await refund(order.id, {});
    expect(retry.status).toBe(502);
    expect(await outboxOf("order.refunded", res.body.error.details.refund_id)).toBeNull();
    await expectRefundInvariants();
  });
});
