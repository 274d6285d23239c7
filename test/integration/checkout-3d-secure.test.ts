/**
 * 3-D Secure with the built-in test gateway (`tok_3ds`): the first complete answers 202
 * and the checkout stays locked with its stock and quote; the next complete with the
 * same card pays that same checkout once, another card voids the waiting payment first,
 * and a cancel voids it. The Stripe flavour is in stripe-3d-secure.test.ts.
 */
import { describe, expect, it } from "vitest";
import { addLine, cancelCheckout, cartWith, completeCheckout, createProduct, startCheckout, stockOf } from "../support/api";
import { expectInvariants, gatewayCharges } from "../support/invariants";
import { salesOf } from "../support/saga";

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
