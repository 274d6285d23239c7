/**
 * Checkout with CHECKOUT_PAYMENT_GATEWAY=stripe against the local Stripe double: the
 * PaymentIntent Stripe sees, its idempotency keys, and every failure path of
 * authorization and capture — each ending in an order of exactly the quote, or in
 * nothing (stock back, authorization cancelled, no capture).
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { StripeGateway } from "../../src/payments/stripe-gateway";
import { call, cartWith, createProduct, startCheckout, stockOf, type TestCart } from "../support/api";
import { inCartObject, storedCheckout } from "../support/saga";
import { PM, type StripeDouble, payWithStripe, useStripeDouble } from "../support/stripe-double";

let stripe: StripeDouble;
useStripeDouble((double) => (stripe = double));

// No Idempotency-Key unless a test sends one.
const pay = (cart: TestCart, paymentMethod: string, headers: Record<string, string> = {}) => payWithStripe(cart, paymentMethod, headers);

/** A locked checkout of 2 × 19.99 + 1 × 5.00 = 44.98 USD (no tax for a cart without a country). */
async function lockedCheckout(stock = 5) {
  const [a, b] = await createProduct([
    { prices: { USD: 1999 }, stock },
    { prices: { USD: 500 }, stock },
  ]);
  const cart = await cartWith([
    [a!, 2],
    [b!, 1],
  ]);
  const started = await startCheckout(cart);
  expect(started.status).toBe(201);
  return { cart, checkout: started.body.checkout as { id: string; quote: { total: number } }, variants: [a!, b!] };
}

describe("Stripe checkout", () => {
  it("authorizes one PaymentIntent for the quote, captures exactly that, and the order equals the quote", async () => {
    const { cart, checkout, variants } = await lockedCheckout();
    expect(checkout.quote.total).toBe(4498);

    const res = await pay(cart, PM.visa);
    expect(res.status).toBe(201);
    const [intent] = stripe.intentsFor(checkout.id);
    expect(res.body.order).toMatchObject({
      total: 4498,
      status: "paid",
      payment: { provider: "stripe", status: "captured", amount: 4498, reference: intent!.id },
    });

    // What Stripe saw: one create (form encoded, manual capture, the quote total, our ids,
    // no payment method: it holds nothing), then one confirm of that intent with the card.
    const [create] = stripe.requestsTo("create");
    expect(stripe.requestsTo("create")).toHaveLength(1);
    expect(create!.form).toEqual({
      amount: "4498",
      currency: "usd",
      capture_method: "manual",
      "payment_method_types[0]": "card",
      "metadata[checkout_id]": checkout.id,
      "metadata[cart_id]": cart.id,
      "metadata[attempt]": "1",
    });
    expect(create!.idempotencyKey).toBe(`${checkout.id}:payment_authorization:1`);
    expect(stripe.requestsTo("confirm")).toMatchObject([
      {
        path: `/v1/payment_intents/${intent!.id}/confirm`,
        form: { payment_method: PM.visa },
        idempotencyKey: `${checkout.id}:payment_authorization:1:confirm`,
      },
    ]);
    expect(stripe.holds).toEqual([{ intent: intent!.id, amount: 4498 }]);
    const [capture] = stripe.requestsTo("capture");
    expect(capture).toMatchObject({
      path: `/v1/payment_intents/${intent!.id}/capture`,
      form: { amount_to_capture: "4498" },
      idempotencyKey: `${checkout.id}:payment_capture:1`,
    });
    expect(stripe.captures).toEqual([{ intent: intent!.id, amount: 4498 }]);
    expect(await stockOf(variants[0]!)).toMatchObject({ on_hand: 3, reserved: 0 });
  });

  it("a decline answers 402 with Stripe's decline code and keeps the checkout; another card then pays", async () => {
    const { cart, checkout, variants } = await lockedCheckout();

    const declined = await pay(cart, PM.declined);
    expect(declined.status).toBe(402);
    expect(declined.body.error).toMatchObject({
      code: "payment_declined",
      details: { decline_code: "generic_decline", can_resume: true, checkout_id: checkout.id },
    });
    const poor = await pay(cart, PM.insufficientFunds);
    expect(poor.status).toBe(402);
    expect(poor.body.error.details.decline_code).toBe("insufficient_funds");
    // Still locked, stock still held for this checkout.
    expect(await storedCheckout(cart)).toMatchObject({ id: checkout.id, state: "locked" });
    expect(await stockOf(variants[0]!)).toMatchObject({ reserved: 2 });

    const paid = await pay(cart, PM.visa);
    expect(paid.status).toBe(201);
    expect(paid.body.checkout.payment_attempts.map((a: { status: string }) => a.status)).toEqual(["declined", "declined", "captured"]);
    // Each attempt has its own key; the declined intents hold no money.
    expect(stripe.requestsTo("create").map((r) => r.idempotencyKey)).toEqual([1, 2, 3].map((n) => `${checkout.id}:payment_authorization:${n}`));
    expect(stripe.captures).toHaveLength(1);
  });

  it("a payment method Stripe does not know is a decline the shopper can fix, not a gateway failure", async () => {
    const { cart, checkout } = await lockedCheckout();
    const res = await pay(cart, "pm_does_not_exist");
    expect(res.status).toBe(402);
    expect(res.body.error.details).toMatchObject({ decline_code: "resource_missing", can_resume: true });
    expect(await storedCheckout(cart)).toMatchObject({ id: checkout.id, state: "locked" });
  });

  it("a 429 is retried once with the same Idempotency-Key and the checkout completes", async () => {
    const { cart, checkout } = await lockedCheckout();
    stripe.fail("create", "429", 1);
    const res = await pay(cart, PM.visa);
    expect(res.status).toBe(201);
    expect(stripe.requestsTo("create").map((r) => r.idempotencyKey)).toEqual([
      `${checkout.id}:payment_authorization:1`,
      `${checkout.id}:payment_authorization:1`,
    ]);
    expect(stripe.intentsFor(checkout.id)).toHaveLength(1);
  });

  it("a create whose answer was lost is retried under the same key: one authorization only, one capture", async () => {
    const { cart, checkout } = await lockedCheckout();
    // Stripe authorizes, then the connection drops before the answer arrives.
    stripe.fail("create", "drop_response", 1);

    const res = await pay(cart, PM.visa);
    expect(res.status).toBe(201);
    const creates = stripe.requestsTo("create");
    expect(creates).toHaveLength(2);
    expect(creates[1]!.idempotencyKey).toBe(creates[0]!.idempotencyKey);
    expect(creates[1]!.form).toEqual(creates[0]!.form);
    const intents = stripe.intentsFor(checkout.id);
    expect(intents).toHaveLength(1);
    expect(intents[0]!.status).toBe("succeeded");
    expect(stripe.captures).toEqual([{ intent: intents[0]!.id, amount: 4498 }]);
  });

  it("a create that times out after Stripe made the intent has that intent cancelled without ever holding money, and the checkout stays locked for the retry", async () => {
    const { cart, checkout, variants } = await lockedCheckout();
    stripe.fail("create", "timeout", 1);

    const res = await pay(cart, PM.visa);
    expect(res.status).toBe(502);
    expect(res.body.error).toMatchObject({ code: "payment_gateway_error", details: { can_resume: true } });
    expect((await storedCheckout(cart)).state).toBe("locked");
    // The timed-out call is not retried; the void replays it (same key, same form) to learn the intent.
    const creates = stripe.requestsTo("create");
    expect(creates).toHaveLength(2);
    expect(new Set(creates.map((c) => c.idempotencyKey)).size).toBe(1);
    expect(creates[1]!.replayed).toBe(true);
    expect(stripe.intentsFor(checkout.id).map((i) => i.status)).toEqual(["canceled"]);
    expect(stripe.requestsTo("confirm")).toEqual([]);
    expect(stripe.holds).toEqual([]);
    expect(await stockOf(variants[0]!)).toMatchObject({ reserved: 2, on_hand: 5 });
    // The retry is a new attempt under a new key, for the same quote.
    const paid = await pay(cart, PM.visa);
    expect(paid.status).toBe(201);
    expect(stripe.captures.map((c) => c.amount)).toEqual([4498]);
  });

  it("a storefront retry with the same Idempotency-Key gets the stored answer: one authorization", async () => {
    const { cart, checkout } = await lockedCheckout();
    const key = { "idempotency-key": crypto.randomUUID() };
    const first = await pay(cart, PM.visa, key);
    const again = await pay(cart, PM.visa, key);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body.order.id).toBe(first.body.order.id);
    expect(stripe.requestsTo("create")).toHaveLength(1);
    expect(stripe.intentsFor(checkout.id)).toHaveLength(1);
  });

  it("a capture that keeps failing is rolled back: the authorization is cancelled and no order is paid", async () => {
    const { cart, checkout, variants } = await lockedCheckout();
    stripe.fail("capture", "500", 10);

    const res = await pay(cart, PM.visa);
    expect(res.status).toBe(502);
    expect(res.body.error.details.phase).toBe("payment_capture");
    expect(stripe.intentsFor(checkout.id).map((i) => i.status)).toEqual(["canceled"]);
    expect(stripe.captures).toEqual([]);
    const order = await env.DB.prepare("SELECT status FROM orders WHERE checkout_id = ?").bind(checkout.id).first<{ status: string }>();
    expect(order?.status).toBe("cancelled");
    expect(await stockOf(variants[1]!)).toMatchObject({ reserved: 0, on_hand: 5 });
  });

  it("a declined capture answers 402 and rolls back", async () => {
    const { cart, checkout } = await lockedCheckout();
    stripe.fail("capture", "decline", 1);
    const res = await pay(cart, PM.visa);
    expect(res.status).toBe(402);
    expect(res.body.error.details).toMatchObject({ phase: "payment_capture", decline_code: "do_not_honor" });
    expect(stripe.intentsFor(checkout.id).map((i) => i.status)).toEqual(["canceled"]);
    expect((await storedCheckout(cart)).state).toBe("failed");
  });

  it("a capture whose answer never came but which Stripe made goes forward to the order (the void says it was captured)", async () => {
    const { cart, checkout } = await lockedCheckout();
    stripe.fail("capture", "timeout", 1);
    const res = await pay(cart, PM.visa);
    expect(res.status).toBe(201);
    expect(res.body.order).toMatchObject({ total: 4498, status: "paid" });
    expect(stripe.captures).toHaveLength(1);
    expect(stripe.intentsFor(checkout.id).map((i) => i.status)).toEqual(["succeeded"]);
  });

  it("an intent holding another amount than the quote is cancelled, reported, and never captured", async () => {
    const { cart, checkout } = await lockedCheckout();
    stripe.fail("create", "wrong_amount", 1);
    const res = await pay(cart, PM.visa);
    expect(res.status).toBe(502);
    const status = await storedCheckout(cart);
    expect(status.state).toBe("failed");
    expect(status.failure).toMatchObject({ code: "amount_mismatch", phase: "payment_authorization" });
    expect(stripe.intentsFor(checkout.id)).toMatchObject([{ amount: 4499, status: "canceled" }]);
    expect(stripe.requestsTo("capture")).toEqual([]);
  });

  it("a test-gateway payment is refused with 400 while Stripe is configured, and changes nothing", async () => {
    const { cart, checkout } = await lockedCheckout();
    const res = await call("POST", `/v1/carts/${cart.id}/checkout/complete`, { headers: cart.auth, body: { payment: { method: "test", token: "tok_visa" } } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("validation_error");
    expect(stripe.requests).toEqual([]);
    expect(await storedCheckout(cart)).toMatchObject({ id: checkout.id, state: "locked", attempts: [] });
  });

  it("without STRIPE_SECRET_KEY a payment answers 503 before anything changes", async () => {
    const { cart, checkout } = await lockedCheckout();
    // The object's gateway as createGateway builds it when the secret is missing.
    await inCartObject(cart, (obj) => {
      obj.gateway = new StripeGateway({ apiBase: env.STRIPE_API_BASE });
    });
    const res = await pay(cart, PM.visa);
    expect(res.status).toBe(503);
    expect(res.body.error).toMatchObject({ code: "unavailable" });
    expect(res.body.error.message).toContain("STRIPE_SECRET_KEY");
    expect(stripe.requests).toEqual([]);
    expect(await storedCheckout(cart)).toMatchObject({ id: checkout.id, state: "locked", attempts: [] });
  });
});
