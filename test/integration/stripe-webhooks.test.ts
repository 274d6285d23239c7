/**
 * `POST /v1/webhooks/stripe`: only events signed with STRIPE_WEBHOOK_SECRET, recently,
 * over the exact body are taken; they finish a payment that waited for 3-D Secure on
 * the storefront's own completion path, so a webhook racing the storefront for one
 * checkout still ends in one order and one capture.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, cartWith, createProduct, startCheckout, type TestCart } from "../support/api";
import { storedCheckout } from "../support/saga";
import { PM, postStripeEvent, type StripeDouble, payWithStripe, useStripeDouble } from "../support/stripe-double";
import { STRIPE_SIGNATURE_TOLERANCE_SECONDS, stripeSignature } from "../../src/payments/stripe-webhook-signature";

let stripe: StripeDouble;
useStripeDouble((double) => (stripe = double));

const pay = (cart: TestCart, paymentMethod: string) => payWithStripe(cart, paymentMethod);

/** A checkout whose payment waits for 3-D Secure. */
async function waitingFor3ds() {
  const [variant] = await createProduct([{ prices: { USD: 1200 }, stock: 3 }]);
  const cart = await cartWith([[variant!, 1]]);
  const started = await startCheckout(cart);
  const checkoutId: string = started.body.checkout.id;
  expect((await pay(cart, PM.threeDSecure)).status).toBe(202);
  return { cart, checkoutId, intent: stripe.intentsFor(checkoutId)[0]! };
}

async function orderCount(checkoutId: string): Promise<number> {
  const row = await env.DB.prepare("SELECT COUNT(*) AS n FROM orders WHERE checkout_id = ? AND status = 'paid'").bind(checkoutId).first<{ n: number }>();
  return row!.n;
}

describe("Stripe webhook signature", () => {
  it("takes a correctly signed event and acknowledges event types it does not handle", async () => {
    const res = await postStripeEvent({
      id: "evt_1",
      object: "event",
      api_version: "2024-06-20",
      created: 0,
      livemode: false,
      type: "customer.created",
      data: { object: { id: "cus_1" } },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ received: true, handled: false, reason: "event_type_not_handled" });
  });

  it("rejects a wrong secret, an old or future timestamp, a tampered body and a missing or malformed header with 400, changing nothing", async () => {
    const { cart, intent } = await waitingFor3ds();
    stripe.authenticate(intent.id);
    // Accepted, this event would complete the order; each rejection must leave it waiting.
    const event = stripe.event("payment_intent.amount_capturable_updated", intent.id);
    const now = Math.floor(Date.now() / 1000);
    // A minute past the tolerance each way: the server reads its clock later than this test
    // (the exact boundary is the unit test's, with the clock passed in).
    const outside = STRIPE_SIGNATURE_TOLERANCE_SECONDS + 60;
    const cases: Array<[string, Parameters<typeof postStripeEvent>[1]]> = [
      ["no_matching_signature", { secret: "whsec_someone_else" }],
      ["timestamp_outside_tolerance", { timestamp: now - outside }],
      ["timestamp_outside_tolerance", { timestamp: now + outside }],
      ["no_matching_signature", { tamper: (body) => body.replace(`"amount":1200`, `"amount":1`) }],
      ["no_matching_signature", { tamper: (body) => `${body} ` }],
      ["missing_header", { header: null }],
      ["malformed_header", { header: "v1=abc" }],
      ["malformed_header", { header: `t=${now}` }],
    ];
    for (const [reason, options] of cases) {
      const res = await postStripeEvent(event, options);
      expect(res.status, reason).toBe(400);
      expect(res.body.error).toMatchObject({ code: "invalid_signature", details: { reason } });
    }
    expect(await storedCheckout(cart)).toMatchObject({ state: "locked", attempts: [{ status: "requires_action" }] });
    expect(stripe.requestsTo("capture")).toEqual([]);
  });

  it("accepts a header carrying the old and the new secret's signatures while the secret rolls over", async () => {
    const { cart, checkoutId, intent } = await waitingFor3ds();
    stripe.authenticate(intent.id);
    const body = JSON.stringify(stripe.event("payment_intent.amount_capturable_updated", intent.id));
    const t = Math.floor(Date.now() / 1000);
    const header = `t=${t},v1=${await stripeSignature("whsec_retired", body, t)},v1=${await stripeSignature(env.STRIPE_WEBHOOK_SECRET!, body, t)}`;
    const res = await postStripeEvent(body, { header });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ handled: true, checkout_state: "completed" });
    expect(await orderCount(checkoutId)).toBe(1);
    expect((await storedCheckout(cart)).state).toBe("completed");
  });

  it("a correctly signed body that is not a Stripe event answers 400 validation_error", async () => {
    const notJson = await postStripeEvent("{not json");
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.code).toBe("validation_error");
    const shapeless = await postStripeEvent(JSON.stringify({ type: "payment_intent.succeeded" }));
    expect(shapeless.status).toBe(400);
    expect(shapeless.body.error.code).toBe("validation_error");
  });

  it("has no CORS: a browser origin allowed on the storefront API gets nothing here", async () => {
    const origin = { origin: "https://shop.test" };
    const storefront = await call("GET", "/v1/products?currency=USD", { headers: origin });
    expect(storefront.headers.get("access-control-allow-origin")).toBe("https://shop.test");
    const posted = await postStripeEvent("{}", { header: "t=1,v1=00" });
    expect(posted.headers.get("access-control-allow-origin")).toBeNull();
    const preflight = await call("OPTIONS", "/v1/webhooks/stripe", { headers: { ...origin, "access-control-request-method": "POST" } });
    expect(preflight.status).toBe(405);
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("Stripe webhook contract", () => {
  it("is documented in /openapi.json without a cart token", async () => {
    const doc = await call("GET", "/openapi.json");
    const op = doc.body.paths["/v1/webhooks/stripe"]?.post;
    expect(op).toBeDefined();
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(["200", "400", "503"]));
    // Anonymous in the document (an empty list of requirements): Stripe's signature is checked by the route.
    expect(op.security).toEqual([]);
  });
});

describe("Stripe webhook events", () => {
  it("amount_capturable_updated after 3-D Secure creates the order; the storefront's later complete finds it done", async () => {
    const { cart, checkoutId, intent } = await waitingFor3ds();
    stripe.authenticate(intent.id);

    const res = await postStripeEvent(stripe.event("payment_intent.amount_capturable_updated", intent.id));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ received: true, handled: true, checkout_state: "completed" });
    expect(res.body.order_id).toMatch(/^ord_/);
    expect(stripe.captures).toEqual([{ intent: intent.id, amount: 1200 }]);

    const late = await pay(cart, PM.threeDSecure);
    expect(late.status).toBe(409);
    expect(late.body.error).toMatchObject({ code: "cart_completed", details: { order_id: res.body.order_id } });
    // Stripe's own events about the capture it just made change nothing.
    const succeeded = await postStripeEvent(stripe.event("payment_intent.succeeded", intent.id));
    expect(succeeded.body).toMatchObject({ handled: false, reason: "already_settled" });
    expect(await orderCount(checkoutId)).toBe(1);
    expect(stripe.captures).toHaveLength(1);
  });

  it("payment_failed leaves the checkout locked with the attempt declined; the shopper pays again", async () => {
    const { cart, checkoutId, intent } = await waitingFor3ds();
    stripe.authenticate(intent.id, false);
    const res = await postStripeEvent(stripe.event("payment_intent.payment_failed", intent.id));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ handled: true, checkout_state: "locked", reason: "payment_declined" });
    expect(await storedCheckout(cart)).toMatchObject({
      state: "locked",
      attempts: [{ status: "declined", declineCode: "payment_intent_authentication_failure" }],
    });
    expect((await pay(cart, PM.visa)).status).toBe(201);
    expect(await orderCount(checkoutId)).toBe(1);
  });

  it("canceled (in Stripe's dashboard) ends that attempt but not the checkout", async () => {
    const { cart, intent } = await waitingFor3ds();
    stripe.intent(intent.id).status = "canceled";
    const res = await postStripeEvent(stripe.event("payment_intent.canceled", intent.id));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ handled: true, checkout_state: "locked" });
    expect(await storedCheckout(cart)).toMatchObject({ state: "locked", attempts: [{ status: "declined", declineCode: "payment_intent_canceled" }] });
  });

  it("asks Stripe to retry (503) when the payment cannot be checked now, then applies the retry", async () => {
    const { checkoutId, intent } = await waitingFor3ds();
    stripe.authenticate(intent.id);
    stripe.fail("retrieve", "500", 2);
    const event = stripe.event("payment_intent.amount_capturable_updated", intent.id);
    const first = await postStripeEvent(event);
    expect(first.status).toBe(503);
    expect(first.body.error.code).toBe("unavailable");
    expect(await orderCount(checkoutId)).toBe(0);
    const retried = await postStripeEvent(event);
    expect(retried.status).toBe(200);
    expect(retried.body.handled).toBe(true);
    expect(await orderCount(checkoutId)).toBe(1);
  });

  it("ignores PaymentIntents that are not ours or name a checkout the cart does not have", async () => {
    const { cart, intent } = await waitingFor3ds();
    const foreign = stripe.event("payment_intent.succeeded", intent.id);
    (foreign.data.object as { metadata: Record<string, string> }).metadata = { order: "42" };
    expect((await postStripeEvent(foreign)).body).toMatchObject({ handled: false, reason: "not_a_checkout_payment" });

    const otherCheckout = stripe.event("payment_intent.succeeded", intent.id);
    (otherCheckout.data.object as { metadata: Record<string, string> }).metadata.checkout_id = "chk_00000000000000000000000000";
    expect((await postStripeEvent(otherCheckout)).body).toMatchObject({ handled: false, reason: "unknown_checkout" });
    expect(await storedCheckout(cart)).toMatchObject({ state: "locked", attempts: [{ status: "requires_action" }] });
  });

  it("a webhook and a storefront completion racing for one checkout produce exactly one order and one capture", async () => {
    // Stripe answers slowly so the two requests overlap inside the cart object.
    stripe.latencyMs = 20;
    for (let round = 0; round < 4; round++) {
      const { cart, checkoutId, intent } = await waitingFor3ds();
      stripe.authenticate(intent.id);
      const event = stripe.event("payment_intent.amount_capturable_updated", intent.id);
      // Alternate who goes first; the second arrives while the first is inside the
      // object, waiting for Stripe to answer its retrieve.
      const retrieves = stripe.requestsTo("retrieve").length;
      const inside = async () => {
        while (stripe.requestsTo("retrieve").length === retrieves) await scheduler.wait(1);
      };
      let storefront: Awaited<ReturnType<typeof pay>>;
      let webhook: Awaited<ReturnType<typeof postStripeEvent>>;
      if (round % 2 === 0) {
        const first = pay(cart, PM.threeDSecure);
        await inside();
        [storefront, webhook] = await Promise.all([first, postStripeEvent(event)]);
      } else {
        const first = postStripeEvent(event);
        await inside();
        [webhook, storefront] = await Promise.all([first, pay(cart, PM.threeDSecure)]);
      }
      expect(webhook.status).toBe(200);
      // Exactly one of them made the order; the other found it made (or still being made).
      expect([storefront.status === 201, webhook.body.handled === true].filter(Boolean)).toHaveLength(1);
      if (storefront.status !== 201) expect(["cart_completed", "checkout_in_progress"]).toContain(storefront.body.error.code);
      expect(await orderCount(checkoutId)).toBe(1);
      expect(stripe.captures.filter((c) => c.intent === intent.id)).toEqual([{ intent: intent.id, amount: 1200 }]);
      expect(
        stripe
          .requestsTo("capture")
          .filter((r) => r.path.includes(intent.id))
          .map((r) => r.idempotencyKey),
      ).toEqual([`${checkoutId}:payment_capture:1`]);
    }
  });
});
