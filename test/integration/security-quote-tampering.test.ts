/**
 * A forged or altered quote is never paid for (docs/architecture.md, Frozen money): the quote a
 * cart object stores is checked against its HMAC signature before any money moves.
 * Here the stored quote is altered inside the object (runInDurableObject) — a lower
 * total, a changed nested tax line, a fresh signature made with another secret — and
 * completing must authorize nothing, capture nothing, roll the checkout back and give
 * the stock back.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { signQuote } from "../../src/checkout/quote-signature";
import type { Quote } from "../../src/checkout/quote";
import { ADMIN, call, cartWith, completeCheckout, createProduct, startCheckout, stockOf, type TestCart } from "../support/api";
import { expectErrorEnvelope } from "../support/bad-input";
import { expectInvariants, gatewayCharges } from "../support/invariants";
import { armPause, editStoredCheckout, releasePause, salesOf, storedCheckout, waitUntilPaused } from "../support/saga";

let variantId: string;

beforeAll(async () => {
  // A taxed line, so the quote has nested tax figures to tamper with.
  expect((await call("PUT", "/admin/api/tax-rates/US/standard", { headers: ADMIN, body: { name: "Sales tax", rate_bps: 800 } })).status).toBe(200);
  [variantId] = (await createProduct([{ prices: { USD: 5000 }, stock: 10 }])) as [string];
});

async function lockedCart(): Promise<{ cart: TestCart; checkoutId: string; total: number }> {
  const cart = await cartWith([[variantId, 2]], { currency: "USD", country: "US" });
  const started = await startCheckout(cart);
  expect(started.status).toBe(201);
  // 8 % of 2 x 5000 on the one line: the nested tax figure the tampering tests alter.
  expect(started.body.checkout.quote.lines[0].taxes).toEqual([expect.objectContaining({ rate_bps: 800, amount: 800 })]);
  return { cart, checkoutId: started.body.checkout.id, total: started.body.checkout.quote.total };
}

/** Completing must fail without touching money, and leave nothing held. */
async function expectRefusedWithoutMoney(cart: TestCart, checkoutId: string): Promise<void> {
  const res = await completeCheckout(cart, "tok_visa");
  expect(res.status, JSON.stringify(res.body)).not.toBe(201);
  expectErrorEnvelope(res, "complete with a tampered quote");
  expect(res.body.error.details?.checkout_id).toBe(checkoutId);
  // Nothing was authorized for the altered figures, so nothing could be captured.
  expect(await gatewayCharges(checkoutId)).toEqual([]);
  expect(await salesOf(cart)).toEqual({ orders: [], captures: [] });
  const rec = await storedCheckout(cart);
  expect(rec.state).toBe("failed");
  expect(rec.failure).toMatchObject({ code: "quote_signature_mismatch" });
  expect(await stockOf(variantId)).toMatchObject({ reserved: 0 });
  const view = (await call("GET", `/v1/carts/${cart.id}`, { headers: cart.auth })).body.cart;
  expect(view).toMatchObject({ locked: false, completed: false });
  await expectInvariants();
}

describe("a tampered stored quote is refused before any money moves", () => {
  it("a lowered total (signature kept) is refused", async () => {
    const { cart, checkoutId, total } = await lockedCart();
    await editStoredCheckout(cart, (rec) => {
      rec.quote!.total = 1;
      rec.quote!.lines[0]!.total = 1;
    });
    expect(total).toBeGreaterThan(1);
    await expectRefusedWithoutMoney(cart, checkoutId);
  });

  it("a changed nested tax line (signature kept) is refused", async () => {
    const { cart, checkoutId } = await lockedCart();
    await editStoredCheckout(cart, (rec) => {
      const line = rec.quote!.lines[0]!;
      expect(line.taxes.length).toBeGreaterThan(0);
      line.taxes[0]!.rate_bps = 0;
    });
    await expectRefusedWithoutMoney(cart, checkoutId);
  });

  it("a quote re-signed with another secret (a forgery) is refused", async () => {
    const { cart, checkoutId } = await lockedCart();
    const rec = await storedCheckout(cart);
    const forged: Quote = { ...rec.quote!, total: 100, lines: rec.quote!.lines.map((l) => ({ ...l, total: 50 })) };
    forged.signature = await signQuote("an attacker's secret", forged as unknown as Record<string, unknown>);
    await editStoredCheckout(cart, (stored) => {
      stored.quote = forged;
    });
    await expectRefusedWithoutMoney(cart, checkoutId);
  });

  it("after a decline (the lock held, pay again), an altered quote is still refused", async () => {
    const { cart, checkoutId } = await lockedCart();
    const declined = await completeCheckout(cart, "tok_decline");
    expect(declined.status).toBe(402);
    await editStoredCheckout(cart, (rec) => {
      rec.quote!.discount_total += 1_000;
      rec.quote!.total -= 1_000;
    });
    const res = await completeCheckout(cart, "tok_visa");
    expect(res.status).not.toBe(201);
    // Only the declined attempt ever reached the gateway.
    expect((await gatewayCharges(checkoutId)).map((c) => c.status)).toEqual(["declined"]);
    expect(await salesOf(cart)).toEqual({ orders: [], captures: [] });
    expect((await storedCheckout(cart)).state).toBe("failed");
    await expectInvariants();
  });

  it("a quote altered between the authorization and the capture is caught by the check before capture: the hold is voided, nothing captured", async () => {
    const { cart, checkoutId } = await lockedCart();
    await armPause(cart, "payment_capture");
    const pending = completeCheckout(cart, "tok_visa");
    await waitUntilPaused(cart, "payment_capture");
    // Authorized for the real total; the quote the capture would read is then lowered.
    expect((await gatewayCharges(checkoutId)).map((c) => c.status)).toEqual(["authorized"]);
    await editStoredCheckout(cart, (rec) => {
      rec.quote!.total = 1;
      rec.quote!.lines[0]!.total = 1;
    });
    await releasePause(cart, "payment_capture");
    const res = await pending;
    expect(res.status).toBe(502);
    expect(res.body.error).toMatchObject({ code: "payment_gateway_error", details: { phase: "payment_capture", checkout_id: checkoutId } });
    expect(await gatewayCharges(checkoutId)).toEqual([{ status: "voided", amount: 10_800, captured_amount: null }]);
    expect(await salesOf(cart)).toEqual({ orders: [], captures: [] });
    const rec = await storedCheckout(cart);
    expect(rec.state).toBe("failed");
    expect(rec.failure).toMatchObject({ phase: "payment_capture", message: "The quote signature does not match its contents." });
    expect(await stockOf(variantId)).toMatchObject({ reserved: 0 });
    await expectInvariants();
  });

  it("an intact quote still pays exactly its total (the check refuses only what changed)", async () => {
    const { cart, total } = await lockedCart();
    const res = await completeCheckout(cart, "tok_visa");
    expect(res.status).toBe(201);
    expect(res.body.order.total).toBe(total);
    expect((await salesOf(cart)).captures).toEqual([total]);
    await expectInvariants();
  });
});
