/**
 * Carts are priced from the isolate's catalog cache while they are edited and viewed, so
 * a drop's "add to cart" does not read D1 for each shopper; the checkout's quote is
 * priced from D1 when it is frozen, so a stale view never changes what anyone pays.
 * The cache's clock is moved instead of sleeping.
 */
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { CATALOG_MAX_AGE_MS, catalogCache } from "../../src/db/catalog-cache";
import { ADMIN, addLine, call, cartWith, completeCheckout, createCart, createProduct, getCart, startCheckout } from "../support/api";
import { countWork } from "../support/d1-counter";
import { expectInvariants } from "../support/invariants";
import { cartObject } from "../support/saga";

let clockMs = Date.now();
catalogCache.clock = () => clockMs;
const elapse = (ms: number) => (clockMs += ms);
beforeEach(() => {
  clockMs = Date.now();
});

/** A price change made behind this isolate's back, as another isolate's admin write would be. */
const changePriceElsewhere = (variantId: string, amount: number) =>
  env.DB.prepare("UPDATE variant_prices SET amount = ? WHERE variant_id = ? AND currency = 'USD'").bind(amount, variantId).run();

describe("catalog cache", () => {
  it("adds lines and shows carts without a D1 query once the variant was read", async () => {
    const [variant] = await createProduct([{ prices: { USD: 1200 }, stock: 50 }]);
    await cartWith([[variant!, 1]]);
    const cart = await createCart({ currency: "USD", country: "US" });
    // The tax rates of a country not read yet are one batch; then nothing.
    await addLine(cart, variant!, 1);
    const added = await countWork(cartObject(cart), () => addLine(cart, variant!, 2));
    expect(added.result.status).toBe(200);
    expect(added.result.body.cart.lines[0]).toMatchObject({ variant_id: variant, quantity: 3, unit_price: 1200 });
    expect(added.count.d1RoundTrips).toBe(0);
    const viewed = await countWork(cartObject(cart), () => call("GET", `/v1/carts/${cart.id}`, { headers: cart.auth }));
    expect(viewed.result.body.cart.total).toBe(3600);
    expect(viewed.count.d1RoundTrips).toBe(0);
  });

  it("shares one D1 read among shoppers adding the same variant at once", async () => {
    const [variant] = await createProduct([{ stock: 50 }]);
    const carts = await Promise.all(Array.from({ length: 8 }, () => createCart()));
    const added = await countWork(cartObject(carts[0]!), () => Promise.all(carts.map((c) => addLine(c, variant!, 1))));
    expect(added.result.map((r) => r.status)).toEqual(carts.map(() => 200));
    expect(added.count.d1RoundTrips).toBe(1);
  });

  it("shows an admin change made here at once, and one made elsewhere within the bound", async () => {
    const [variant] = await createProduct([{ prices: { USD: 1000 } }]);
    const cart = await cartWith([[variant!, 1]]);
    expect((await call("PUT", `/admin/api/variants/${variant}/prices`, { headers: ADMIN, body: { USD: 1500 } })).status).toBe(200);
    expect((await getCart(cart)).total).toBe(1500);
    expect((await call("PUT", "/admin/api/tax-rates/DE/standard", { headers: ADMIN, body: { name: "MwSt", rate_bps: 1900 } })).status).toBe(200);
    expect((await call("PATCH", `/v1/carts/${cart.id}`, { headers: cart.auth, body: { country: "DE" } })).body.cart.tax_total).toBe(285);
    expect((await call("PUT", "/admin/api/tax-rates/DE/standard", { headers: ADMIN, body: { name: "MwSt", rate_bps: 700 } })).status).toBe(200);
    expect((await getCart(cart)).tax_total).toBe(105);

    await changePriceElsewhere(variant!, 1800);
    expect((await getCart(cart)).subtotal).toBe(1500);
    elapse(CATALOG_MAX_AGE_MS + 1);
    expect((await getCart(cart)).subtotal).toBe(1800);
  });

  it("never lets a stale view change what anyone pays: the quote is priced from D1, and a shown total that drifted is refused", async () => {
    const [variant] = await createProduct([{ prices: { USD: 1000 }, stock: 5 }]);
    const cart = await cartWith([[variant!, 2]]);
    await changePriceElsewhere(variant!, 1250);
    const shown = await getCart(cart);
    expect(shown.total).toBe(2000);

    // The shopper confirms the total they were shown: it is no longer the price.
    const refused = await startCheckout(cart, { expected_total: shown.total });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: "price_changed", details: { expected_total: 2000, actual_total: 2500 } });
    expect((await getCart(cart)).locked).toBe(false);

    // Without a shown total the quote is still the database's price, and so is the charge.
    const paid = await completeCheckout(cart);
    expect(paid.status).toBe(201);
    expect(paid.body.order).toMatchObject({ total: 2500, payment: { amount: 2500 } });
    await expectInvariants();
  });
});
