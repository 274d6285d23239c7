/**
 * Frozen money (docs/architecture.md): once the quote is signed at price lock, the admin changing
 * the price, the tax rate, the exchange rate or the discount changes nothing about the
 * checkout — the order, the authorization and the capture all equal the quote, to the
 * cent — while the live catalog (and any new checkout) moves on.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { isQuoteIntact, type Quote } from "../../src/checkout/quote";
import { ADMIN, call, completeCheckout, createProduct, getCart, startCheckout } from "../support/api";
import { expectInvariants } from "../support/invariants";
import { cartWithCodes, checkoutTrace, createDiscount, uniqueCode } from "../support/saga";

// Tax rates and currencies are global catalog rows: this file owns country IS and currency EUR.
const COUNTRY = "IS";

async function admin(method: string, path: string, body: unknown) {
  const res = await call(method, path, { headers: ADMIN, body });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

describe("prices frozen at price lock", () => {
  it("keeps the quote's price, tax, exchange rate and discount after the admin changes all four", async () => {
    await admin("PUT", `/admin/api/tax-rates/${COUNTRY}/standard`, { name: "VAT", rate_bps: 2400 });
    await admin("PUT", "/admin/api/currencies/EUR", { rate_from_base: "0.9", exponent: 2 });
    // Priced in USD only: the EUR cart converts at the exchange rate, which the quote freezes.
    const [v] = await createProduct([{ prices: { USD: 5000 }, stock: 10 }]);
    const code = uniqueCode("FREEZE");
    await createDiscount({ code, type: "percentage", percent: 10 });
    const cart = await cartWithCodes([[v!, 2]], [code], { currency: "EUR", country: COUNTRY });

    const started = await startCheckout(cart);
    expect(started.status).toBe(201);
    const quote: Quote = started.body.checkout.quote;
    // 2 × 4500 (5000 × 0.9) = 9000, less 10% = 8100, plus 24% VAT = 1944.
    expect(quote).toMatchObject({ currency: "EUR", exchange_rate: "0.9", subtotal: 9000, discount_total: 900, tax_total: 1944, total: 10044 });
    expect(quote.lines[0]).toMatchObject({ unit_price: 4500, discounts: [{ code, amount: 900 }], taxes: [{ name: "VAT", rate_bps: 2400, amount: 1944 }] });

    // The admin changes everything the quote was made of.
    await admin("PUT", `/admin/api/variants/${v}/prices`, { USD: 8000 });
    await admin("PUT", `/admin/api/tax-rates/${COUNTRY}/standard`, { name: "VAT", rate_bps: 1000 });
    await admin("PUT", "/admin/api/currencies/EUR", { rate_from_base: "1.25", exponent: 2 });
    // The admin API has no discount edit; the stored rule is changed as an admin tool would.
    await env.DB.prepare("UPDATE discounts SET percent_bps = 5000 WHERE code = ?").bind(code).run();

    // The live cart sees the new catalog: 2 × 10000, less 50%, plus 10%.
    const live = await getCart(cart);
    expect(live).toMatchObject({ subtotal: 20000, discount_total: 10000, tax_total: 1000, total: 11000, locked: true });

    const paid = await completeCheckout(cart, "tok_visa");
    expect(paid.status).toBe(201);
    const order = paid.body.order;
    expect(order).toMatchObject({ currency: "EUR", subtotal: 9000, discount_total: 900, tax_total: 1944, total: 10044 });
    expect(order.lines).toEqual(quote.lines);
    expect(order.payment).toMatchObject({ status: "captured", amount: 10044 });
    expect(paid.body.checkout.quote).toEqual(quote);
    expect(await isQuoteIntact(env.QUOTE_SIGNING_SECRET!, paid.body.checkout.quote)).toBe(true);

    const trace = await checkoutTrace(paid.body.checkout.id);
    expect(trace.quote).toEqual({ status: "used", total: 10044 });
    expect(trace.orders).toMatchObject([{ status: "paid", total: 10044 }]);
    expect(trace.payments).toMatchObject([{ status: "captured", amount: 10044, captured_amount: 10044 }]);
    expect(trace.charges).toMatchObject([{ status: "captured", amount: 10044, captured_amount: 10044 }]);
    const fetched = await call("GET", `/v1/orders/${order.id}`, { headers: cart.auth });
    expect(fetched.body.order).toMatchObject({ total: 10044, lines: quote.lines, payment: { amount: 10044 } });

    // A checkout started now takes the new figures.
    const next = await cartWithCodes([[v!, 2]], [code], { currency: "EUR", country: COUNTRY });
    const fresh = await startCheckout(next);
    expect(fresh.body.checkout.quote).toMatchObject({ exchange_rate: "1.25", subtotal: 20000, total: 11000 });
    await expectInvariants();
  });
});
