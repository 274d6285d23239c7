/**
 * Every API object that carries money carries its currency's exponent from the catalog
 * (`currency_exponent`, next to `currency`), so storefronts, the console and the CLI
 * format amounts the way the store keeps them: a store that keeps HUF with two digits
 * (Intl says 0) must not show prices 100 times off.
 */
import { describe, expect, it } from "vitest";
import { ADMIN, call, cartWith, completeCheckout, createProduct, startCheckout } from "../support/api";

async function setCurrency(code: string, exponent: number, rate: string) {
  const res = await call("PUT", `/admin/api/currencies/${code}`, { headers: ADMIN, body: { rate_from_base: rate, exponent } });
  expect(res.status).toBe(200);
}

describe("currency_exponent from the catalog", () => {
  it("labels a new, empty cart with a changed exponent at once (the isolate's memory of the currency follows the change)", async () => {
    await setCurrency("SEK", 2, "10.45");
    expect((await call("POST", "/v1/carts", { body: { currency: "SEK" } })).body.cart).toMatchObject({ currency: "SEK", currency_exponent: 2 });
    await setCurrency("SEK", 0, "10.45");
    expect((await call("POST", "/v1/carts", { body: { currency: "SEK" } })).body.cart).toMatchObject({ currency: "SEK", currency_exponent: 0 });
    await setCurrency("SEK", 2, "10.45");
  });

  it("labels products, carts, quotes, orders and admin checkouts in HUF with the store's exponent 2", async () => {
    await setCurrency("HUF", 2, "356.4");
    const [variant] = await createProduct([{ prices: { USD: 1000, HUF: 359000 }, stock: 5 }], "Forint Tee");

    const products = await call("GET", "/v1/products?currency=HUF");
    const listed = products.body.data.flatMap((p: any) => p.variants).find((v: any) => v.id === variant);
    expect(listed).toMatchObject({ price: 359000, currency: "HUF", currency_exponent: 2 });

    // A new cart is labelled before it holds anything (no catalog read for an empty cart).
    const empty = await call("POST", "/v1/carts", { body: { currency: "HUF" } });
    expect(empty.body.cart).toMatchObject({ currency: "HUF", currency_exponent: 2, total: 0 });

    const cart = await cartWith([[variant!, 2]], { currency: "HUF" });
    const shown = (await call("GET", `/v1/carts/${cart.id}`, { headers: cart.auth })).body.cart;
    expect(shown).toMatchObject({ currency_exponent: 2, subtotal: 718000 });

    const started = await startCheckout(cart);
    expect(started.status).toBe(201);
    expect(started.body.checkout.quote).toMatchObject({ currency: "HUF", currency_exponent: 2, total: 718000 });

    const paid = await completeCheckout(cart);
    expect(paid.status).toBe(201);
    expect(paid.body.order).toMatchObject({ currency: "HUF", currency_exponent: 2, total: 718000 });
    const order = await call("GET", `/v1/orders/${paid.body.order.id}`, { headers: cart.auth });
    expect(order.body.order).toMatchObject({ currency: "HUF", currency_exponent: 2 });

    const checkoutId = started.body.checkout.id;
    const list = await call("GET", `/admin/api/checkout-locks?cart_id=${cart.id}`, { headers: ADMIN });
    expect(list.body.data[0]).toMatchObject({ id: checkoutId, currency: "HUF", currency_exponent: 2, total: 718000 });
    const detail = await call("GET", `/admin/api/checkout-locks/${checkoutId}`, { headers: ADMIN });
    expect(detail.body.checkout).toMatchObject({ currency_exponent: 2 });
    expect(detail.body.checkout.quote.currency_exponent).toBe(2);
    expect(detail.body.order).toMatchObject({ currency_exponent: 2 });
  });

  it("follows the catalog: JPY has 0 digits, and a cart with lines reads the exponent afresh", async () => {
    const [variant] = await createProduct([{ prices: { USD: 1000, JPY: 1500 }, stock: 5 }], "Yen Mug");
    const cart = await cartWith([[variant!, 1]], { currency: "JPY" });
    const shown = (await call("GET", `/v1/carts/${cart.id}`, { headers: cart.auth })).body.cart;
    expect(shown).toMatchObject({ currency: "JPY", currency_exponent: 0, total: 1500 });
    const started = await startCheckout(cart);
    expect(started.body.checkout.quote).toMatchObject({ currency: "JPY", currency_exponent: 0 });
  });

  it("freezes the exponent into the signed quote: a later catalog change labels new carts, not the locked checkout", async () => {
    await setCurrency("CHF", 2, "0.88");
    const [variant] = await createProduct([{ prices: { USD: 1000, CHF: 900 }, stock: 5 }], "Franc Cap");
    const cart = await cartWith([[variant!, 1]], { currency: "CHF" });
    const started = await startCheckout(cart);
    expect(started.body.checkout.quote.currency_exponent).toBe(2);

    await setCurrency("CHF", 3, "0.88");
    const status = await call("GET", `/v1/carts/${cart.id}`, { headers: cart.auth });
    expect(status.body.cart.checkout.locked).toBe(true);
    const detail = await call("GET", `/admin/api/checkout-locks/${started.body.checkout.id}`, { headers: ADMIN });
    expect(detail.body.checkout.quote.currency_exponent).toBe(2);
    const fresh = await cartWith([[variant!, 1]], { currency: "CHF" });
    expect((await call("GET", `/v1/carts/${fresh.id}`, { headers: fresh.auth })).body.cart.currency_exponent).toBe(3);
  });

  it("gives the admin's catalog answers each priced currency's exponent: a created product and a variant's prices, following the catalog", async () => {
    await setCurrency("NOK", 2, "10.9");
    const created = await call("POST", "/admin/api/products", {
      headers: ADMIN,
      body: { title: "Krone Scarf", variants: [{ sku: `NOK-${Date.now()}`, prices: { USD: 1000, NOK: 10900, JPY: 1500 }, stock: 1 }] },
    });
    expect(created.status).toBe(201);
    expect(created.body.product.currency_exponents).toEqual({ USD: 2, NOK: 2, JPY: 0 });
    const variant = created.body.product.variants[0].id;

    await setCurrency("NOK", 0, "10.9");
    const prices = await call("PUT", `/admin/api/variants/${variant}/prices`, { headers: ADMIN, body: { NOK: 109 } });
    expect(prices.status).toBe(200);
    // Every price of the variant, not only the ones set, each with the catalog's exponent now.
    expect(prices.body).toEqual({ variant_id: variant, prices: { USD: 1000, NOK: 109, JPY: 1500 }, currency_exponents: { USD: 2, NOK: 0, JPY: 0 } });

    const refused = await call("PUT", `/admin/api/variants/${variant}/prices`, { headers: ADMIN, body: { ZZZ: 1 } });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe("validation_error");
    const unchanged = await call("PUT", `/admin/api/variants/${variant}/prices`, { headers: ADMIN, body: {} });
    expect(unchanged.body.prices).toEqual({ USD: 1000, NOK: 109, JPY: 1500 });
  });
});
