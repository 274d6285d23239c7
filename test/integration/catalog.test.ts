import { describe, expect, it } from "vitest";
import { env } from "cloudflare:workers";
import { ADMIN, call, createProduct, stockOf, uniqueSku } from "../support/api";

describe("catalog and admin catalog API", () => {
  it("lists products with prices in the asked currency, converting from the base when a price is missing", async () => {
    const [v] = await createProduct([{ prices: { USD: 1000, EUR: 950 }, stock: 7 }], "Listed product");
    const [w] = await createProduct([{ prices: { USD: 1000 }, stock: 2 }], "Converted product");
    const usd = await call("GET", "/v1/products?currency=USD");
    expect(usd.status).toBe(200);
    const find = (body: any, id: string) => body.data.flatMap((p: any) => p.variants).find((x: any) => x.id === id);
    expect(find(usd.body, v!)).toMatchObject({ price: 1000, currency: "USD", available: 7 });
    const eur = await call("GET", "/v1/products?currency=EUR");
    expect(find(eur.body, v!)).toMatchObject({ price: 950, currency: "EUR" });
    // 1000 USD cents × 0.92 (the seeded placeholder rate) = 920 EUR cents.
    expect(find(eur.body, w!)).toMatchObject({ price: 920, currency: "EUR" });
    const jpy = await call("GET", "/v1/products?currency=JPY");
    // 10.00 USD × 151.37 = 1513.7 → 1514 yen (exponent 0, half up).
    expect(find(jpy.body, w!)).toMatchObject({ price: 1514, currency: "JPY" });
    expect((await call("GET", "/v1/products?currency=XXX")).status).toBe(400);
  });

  it("creates products with stock, refuses duplicate SKUs and unknown currencies", async () => {
    const sku = uniqueSku();
    const created = await call("POST", "/admin/api/products", { headers: ADMIN, body: { title: "Mug", variants: [{ sku, prices: { USD: 1200 }, stock: 4 }] } });
    expect(created.status).toBe(201);
    expect(created.body.product.variants[0]).toMatchObject({ sku, stock: { on_hand: 4, reserved: 0, available: 4 } });
    const dup = await call("POST", "/admin/api/products", { headers: ADMIN, body: { title: "Mug 2", variants: [{ sku, prices: { USD: 1200 } }] } });
    expect(dup.status).toBe(409);
    const unknownCurrency = await call("POST", "/admin/api/products", {
      headers: ADMIN,
      body: { title: "X", variants: [{ sku: uniqueSku(), prices: { ZZZ: 1 } }] },
    });
    expect(unknownCurrency.status).toBe(400);
    expect(unknownCurrency.body.error.code).toBe("validation_error");
  });

  it("sets stock, records the adjustment, and never goes below what is reserved", async () => {
    const [v] = await createProduct([{ stock: 5 }]);
    const set = await call("PUT", `/admin/api/variants/${v}/stock`, { headers: ADMIN, body: { on_hand: 9 } });
    expect(set.status).toBe(200);
    // The answer names the adjustment it recorded, so a merchant (or an audit) knows what the change did.
    expect(set.body).toEqual({ variant_id: v, on_hand: 9, reserved: 0, available: 9, adjusted_by: 4 });
    const adjustments = await env.DB.prepare("SELECT delta, reason FROM inventory_adjustments WHERE variant_id = ? ORDER BY id").bind(v).all();
    expect(adjustments.results).toEqual([
      { delta: 5, reason: "initial" },
      { delta: 4, reason: "admin" },
    ]);
    await env.DB.prepare(
      "INSERT INTO stock_reservations (checkout_id, variant_id, quantity, status, expires_at, created_at, updated_at) VALUES ('chk_stocktest', ?, 6, 'active', '2099-01-01', '2026-01-01', '2026-01-01')",
    )
      .bind(v)
      .run();
    const below = await call("PUT", `/admin/api/variants/${v}/stock`, { headers: ADMIN, body: { on_hand: 5 } });
    expect(below.status).toBe(409);
    expect(await stockOf(v!)).toEqual({ variant_id: v, on_hand: 9, reserved: 6, available: 3 });
    const lowered = await call("PUT", `/admin/api/variants/${v}/stock`, { headers: ADMIN, body: { on_hand: 7 } });
    expect(lowered.body).toEqual({ variant_id: v, on_hand: 7, reserved: 6, available: 1, adjusted_by: -2 });
    expect((await call("GET", "/admin/api/variants/var_nope/stock", { headers: ADMIN })).status).toBe(404);
    expect((await call("PUT", `/admin/api/variants/${v}/stock`, { headers: ADMIN, body: { on_hand: -1 } })).status).toBe(400);
    // The hold had no checkout: give it back, as the cleanup job would, so no later check finds it.
    await env.DB.prepare("UPDATE stock_reservations SET status = 'released' WHERE checkout_id = 'chk_stocktest' AND variant_id = ?").bind(v).run();
    expect(await stockOf(v!)).toMatchObject({ reserved: 0 });
  });

  it("updates prices, tax rates and currencies", async () => {
    const [v] = await createProduct([{ prices: { USD: 1000 } }]);
    const prices = await call("PUT", `/admin/api/variants/${v}/prices`, { headers: ADMIN, body: { USD: 2499, EUR: 2299 } });
    expect(prices.status).toBe(200);
    expect(prices.body.prices).toEqual({ USD: 2499, EUR: 2299 });
    const tax = await call("PUT", "/admin/api/tax-rates/NL/standard", { headers: ADMIN, body: { name: "BTW", rate_bps: 2100, inclusive: true } });
    expect(tax.status).toBe(200);
    expect((await call("PUT", "/admin/api/tax-rates/NL/standard", { headers: ADMIN, body: { name: "BTW", rate_bps: 10001 } })).status).toBe(400);
    const cur = await call("PUT", "/admin/api/currencies/SEK", { headers: ADMIN, body: { rate_from_base: "10.45", exponent: 2 } });
    expect(cur.status).toBe(200);
    expect((await call("PUT", "/admin/api/currencies/SEK", { headers: ADMIN, body: { rate_from_base: "-1", exponent: 2 } })).status).toBe(400);
    expect((await call("PUT", "/admin/api/currencies/USD", { headers: ADMIN, body: { rate_from_base: "2", exponent: 2 } })).status).toBe(400);
  });

  it("guards the admin API: 401 without or with a wrong token", async () => {
    expect((await call("POST", "/admin/api/products", { body: { title: "x", variants: [] } })).status).toBe(401);
    const wrong = await call("GET", "/admin/api/variants/x/stock", { headers: { authorization: "Bearer nope" } });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe("unauthorized");
  });

  it("serves an OpenAPI 3.1 document of the routes", async () => {
    const res = await call("GET", "/openapi.json");
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe("3.1.0");
    for (const path of [
      "/v1/carts",
      "/v1/carts/{id}/lines",
      "/v1/carts/{id}/checkout",
      "/v1/carts/{id}/checkout/complete",
      "/v1/orders/{id}",
      "/v1/products",
      "/admin/api/products",
    ]) {
      expect(res.body.paths, path).toHaveProperty([path]);
    }
  });
});
