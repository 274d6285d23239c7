/**
 * Refunds through Stripe: POST /v1/refunds for the PaymentIntent, in Stripe's units for
 * the currency, under an idempotency key derived from the refund id, so a repeat refunds once.
 */
import { describe, expect, it } from "vitest";
import { ADMIN, call, cartWith, createProduct } from "../support/api";
import { refund, refundKey } from "../support/orders";
import { PM, type StripeDouble, payWithStripe, useStripeDouble } from "../support/stripe-double";

let stripe: StripeDouble;
useStripeDouble((double) => (stripe = double));

describe("Stripe refunds", () => {
  it("refunds in Stripe's units (ISK in hundredths) under the refund's own key, once per key", async () => {
    expect((await call("PUT", "/admin/api/currencies/ISK", { headers: ADMIN, body: { rate_from_base: "138", exponent: 0 } })).status).toBe(200);
    const [variant] = await createProduct([{ prices: { USD: 1000, ISK: 4_000 } }]);
    const paid = await payWithStripe(await cartWith([[variant!, 2]], { currency: "ISK" }), PM.visa);
    expect(paid.status, JSON.stringify(paid.body)).toBe(201);
    const order = paid.body.order;
    const key = refundKey();
    const first = await refund(order.id, { amount: 1_000 }, key);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body.refund).toMatchObject({ status: "succeeded", amount: 1_000, currency: "ISK" });
    expect(first.body.refund.gateway_reference).toMatch(/^re_/);
    expect((await refund(order.id, { amount: 1_000 }, key)).body.refund.id).toBe(first.body.refund.id);
    const requests = stripe.requestsTo("refund");
    expect(requests).toHaveLength(1);
    expect(requests[0]!.form.amount).toBe("100000");
    expect(stripe.refunds.map((r) => r.amount)).toEqual([100_000]);
    const rest = await refund(order.id, {});
    expect(rest.status).toBe(201);
    expect(rest.body.order).toMatchObject({ status: "refunded", refunded_total: order.total });
    expect(stripe.refunds.reduce((s, r) => s + r.amount, 0)).toBe(order.total * 100);
  });
});
