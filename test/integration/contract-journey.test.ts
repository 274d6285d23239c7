/**
 * Every answer the suite receives is checked against the OpenAPI document by the request
 * helpers (test/support/contract.ts). Here: that check refuses drift (an undeclared field,
 * status, error code or route), and one journey walks the shopper's calls, their refusals
 * and the admin's reads of what they left, so each of those answers is checked in one place.
 */
import { describe, expect, expectTypeOf, it } from "vitest";
import type { Quote as StoredQuote } from "../../src/checkout/quote";
import type { Quote } from "../../src/contract/quote";
import { ADMIN, call as api, createProduct, uniqueSku } from "../support/api";
import { assertDeclared, ContractDriftError } from "../support/contract";

async function newCart(body: Record<string, unknown> = { currency: "USD", country: "US" }) {
  const res = await api("POST", "/v1/carts", { body, headers: { "idempotency-key": crypto.randomUUID() } });
  expect(res.status).toBe(201);
  return { id: res.body.cart.id as string, auth: { authorization: `Bearer ${res.body.token}` } };
}

describe("the contract check of the request helpers", () => {
  it("refuses an undeclared field, status, error code or route, and passes the real answer", async () => {
    const cart = await newCart();
    const res = await api("GET", `/v1/carts/${cart.id}`, { headers: cart.auth });
    const json = { "content-type": "application/json" };
    const answer = (status: number, body: unknown) => ({ status, body, headers: new Headers(json) });
    const path = `/v1/carts/${cart.id}`;
    expect(() => assertDeclared("GET", path, answer(200, res.body))).not.toThrow();
    expect(() => assertDeclared("GET", path, answer(200, { cart: { ...res.body.cart, surprise: 1 } }))).toThrow(ContractDriftError);
    expect(() => assertDeclared("GET", path, answer(200, { cart: { ...res.body.cart, lines: [{ id: "line" }] } }))).toThrow(/lines/);
    expect(() => assertDeclared("GET", path, answer(201, res.body))).toThrow(/does not declare a 201/);
    // insufficient_stock is a 409 the cart read never answers.
    expect(() => assertDeclared("GET", path, answer(409, { error: { code: "insufficient_stock", message: "x" } }))).toThrow(ContractDriftError);
    expect(() => assertDeclared("GET", "/v1/nowhere", answer(200, {}))).toThrow(/not in the OpenAPI document/);
    expect(() => assertDeclared("GET", "/v1/nowhere", answer(404, { error: { code: "not_found", message: "No such route." } }))).not.toThrow();
    // Only JSON answers are the document's: a page is not checked.
    expect(() => assertDeclared("GET", "/v1/nowhere", { status: 200, body: "<html>", headers: new Headers({ "content-type": "text/html" }) })).not.toThrow();
  });
});

describe("the contract of a checkout journey", () => {
  it("the quote schema describes every field of the stored quote (it is sent as stored)", () => {
    expectTypeOf<Exclude<keyof StoredQuote, keyof Quote>>().toEqualTypeOf<never>();
  });

  it("a paid checkout: every answer matches its declared schema, closed", async () => {
    const [variant, other] = await createProduct([
      { prices: { USD: 1250 }, stock: 5 },
      { prices: { USD: 400 }, stock: 5 },
    ]);
    const code = uniqueSku("SAVE").replace(/[^A-Za-z0-9_-]/g, "");
    expect((await api("POST", "/admin/api/discounts", { headers: ADMIN, body: { code, type: "percentage", percent: 10 } })).status).toBe(201);
    expect((await api("GET", "/v1/products?currency=USD")).status).toBe(200);

    const cart = await newCart();
    const base = `/v1/carts/${cart.id}`;
    const added = await api("POST", `${base}/lines`, { headers: cart.auth, body: { variant_id: variant, quantity: 2 } });
    expect(added.status).toBe(200);
    const line = added.body.cart.lines[0].id;
    expect((await api("POST", `${base}/lines`, { headers: cart.auth, body: { variant_id: other, quantity: 1 } })).status).toBe(200);
    expect((await api("PATCH", `${base}/lines/${line}`, { headers: cart.auth, body: { quantity: 3 } })).status).toBe(200);
    expect((await api("POST", `${base}/discounts`, { headers: cart.auth, body: { code } })).status).toBe(200);
    expect((await api("PATCH", base, { headers: cart.auth, body: { email: "shopper@example.com" } })).status).toBe(200);
    expect((await api("GET", base, { headers: cart.auth })).status).toBe(200);
    expect((await api("GET", `${base}/checkout`, { headers: cart.auth })).status).toBe(200);

    // Refusals are declared too, with their code in the route's list.
    expect((await api("GET", base)).status).toBe(401);
    expect((await api("GET", base, { headers: { authorization: "Bearer another" } })).status).toBe(403);
    expect((await api("POST", `${base}/lines`, { headers: cart.auth, body: { variant_id: "var_missing", quantity: 1 } })).status).toBe(404);
    expect((await api("POST", `${base}/lines`, { headers: cart.auth, body: { variant_id: variant, quantity: 0 } })).status).toBe(400);
    expect((await api("POST", `${base}/discounts`, { headers: cart.auth, body: { code: "NOPE" } })).status).toBe(422);
    expect((await api("POST", `${base}/checkout/cancel`, { headers: cart.auth })).status).toBe(409);
    expect((await api("POST", `${base}/checkout`, { headers: cart.auth, body: { expected_total: 1 } })).status).toBe(409);

    const started = await api("POST", `${base}/checkout`, { headers: cart.auth, body: {} });
    expect(started.status).toBe(201);
    expect((await api("GET", `${base}/checkout`, { headers: cart.auth })).status).toBe(200);
    expect((await api("GET", base, { headers: cart.auth })).body.cart.locked).toBe(true);
    expect((await api("DELETE", `${base}/lines/${line}`, { headers: cart.auth })).status).toBe(423);
    expect((await api("POST", `${base}/checkout`, { headers: cart.auth, body: {} })).status).toBe(409);

    const declined = await api("POST", `${base}/checkout/complete`, { headers: cart.auth, body: { payment: { method: "test", token: "tok_decline" } } });
    expect(declined.status).toBe(402);
    const key = crypto.randomUUID();
    const paid = await api("POST", `${base}/checkout/complete`, {
      headers: { ...cart.auth, "idempotency-key": key },
      body: { payment: { method: "test", token: "tok_visa" } },
    });
    expect(paid.status).toBe(201);
    const replay = await api("POST", `${base}/checkout/complete`, {
      headers: { ...cart.auth, "idempotency-key": key },
      body: { payment: { method: "test", token: "tok_visa" } },
    });
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    const reused = await api("POST", `${base}/checkout/complete`, {
      headers: { ...cart.auth, "idempotency-key": key },
      body: { payment: { method: "test", token: "tok_decline" } },
    });
    expect(reused.status).toBe(422);
    expect((await api("POST", `${base}/lines`, { headers: cart.auth, body: { variant_id: variant, quantity: 1 } })).status).toBe(409);
    expect((await api("GET", base, { headers: cart.auth })).body.cart.completed).toBe(true);

    const orderId = paid.body.order.id as string;
    expect((await api("GET", `/v1/orders/${orderId}`, { headers: cart.auth })).status).toBe(200);
    expect((await api("GET", `/v1/orders/${orderId}`, { headers: { authorization: "Bearer another" } })).status).toBe(403);
    expect((await api("GET", "/v1/orders/ord_missing", { headers: cart.auth })).status).toBe(404);

    // The admin's reads of what the journey left.
    const checkoutId = started.body.checkout.id as string;
    // The refused start (price_changed) left a failed checkout beside the paid one.
    expect((await api("GET", `/admin/api/checkout-locks?cart_id=${cart.id}`, { headers: ADMIN })).body.data).toHaveLength(2);
    const lock = await api("GET", `/admin/api/checkout-locks/${checkoutId}`, { headers: ADMIN });
    expect(lock.body.order.id).toBe(orderId);
    expect(lock.body.checkout.payment_attempts.map((a: { status: string }) => a.status)).toEqual(["declined", "captured"]);
    expect((await api("GET", "/admin/api/checkout-locks/statistics?hours=1", { headers: ADMIN })).status).toBe(200);
    expect((await api("GET", `/admin/api/diagnostics?lock_id=${checkoutId}`, { headers: ADMIN })).status).toBe(200);
    expect((await api("GET", "/admin/api/diagnostics", { headers: ADMIN })).status).toBe(200);
    expect((await api("GET", `/admin/api/variants/${variant}/stock`, { headers: ADMIN })).status).toBe(200);
    expect((await api("POST", `/admin/api/checkout-locks/${checkoutId}/release`, { headers: ADMIN })).status).toBe(409);
    expect((await api("GET", "/admin/api/checkout-locks/chk_missing", { headers: ADMIN })).status).toBe(404);
    expect((await api("GET", "/admin/api/checkout-locks", { headers: { authorization: "Bearer wrong" } })).status).toBe(401);
  });

  it("a cancelled and a released checkout: their answers match too", async () => {
    const [variant] = await createProduct([{ prices: { USD: 900 }, stock: 3 }]);
    for (const how of ["cancel", "release"] as const) {
      const cart = await newCart({ currency: "USD" });
      const base = `/v1/carts/${cart.id}`;
      expect((await api("POST", `${base}/lines`, { headers: cart.auth, body: { variant_id: variant, quantity: 1 } })).status).toBe(200);
      const started = await api("POST", `${base}/checkout`, { headers: cart.auth, body: { ttl_minutes: 5 } });
      expect(started.status).toBe(201);
      const ended =
        how === "cancel"
          ? await api("POST", `${base}/checkout/cancel`, { headers: cart.auth })
          : await api("POST", `/admin/api/checkout-locks/${started.body.checkout.id}/release`, { headers: ADMIN });
      expect(ended.body.checkout.state).toBe("cancelled");
      expect((await api("GET", `/admin/api/checkout-locks/${started.body.checkout.id}`, { headers: ADMIN })).body.order).toBeNull();
      expect((await api("DELETE", `${base}/lines`, { headers: cart.auth })).status).toBe(200);
    }
  });
});
