/**
 * Who may touch what (docs/contract.md, Storefront and Admin): a cart answers only to its own
 * token (another cart's token: 403, none: 401), a guessed cart or order id finds
 * nothing (404), an order is read only with its own cart's token, and every admin route
 * refuses a missing, wrong or non-admin credential (401) — and fails closed (503) when
 * no admin token is configured. Every refusal changes nothing.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { ADMIN, call, cartWith, completeCheckout, createCart, createProduct, startCheckout, type TestCart } from "../support/api";
import { expectErrorEnvelope, expectRefusal } from "../support/bad-input";
import { stateFingerprint } from "../support/state-fingerprint";
import { workerFetch } from "../support/worker-fetch";

/** An id of the right shape that nobody was given (ids are 130 random bits). */
const guessedId = (prefix: string) => `${prefix}_${"0123456789abcdefghjkmnpqrstvwxyz".repeat(2).slice(7, 33)}`;

let variantId: string;
let victim: TestCart;
let victimLineId: string;
let attacker: TestCart;
let paidCart: TestCart;
let orderId: string;

beforeAll(async () => {
  [variantId] = (await createProduct([{ prices: { USD: 1500 }, stock: 30 }])) as [string];
  expect((await call("POST", "/admin/api/discounts", { headers: ADMIN, body: { code: "SECURE5", type: "percentage", percent: 5 } })).status).toBe(201);
  victim = await cartWith([[variantId, 2]], { currency: "USD", country: "US", email: "victim@example.com" });
  victimLineId = (await call("GET", `/v1/carts/${victim.id}`, { headers: victim.auth })).body.cart.lines[0].id;
  attacker = await createCart();
  paidCart = await cartWith([[variantId, 1]]);
  const paid = await completeCheckout(paidCart);
  expect(paid.status).toBe(201);
  orderId = paid.body.order.id;
});

/** Every route under /v1/carts/{id}, with a body that would be valid for its owner. */
const cartRoutes = (cartId: string, lineId: string) => [
  { method: "GET", path: `/v1/carts/${cartId}` },
  { method: "PATCH", path: `/v1/carts/${cartId}`, body: { email: "attacker@example.com" } },
  { method: "POST", path: `/v1/carts/${cartId}/lines`, body: { variant_id: variantId, quantity: 1 } },
  { method: "PATCH", path: `/v1/carts/${cartId}/lines/${lineId}`, body: { quantity: 5 } },
  { method: "DELETE", path: `/v1/carts/${cartId}/lines/${lineId}` },
  { method: "DELETE", path: `/v1/carts/${cartId}/lines` },
  { method: "POST", path: `/v1/carts/${cartId}/discounts`, body: { code: "SECURE5" } },
  { method: "DELETE", path: `/v1/carts/${cartId}/discounts/SECURE5` },
  { method: "POST", path: `/v1/carts/${cartId}/checkout`, body: {} },
  { method: "POST", path: `/v1/carts/${cartId}/checkout/complete`, body: { payment: { method: "test", token: "tok_visa" } } },
  { method: "GET", path: `/v1/carts/${cartId}/checkout` },
  { method: "POST", path: `/v1/carts/${cartId}/checkout/cancel` },
];

describe("storefront access", () => {
  it("another cart's token gets 403 forbidden on every cart route, and the cart does not change", async () => {
    const before = await stateFingerprint([victim]);
    for (const route of cartRoutes(victim.id, victimLineId)) {
      const res = await workerFetch(route.method, route.path, { headers: attacker.auth, body: route.body });
      expectRefusal(res, `${route.method} ${route.path}`);
      expect(res.status, `${route.method} ${route.path}`).toBe(403);
      expect(res.body.error.code).toBe("forbidden");
      // Nothing about the victim's cart leaks into the refusal.
      expect(JSON.stringify(res.body)).not.toContain("victim@example.com");
    }
    expect(await stateFingerprint([victim])).toEqual(before);
  });

  it("a token one character off the cart's own gets 403, right after the owner's calls and between them", async () => {
    const last = victim.token.at(-1) === "A" ? "B" : "A";
    const nearMiss = { authorization: `Bearer ${victim.token.slice(0, -1)}${last}` };
    const before = await stateFingerprint([victim]);
    for (const route of cartRoutes(victim.id, victimLineId).slice(0, 3)) {
      expect((await workerFetch("GET", `/v1/carts/${victim.id}`, { headers: victim.auth })).status).toBe(200);
      const res = await workerFetch(route.method, route.path, { headers: nearMiss, body: route.body });
      expect(res.status, `${route.method} ${route.path}`).toBe(403);
      expect(res.body.error.code).toBe("forbidden");
    }
    expect((await workerFetch("GET", `/v1/carts/${victim.id}`, { headers: victim.auth })).status).toBe(200);
    expect(await stateFingerprint([victim])).toEqual(before);
  });

  it("no token, or a token in another scheme, gets 401 on every cart route", async () => {
    const before = await stateFingerprint([victim]);
    for (const route of cartRoutes(victim.id, victimLineId)) {
      const unauthenticated: Array<Record<string, string>> = [
        {},
        { authorization: `Basic ${victim.token}` },
        { authorization: victim.token },
        { authorization: "Bearer" },
      ];
      for (const headers of unauthenticated) {
        const res = await workerFetch(route.method, route.path, { headers, body: route.body });
        expect(res.status, `${route.method} ${route.path} with ${JSON.stringify(headers).slice(0, 40)}`).toBe(401);
        expect(res.body.error.code).toBe("unauthorized");
      }
    }
    expect(await stateFingerprint([victim])).toEqual(before);
  });

  it("a guessed cart id of the right shape is 404 not_found — with any token — and reveals nothing", async () => {
    for (const route of cartRoutes(guessedId("cart"), victimLineId)) {
      const res = await workerFetch(route.method, route.path, { headers: attacker.auth, body: route.body });
      expectRefusal(res, `${route.method} ${route.path}`);
      expect(res.status, `${route.method} ${route.path}`).toBe(404);
      expect(res.body.error.code).toBe("not_found");
    }
  });

  it("the admin token is not a cart token (403), and a cart token is not an admin token (401)", async () => {
    const asAdmin = await workerFetch("GET", `/v1/carts/${victim.id}`, { headers: ADMIN });
    expect(asAdmin.status).toBe(403);
    const asCart = await workerFetch("GET", `/admin/api/variants/${variantId}/stock`, { headers: victim.auth });
    expect(asCart.status).toBe(401);
  });

  it("an order is read only with its own cart's token: a stolen order id with another cart's token is 403", async () => {
    const own = await workerFetch("GET", `/v1/orders/${orderId}`, { headers: paidCart.auth });
    expect(own.status).toBe(200);
    expect(own.body.order).toMatchObject({ id: orderId, status: "paid" });

    const stolen = await workerFetch("GET", `/v1/orders/${orderId}`, { headers: attacker.auth });
    expectRefusal(stolen, "stolen order id");
    expect(stolen.status).toBe(403);
    expect(stolen.body.error.code).toBe("forbidden");
    expect(JSON.stringify(stolen.body)).not.toContain(paidCart.id);

    expect((await workerFetch("GET", `/v1/orders/${orderId}`)).status).toBe(401);
    expect((await workerFetch("GET", `/v1/orders/${orderId}`, { headers: ADMIN })).status).toBe(403);
    const guessed = await workerFetch("GET", `/v1/orders/${guessedId("ord")}`, { headers: paidCart.auth });
    expect(guessed.status).toBe(404);
    expect(guessed.body.error.code).toBe("not_found");
  });

  it("ids are unguessable: carts, checkouts and orders get 26 random base32 characters", async () => {
    const cart = await cartWith([[variantId, 1]]);
    const started = await startCheckout(cart);
    expect(cart.id).toMatch(/^cart_[0-9a-z]{26}$/);
    expect(started.body.checkout.id).toMatch(/^chk_[0-9a-z]{26}$/);
    expect(orderId).toMatch(/^ord_[0-9a-z]{26}$/);
    // Tokens are long random strings, and never stored or shown again after creation.
    expect(cart.token.length).toBeGreaterThanOrEqual(43);
    const read = await workerFetch("GET", `/v1/carts/${cart.id}`, { headers: cart.auth });
    expect(JSON.stringify(read.body)).not.toContain(cart.token);
  });
});

describe("admin access", () => {
  const adminRoutes = () => [
    { method: "POST", path: "/admin/api/products", body: { title: "Nope", variants: [{ sku: "SEC-NOPE", prices: { USD: 1 }, stock: 1 }] } },
    { method: "GET", path: `/admin/api/variants/${variantId}/stock` },
    { method: "PUT", path: `/admin/api/variants/${variantId}/stock`, body: { on_hand: 0 } },
    { method: "PUT", path: `/admin/api/variants/${variantId}/prices`, body: { USD: 1 } },
    { method: "POST", path: "/admin/api/discounts", body: { code: "FREE100", type: "percentage", percent: 100 } },
    { method: "PUT", path: "/admin/api/tax-rates/US/standard", body: { name: "None", rate_bps: 0 } },
    { method: "PUT", path: "/admin/api/currencies/EUR", body: { rate_from_base: "0.01", exponent: 2 } },
    { method: "GET", path: "/admin/api/checkout-locks" },
    { method: "GET", path: "/admin/api/checkout-locks/statistics" },
    { method: "GET", path: `/admin/api/checkout-locks/${guessedId("chk")}` },
    { method: "POST", path: `/admin/api/checkout-locks/${guessedId("chk")}/release` },
    { method: "GET", path: "/admin/api/diagnostics" },
    { method: "POST", path: "/admin/api/cleanup" },
  ];

  it("every admin route answers 401 without the admin token, with a wrong one or a near miss, and changes nothing", async () => {
    const before = await stateFingerprint([victim]);
    const wrong: Array<Record<string, string>> = [
      {},
      { authorization: "Bearer wrong" },
      { authorization: `Bearer ${env.ADMIN_TOKEN}x` },
      { authorization: `Bearer ${env.ADMIN_TOKEN!.slice(0, -1)}` },
      { authorization: `Bearer ${env.ADMIN_TOKEN!.toUpperCase()}` },
      { authorization: `Basic ${btoa(`admin:${env.ADMIN_TOKEN}`)}` },
      { authorization: env.ADMIN_TOKEN! },
      { "x-admin-token": env.ADMIN_TOKEN! },
      { cookie: `admin_token=${env.ADMIN_TOKEN}` },
      victim.auth,
    ];
    for (const route of adminRoutes()) {
      for (const headers of wrong) {
        const res = await workerFetch(route.method, route.path, { headers, body: route.body });
        const label = `${route.method} ${route.path} with ${JSON.stringify(headers).slice(0, 60)}`;
        expectRefusal(res, label);
        expect(res.status, label).toBe(401);
        expect(res.body.error.code, label).toBe("unauthorized");
      }
    }
    expect(await stateFingerprint([victim])).toEqual(before);
  });

  it("with no ADMIN_TOKEN configured admin fails closed: 503 admin_disabled, whatever is sent", async () => {
    const before = await stateFingerprint([victim]);
    for (const adminToken of [undefined, ""]) {
      const unconfigured = { ...env, ADMIN_TOKEN: adminToken };
      for (const route of adminRoutes()) {
        const attempts: Array<Record<string, string>> = [{}, { authorization: "Bearer " }, { authorization: "Bearer undefined" }, ADMIN];
        for (const headers of attempts) {
          const res = await workerFetch(route.method, route.path, { headers, body: route.body, env: unconfigured });
          const label = `${route.method} ${route.path} (ADMIN_TOKEN ${JSON.stringify(adminToken)}) with ${JSON.stringify(headers)}`;
          expectErrorEnvelope(res, label);
          expect(res.status, label).toBe(503);
          expect(res.body.error.code, label).toBe("admin_disabled");
        }
      }
    }
    expect(await stateFingerprint([victim])).toEqual(before);
  });
});
