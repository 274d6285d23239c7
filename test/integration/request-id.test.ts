/**
 * Request ids: every answer carries X-Request-Id (the caller's own when it is a plain
 * token, else CF-Ray, else a fresh one); a 5xx error envelope names it, and the log
 * line of the failure carries it, so an operator can find what a shopper quotes.
 */
import { createExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/app";
import { CheckoutApiError, createCheckoutClient } from "../../src/client";
import { createLogger } from "../../src/lib/logger";
import { ADMIN, call, cartWith, completeCheckout, createVariant, startCheckout } from "../support/api";
import { assertDeclared } from "../support/contract";
import { inCartObject } from "../support/saga";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

async function fetchWith(overrides: Partial<Env>, path: string, headers: Record<string, string> = {}) {
  const response = await createApp().fetch(new Request(`https://checkout.test${path}`, { headers }), { ...env, ...overrides }, createExecutionContext());
  const res = { status: response.status, headers: response.headers, body: (await response.json()) as any };
  assertDeclared("GET", path, res);
  return res;
}

// A D1 whose every statement throws: the route fails with an exception nobody expected.
const brokenDb = {
  prepare: () => {
    throw new Error("D1_ERROR: disk I/O error at /var/lib/secret-path");
  },
  batch: () => Promise.reject(new Error("D1_ERROR: disk I/O error")),
} as unknown as D1Database;

afterEach(() => vi.restoreAllMocks());

describe("X-Request-Id", () => {
  it("is on every answer, success or error, and new for each request", async () => {
    const answers = await Promise.all([
      call("GET", "/v1/ping"),
      call("GET", "/v1/products?currency=USD"),
      call("GET", "/v1/nowhere"),
      call("POST", "/v1/carts", { body: { currency: "XXX" } }),
      call("GET", "/admin/api/checkout-locks"),
      call("GET", "/admin/api/checkout-locks", { headers: ADMIN }),
    ]);
    expect(answers.map((a) => a.status)).toEqual([204, 200, 404, 400, 401, 200]);
    const ids = answers.map((a) => a.headers.get("x-request-id"));
    for (const id of ids) expect(id).toMatch(UUID);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("keeps the caller's plain-token id, else uses CF-Ray; a malformed one is replaced", async () => {
    expect((await call("GET", "/v1/ping", { headers: { "x-request-id": "shop-7f3a:42" } })).headers.get("x-request-id")).toBe("shop-7f3a:42");
    expect((await call("GET", "/v1/ping", { headers: { "cf-ray": "8f1b2c3d4e5f6a7b-FRA" } })).headers.get("x-request-id")).toBe("8f1b2c3d4e5f6a7b-FRA");
    expect((await call("GET", "/v1/ping", { headers: { "x-request-id": "mine", "cf-ray": "8f1b2c3d4e5f6a7b-FRA" } })).headers.get("x-request-id")).toBe("mine");
    for (const forged of ['a"b', "has space", "x".repeat(129), "-leading", "{}"]) {
      expect((await call("GET", "/v1/ping", { headers: { "x-request-id": forged } })).headers.get("x-request-id"), forged).toMatch(UUID);
    }
  });

  it("is readable by allowed browser origins (exposed by CORS)", async () => {
    const res = await fetchWith({ CORS_ORIGINS: "https://shop.test" }, "/v1/products?currency=USD", { origin: "https://shop.test" });
    expect(res.headers.get("access-control-allow-origin")).toBe("https://shop.test");
    expect(res.headers.get("access-control-expose-headers")?.toLowerCase().split(/,\s*/)).toContain("x-request-id");
  });
});

describe("a 5xx names its request id", () => {
  it("an unexpected exception: 500 internal_error with error.request_id, logged with the same id and no internals sent", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const res = await fetchWith({ DB: brokenDb }, "/v1/products?currency=USD", { "x-request-id": "support-ticket-1" });
    expect(res.status).toBe(500);
    expect(res.headers.get("x-request-id")).toBe("support-ticket-1");
    expect(res.body).toEqual({ error: { code: "internal_error", message: expect.any(String), request_id: "support-ticket-1" } });
    expect(JSON.stringify(res.body)).not.toContain("secret-path");
    const logged = errors.mock.calls.map(([line]) => JSON.parse(String(line))).find((l) => l.event === "http.unhandled_error");
    expect(logged).toMatchObject({ level: "error", request_id: "support-ticket-1", error: expect.stringContaining("disk I/O error") });
  });

  it("a gateway failure answered by the cart object (502) carries it too; 4xx envelopes stay as they were", async () => {
    const cart = await cartWith([[await createVariant({ stock: 2 }), 1]]);
    const failed = await completeCheckout(cart, "tok_gateway_error");
    expect(failed.status).toBe(502);
    expect(failed.body.error.code).toBe("payment_gateway_error");
    expect(failed.body.error.request_id).toBe(failed.headers.get("x-request-id"));
    const missing = await call("GET", "/v1/nowhere");
    expect(Object.keys(missing.body.error).sort()).toEqual(["code", "message"]);
  });
});

describe("the typed client", () => {
  it("exposes the request id of an error answered by the Worker", async () => {
    const client = createCheckoutClient({ baseUrl: "https://checkout.test", fetch: (request) => exports.default.fetch(request), retry: { maxAttempts: 1 } });
    const error = await client
      .cart({ id: "cart_nothing", token: "nope" })
      .get()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckoutApiError);
    expect((error as CheckoutApiError).status).toBeGreaterThanOrEqual(400);
    expect((error as CheckoutApiError).requestId).toMatch(UUID);
  });
});

describe("the cart object's log lines", () => {
  it("carry the id of the request they serve", async () => {
    const cart = await cartWith([[await createVariant({ stock: 2 }), 1]]);
    await inCartObject(cart, (obj) => {
      (obj as { log: unknown }).log = createLogger(true, { component: "cart" }); // the test bindings turn info logs off
    });
    const info = vi.spyOn(console, "log").mockImplementation(() => {});
    const started = await startCheckout(cart, {}, { "x-request-id": "start-1" });
    expect(started.status).toBe(201);
    const logged = info.mock.calls.map(([line]) => JSON.parse(String(line))).filter((l) => l.component === "cart" && l.cart_id === cart.id);
    expect(logged.map((l) => l.event)).toContain("checkout.started");
    for (const line of logged) expect(line.request_id).toBe("start-1");
  });
});
