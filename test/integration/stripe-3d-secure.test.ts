/**
 * 3-D Secure with Stripe: a card that needs the shopper answers 202 with the client
 * secret, the checkout stays locked and resumable, and a later `complete` finishes the
 * same PaymentIntent (never a second one), switches cards, or reports the failure.
 */
import { evictDurableObject, runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { runCleanup } from "../../src/jobs/cleanup";
import { addLine, call, cartWith, createProduct, startCheckout, stockOf, type TestCart } from "../support/api";
import { recordingQueue } from "../support/events";
import { makeOverdue } from "../support/overdue";
import { cartObject, storedCheckout } from "../support/saga";
import { PM, type StripeDouble, payWithStripe, useStripeDouble } from "../support/stripe-double";

let stripe: StripeDouble;
useStripeDouble((double) => (stripe = double));

// A fresh Idempotency-Key per call, as a storefront sends for each new attempt.
const pay = (cart: TestCart, paymentMethod: string) => payWithStripe(cart, paymentMethod);

async function waitingFor3ds() {
  const [variant] = await createProduct([{ prices: { USD: 2500 }, stock: 4 }]);
  const cart = await cartWith([[variant!, 2]]);
  const started = await startCheckout(cart);
  expect(started.status).toBe(201);
  const checkoutId: string = started.body.checkout.id;
  const res = await pay(cart, PM.threeDSecure);
  expect(res.status).toBe(202);
  const [intent] = stripe.intentsFor(checkoutId);
  return { cart, checkoutId, variant: variant!, intent: intent!, res };
}

describe("Stripe 3-D Secure", () => {
  it("answers 202 with the client secret and keeps the checkout locked; the same card after authentication pays once", async () => {
    const { cart, checkoutId, variant, intent, res } = await waitingFor3ds();
    expect(res.body.next_action).toEqual({ type: "stripe_sdk", client_secret: intent.client_secret });
    expect(res.body.checkout).toMatchObject({
      id: checkoutId,
      state: "locked",
      can_resume: true,
      payment_attempts: [{ number: 1, status: "requires_action" }],
    });
    // Locked: the cart cannot change while the shopper authenticates.
    const edit = await addLine(cart, variant, 1);
    expect(edit.status).toBe(423);
    expect(await stockOf(variant)).toMatchObject({ reserved: 2 });

    // Completing again before authenticating answers 202 again for the same intent.
    const early = await pay(cart, PM.threeDSecure);
    expect(early.status).toBe(202);
    expect(early.body.next_action.client_secret).toBe(intent.client_secret);

    stripe.authenticate(intent.id);
    const done = await pay(cart, PM.threeDSecure);
    expect(done.status).toBe(201);
    expect(done.body.order).toMatchObject({ total: 5000, status: "paid", payment: { reference: intent.id } });
    expect(stripe.requestsTo("create")).toHaveLength(1);
    expect(stripe.requestsTo("retrieve").length).toBeGreaterThanOrEqual(2);
    expect(stripe.captures).toEqual([{ intent: intent.id, amount: 5000 }]);
    expect(await stockOf(variant)).toMatchObject({ on_hand: 2, reserved: 0 });
  });

  it("failed authentication answers 402, keeps the lock, and the shopper can pay with another card", async () => {
    const { cart, checkoutId, intent } = await waitingFor3ds();
    stripe.authenticate(intent.id, false);

    const failed = await pay(cart, PM.threeDSecure);
    expect(failed.status).toBe(402);
    expect(failed.body.error.details).toMatchObject({ decline_code: "payment_intent_authentication_failure", can_resume: true, checkout_id: checkoutId });
    expect(await storedCheckout(cart)).toMatchObject({ state: "locked", attempts: [{ status: "declined" }] });

    const paid = await pay(cart, PM.visa);
    expect(paid.status).toBe(201);
    expect(stripe.intentsFor(checkoutId).map((i) => i.status)).toEqual(["requires_payment_method", "succeeded"]);
  });

  it("another card while one waits cancels the waiting intent first, so only one can ever be captured", async () => {
    const { cart, checkoutId, intent } = await waitingFor3ds();
    const paid = await pay(cart, PM.visa);
    expect(paid.status).toBe(201);
    expect(stripe.intent(intent.id).status).toBe("canceled");
    expect(stripe.requestsTo("cancel")).toMatchObject([{ path: `/v1/payment_intents/${intent.id}/cancel`, idempotencyKey: `${checkoutId}:void:1` }]);
    expect(paid.body.checkout.payment_attempts.map((a: { status: string }) => a.status)).toEqual(["voided", "captured"]);
  });

  it("switching to a card that also needs 3-D Secure gives the new intent's client secret", async () => {
    const { cart, checkoutId, intent } = await waitingFor3ds();
    const again = await pay(cart, PM.threeDSecureOther);
    expect(again.status).toBe(202);
    const second = stripe.intentsFor(checkoutId).find((i) => i.id !== intent.id)!;
    expect(again.body.next_action.client_secret).toBe(second.client_secret);
    expect(stripe.intent(intent.id).status).toBe("canceled");
    // Cancelled by the shopper: the waiting intent is cancelled with everything else.
    const cancelled = await call("POST", `/v1/carts/${cart.id}/checkout/cancel`, { headers: cart.auth });
    expect(cancelled.status).toBe(200);
    expect(stripe.intent(second.id).status).toBe("canceled");
  });

  it("when Stripe cannot be asked about the waiting payment, 502 and nothing changes; a retry finishes it", async () => {
    const { cart, intent } = await waitingFor3ds();
    stripe.authenticate(intent.id);
    stripe.fail("retrieve", "500", 2);

    const down = await pay(cart, PM.threeDSecure);
    expect(down.status).toBe(502);
    expect(down.body.error.code).toBe("payment_gateway_error");
    expect(await storedCheckout(cart)).toMatchObject({ state: "locked", attempts: [{ status: "requires_action", reference: intent.id }] });
    expect(stripe.intent(intent.id).status).toBe("requires_capture");

    const done = await pay(cart, PM.threeDSecure);
    expect(done.status).toBe(201);
    expect(stripe.captures).toHaveLength(1);
  });

  it("a waiting payment survives a restart of the cart object and the cron job, then completes", async () => {
    const { cart, intent } = await waitingFor3ds();
    await evictDurableObject(cartObject(cart));
    // The alarm runs what a restarted object would resume; a waiting payment is not interrupted work.
    await runDurableObjectAlarm(cartObject(cart));
    // The cron job proper (not a sweep it would never send to a checkout inside its deadline).
    await runCleanup({ ...env, EVENTS: recordingQueue().queue });
    // Even a sweep asked for by hand settles nothing: waiting for the customer is not interrupted work.
    await cartObject(cart).sweep();
    expect(await storedCheckout(cart)).toMatchObject({ state: "locked", attempts: [{ status: "requires_action" }] });
    expect(stripe.intent(intent.id).status).toBe("requires_action");

    stripe.authenticate(intent.id);
    expect((await pay(cart, PM.threeDSecure)).status).toBe(201);
  });

  it("a checkout that expires while waiting cancels the intent and gives the stock back", async () => {
    const { cart, variant, intent } = await waitingFor3ds();
    // Its deadline passed and the alarm never fired: the cron sweep expires it.
    await makeOverdue(cart.id, 1);
    await cartObject(cart).sweep();
    expect((await storedCheckout(cart)).state).toBe("expired");
    expect(stripe.intent(intent.id).status).toBe("canceled");
    expect(await stockOf(variant)).toMatchObject({ on_hand: 4, reserved: 0 });
  });
});
