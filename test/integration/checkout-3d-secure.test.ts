/**
 * 3-D Secure with the built-in test gateway (`tok_3ds`): the first complete answers 202
 * and the checkout stays locked with its stock and quote; the next complete with the
 * same card pays that same checkout once, another card voids the waiting payment first,
 * and a cancel voids it. The Stripe flavour is in stripe-3d-secure.test.ts.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { addLine, cancelCheckout, cartWith, completeCheckout, createProduct, startCheckout, stockOf, type TestCart } from "../support/api";
import { expectInvariants, gatewayCharges } from "../support/invariants";
import { alarmOf, moveDeadline } from "../support/overdue";
import { checkoutTrace, editStoredCheckout, salesOf, storedCheckout } from "../support/saga";

async function waitingFor3ds() {
  const [variant] = await createProduct([{ prices: { USD: 1250 }, stock: 4 }]);
  const cart = await cartWith([[variant!, 2]]);
  const started = await startCheckout(cart);
  expect(started.status).toBe(201);
  const res = await completeCheckout(cart, "tok_3ds", { "idempotency-key": crypto.randomUUID() });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return { cart, variant: variant!, checkoutId: started.body.checkout.id as string, res };
}

describe("3-D Secure with the test gateway", () => {
  it("answers 202 and keeps the lock; the same card again pays the same checkout once, for its quote", async () => {
    const { cart, variant, checkoutId, res } = await waitingFor3ds();
    expect(res.body.next_action).toMatchObject({ type: "stripe_sdk", client_secret: expect.stringContaining("_secret_") });
    expect(res.body.checkout).toMatchObject({ id: checkoutId, state: "locked", can_resume: true });
    expect((await addLine(cart, variant, 1)).status).toBe(423);
    expect(await stockOf(variant)).toMatchObject({ reserved: 2 });
    expect(await gatewayCharges(checkoutId)).toEqual([{ status: "requires_action", amount: 2500, captured_amount: null }]);

    const paid = await completeCheckout(cart, "tok_3ds", { "idempotency-key": crypto.randomUUID() });
    expect(paid.status, JSON.stringify(paid.body)).toBe(201);
    expect(paid.body.checkout.id).toBe(checkoutId);
    expect(paid.body.order).toMatchObject({ total: 2500, payment: { status: "captured", amount: 2500 } });
    expect(await gatewayCharges(checkoutId)).toEqual([{ status: "captured", amount: 2500, captured_amount: 2500 }]);
    expect(await stockOf(variant)).toMatchObject({ on_hand: 2, reserved: 0 });
    await expectInvariants();
  });

  it("another card while one waits voids the waiting payment first: one capture", async () => {
    const { cart, checkoutId } = await waitingFor3ds();
    const paid = await completeCheckout(cart, "tok_visa", { "idempotency-key": crypto.randomUUID() });
    expect(paid.status).toBe(201);
    expect((await gatewayCharges(checkoutId)).map((c) => c.status)).toEqual(["voided", "captured"]);
    expect((await salesOf(cart)).captures).toEqual([2500]);
    await expectInvariants();
  });

  it("a cancel while the shopper is in the challenge voids the waiting payment and releases the stock", async () => {
    const { cart, variant, checkoutId } = await waitingFor3ds();
    const cancelled = await cancelCheckout(cart);
    expect(cancelled.status).toBe(200);
    expect(await gatewayCharges(checkoutId)).toEqual([{ status: "voided", amount: 2500, captured_amount: null }]);
    expect(await stockOf(variant)).toMatchObject({ reserved: 0 });
    await expectInvariants();
  });
});

const MINUTE = 60_000;

/** The deadline as every copy of it says: the object, the checkout row, the reservations, the quote, the alarm. */
async function deadlines(cart: TestCart, checkoutId: string) {
  const row = await env.DB.prepare("SELECT expires_at FROM checkouts WHERE id = ?").bind(checkoutId).first<{ expires_at: string }>();
  const held = await env.DB.prepare("SELECT DISTINCT expires_at FROM stock_reservations WHERE checkout_id = ?").bind(checkoutId).all<{ expires_at: string }>();
  const quote = await env.DB.prepare("SELECT expires_at, json_extract(body, '$.expires_at') AS signed FROM quotes WHERE checkout_id = ?")
    .bind(checkoutId)
    .first<{ expires_at: string; signed: string }>();
  const rec = await storedCheckout(cart);
  const alarm = await alarmOf(cart.id);
  return {
    object: rec.expiresAt,
    quote: rec.quote!.expires_at,
    row: row!.expires_at,
    reservations: held.results.map((r) => r.expires_at),
    stored_quote: [quote!.expires_at, quote!.signed],
    alarm: alarm === null ? null : new Date(alarm).toISOString(),
  };
}

const everywhere = (at: string) => ({ object: at, quote: at, row: at, reservations: [at], stored_quote: [at, at], alarm: at });

describe("3-D Secure extends the deadline once", () => {
  it("a challenge with less than 10 minutes left moves the one deadline to 10 minutes from the challenge: stock, quote and alarm follow", async () => {
    const [variant] = await createProduct([{ prices: { USD: 990 }, stock: 2 }]);
    const cart = await cartWith([[variant!, 1]]);
    const started = await startCheckout(cart, { ttl_minutes: 1 });
    const checkoutId: string = started.body.checkout.id;
    const before = Date.now();
    const res = await completeCheckout(cart, "tok_3ds", { "idempotency-key": crypto.randomUUID() });
    expect(res.status).toBe(202);
    const extended = res.body.checkout.expires_at as string;
    expect(Date.parse(extended)).toBeGreaterThanOrEqual(before + 10 * MINUTE);
    expect(Date.parse(extended)).toBeLessThanOrEqual(Date.now() + 10 * MINUTE);
    expect(res.body.deadline_extension).toEqual({ from: started.body.checkout.expires_at, to: extended });
    expect(await deadlines(cart, checkoutId)).toEqual(everywhere(extended));
    const trace = await checkoutTrace(checkoutId);
    expect(trace.timeline).toContain("deadline_extended");
    await expectInvariants();

    // The re-signed quote still pays: the challenge passed, the same card completes.
    const paid = await completeCheckout(cart, "tok_3ds", { "idempotency-key": crypto.randomUUID() });
    expect(paid.status, JSON.stringify(paid.body)).toBe(201);
    expect((await salesOf(cart)).captures).toEqual([990]);
    await expectInvariants();
  });

  it("only once: a second challenge on the same checkout keeps the deadline it has", async () => {
    const [variant] = await createProduct([{ prices: { USD: 990 }, stock: 2 }]);
    const cart = await cartWith([[variant!, 1]]);
    const started = await startCheckout(cart, { ttl_minutes: 1 });
    const checkoutId: string = started.body.checkout.id;
    expect((await completeCheckout(cart, "tok_3ds", { "idempotency-key": crypto.randomUUID() })).status).toBe(202);
    // The shopper gives up on that card (declined), the deadline draws near, and another card asks for 3-D Secure.
    expect((await completeCheckout(cart, "tok_decline", { "idempotency-key": crypto.randomUUID() })).status).toBe(402);
    const near = new Date(Date.now() + 2 * MINUTE).toISOString();
    await moveDeadline(cart.id, near);
    const again = await completeCheckout(cart, "tok_3ds", { "idempotency-key": crypto.randomUUID() });
    expect(again.status).toBe(202);
    expect(again.body.checkout.expires_at).toBe(near);
    expect(again.body.deadline_extension).toBeNull();
    expect((await checkoutTrace(checkoutId)).timeline.filter((e) => e === "deadline_extended")).toHaveLength(1);
  });

  it("never past CHECKOUT_MAX_TTL_MINUTES (60) from the start", async () => {
    const [variant] = await createProduct([{ prices: { USD: 990 }, stock: 2 }]);
    const cart = await cartWith([[variant!, 1]]);
    const started = await startCheckout(cart, { ttl_minutes: 1 });
    // A checkout started 55 minutes ago (moved back in the object, which decides).
    const startedAt = Date.now() - 55 * MINUTE;
    await editStoredCheckout(cart, (rec) => {
      rec.createdAt = new Date(startedAt).toISOString();
    });
    const res = await completeCheckout(cart, "tok_3ds", { "idempotency-key": crypto.randomUUID() });
    expect(res.status).toBe(202);
    const cap = new Date(startedAt + 60 * MINUTE).toISOString();
    expect(res.body.checkout.expires_at).toBe(cap);
    expect(await deadlines(cart, started.body.checkout.id)).toEqual(everywhere(cap));
  });
});
