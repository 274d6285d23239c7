/**
 * Stripe is sent its own units for each currency, and a total it could never charge is
 * refused when the checkout starts (never at payment, never after stock was held).
 */
import { describe, expect, it } from "vitest";
import { ADMIN, call, cartWith, createProduct, getCart, startCheckout, stockOf } from "../support/api";
import { applyCode, checkoutTrace, createDiscount, uniqueCode } from "../support/saga";
import { PM, type StripeDouble, payWithStripe, useStripeDouble } from "../support/stripe-double";

let stripe: StripeDouble;
useStripeDouble((double) => (stripe = double));

async function currency(code: string, exponent: number, rate: string): Promise<void> {
  const res = await call("PUT", `/admin/api/currencies/${code}`, { headers: ADMIN, body: { rate_from_base: rate, exponent } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

/** A cart of one unit priced `price` minor units in `code`. */
async function cartPricedAt(code: string, price: number, stock = 3) {
  const [variant] = await createProduct([{ prices: { USD: 1000, [code]: price }, stock }]);
  return { cart: await cartWith([[variant!, 1]], { currency: code }), variant: variant! };
}

describe("Stripe's units per currency", () => {
  it("ISK (ISO exponent 0) is sent in hundredths: a 4,000 ISK cart is amount=400000, and the order is 4,000 ISK", async () => {
    await currency("ISK", 0, "138");
    const { cart, variant } = await cartPricedAt("ISK", 4_000);
    const paid = await payWithStripe(cart, PM.visa);
    expect(paid.status, JSON.stringify(paid.body)).toBe(201);
    expect(paid.body.order).toMatchObject({ currency: "ISK", total: 4_000, payment: { provider: "stripe", status: "captured", amount: 4_000 } });
    expect(stripe.requestsTo("create").map((r) => [r.form.amount, r.form.currency])).toEqual([["400000", "isk"]]);
    expect(stripe.requestsTo("capture").map((r) => r.form.amount_to_capture)).toEqual(["400000"]);
    expect(stripe.captures.map((c) => c.amount)).toEqual([400_000]);
    expect(await stockOf(variant)).toMatchObject({ on_hand: 2, reserved: 0 });
  });

  it("KWD (three decimals) is sent in thousandths ending in 0; a total ending in another digit is refused at start", async () => {
    await currency("KWD", 3, "0.307");
    const ok = await cartPricedAt("KWD", 12_340);
    const paid = await payWithStripe(ok.cart, PM.visa);
    expect(paid.status, JSON.stringify(paid.body)).toBe(201);
    expect(stripe.requestsTo("create").map((r) => r.form.amount)).toEqual(["12340"]);

    const odd = await cartPricedAt("KWD", 12_345);
    const refused = await startCheckout(odd.cart);
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({ code: "amount_not_chargeable", details: { currency: "KWD" } });
    // Nothing held, the cart stays editable, Stripe never asked.
    expect(await stockOf(odd.variant)).toMatchObject({ reserved: 0 });
    expect((await getCart(odd.cart)).locked).toBe(false);
    expect(stripe.requestsTo("create")).toHaveLength(1);
    const trace = await checkoutTrace(refused.body.error.details.checkout_id);
    expect(trace.row).toMatchObject({ state: "failed" });
    expect(trace.reservations).toEqual([]);
  });

  it("a total under Stripe's minimum is refused when complete would start the checkout: 422 amount_too_small with the minimum, nothing held", async () => {
    const { cart, variant } = await cartPricedAt("USD", 49);
    const first = await payWithStripe(cart, PM.visa);
    expect(first.status).toBe(422);
    expect(first.body.error).toMatchObject({ code: "amount_too_small", details: { currency: "USD", minimum: 50 } });
    // A retry is refused the same way, and never locks stock or reaches Stripe.
    const again = await payWithStripe(cart, PM.visa);
    expect(again.body.error.code).toBe("amount_too_small");
    expect(await stockOf(variant)).toMatchObject({ reserved: 0, on_hand: 3 });
    expect(stripe.requests).toEqual([]);
    expect((await getCart(cart)).locked).toBe(false);
  });

  it("a total of 0 completes without calling Stripe", async () => {
    const code = uniqueCode("FREE");
    await createDiscount({ code, type: "percentage", percent: 100 });
    const { cart, variant } = await cartPricedAt("USD", 2_500);
    expect((await applyCode(cart, code)).status).toBe(200);
    const paid = await payWithStripe(cart, PM.visa);
    expect(paid.status, JSON.stringify(paid.body)).toBe(201);
    expect(paid.body.order).toMatchObject({ total: 0, status: "paid", payment: { provider: "none", status: "not_required", amount: 0 } });
    expect(stripe.requests).toEqual([]);
    expect(await stockOf(variant)).toMatchObject({ on_hand: 2, reserved: 0 });
  });
});
