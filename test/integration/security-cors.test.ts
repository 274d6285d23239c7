/**
 * CORS (README, Configuration): only the origins listed in CORS_ORIGINS get CORS
 * headers, only on the storefront API (/v1/*), never on admin, health, the API document
 * or the Stripe webhook. Any other origin gets no CORS header at all — not even the
 * allowed methods — so a browser page elsewhere cannot call the API with a shopper's
 * token. The app is called with an env that lists the origins (getConfig parses each
 * env object once, so a fresh object is parsed fresh).
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ADMIN, createProduct } from "../support/api";
import { workerFetch } from "../support/worker-fetch";

const SHOP = "https://shop.example";
const OTHER_SHOP = "https://other-shop.example";
const withOrigins = (origins: string): Env => ({ ...env, CORS_ORIGINS: origins });
const preflight = (origin: string, method = "POST") => ({
  origin,
  "access-control-request-method": method,
  "access-control-request-headers": "authorization,content-type,idempotency-key",
});
const corsHeaders = (headers: Headers) => [...headers].filter(([name]) => name.startsWith("access-control-"));

describe("CORS on the storefront API", () => {
  it("a listed origin's preflight is allowed with the storefront's methods and headers", async () => {
    const res = await workerFetch("OPTIONS", "/v1/carts", { headers: preflight(SHOP), env: withOrigins(SHOP) });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe(SHOP);
    expect(res.headers.get("access-control-allow-methods")?.split(",")).toEqual(expect.arrayContaining(["GET", "POST", "PATCH", "DELETE"]));
    expect(res.headers.get("access-control-allow-headers")?.toLowerCase().split(",")).toEqual(
      expect.arrayContaining(["authorization", "content-type", "idempotency-key"]),
    );
    // Bearer tokens, never cookies: credentials are not allowed cross-origin.
    expect(res.headers.get("access-control-allow-credentials")).toBeNull();
    expect(res.headers.get("vary")).toMatch(/Origin/);
  });

  it("a listed origin's request gets its origin back and may read Retry-After and Idempotent-Replayed", async () => {
    const res = await workerFetch("GET", "/v1/products", { headers: { origin: SHOP }, env: withOrigins(SHOP) });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe(SHOP);
    expect(res.headers.get("access-control-expose-headers")?.toLowerCase().split(",")).toEqual(expect.arrayContaining(["retry-after", "idempotent-replayed"]));
    // Error answers carry it too, or the storefront could not read why a call failed.
    const locked = await workerFetch("GET", "/v1/carts/cart_00000000000000000000000000", {
      headers: { origin: SHOP, authorization: "Bearer x" },
      env: withOrigins(SHOP),
    });
    expect(locked.status).toBe(404);
    expect(locked.headers.get("access-control-allow-origin")).toBe(SHOP);
  });

  it("every origin of a comma-separated list is allowed, spaces trimmed", async () => {
    const origins = withOrigins(` ${SHOP} , ${OTHER_SHOP} `);
    for (const origin of [SHOP, OTHER_SHOP]) {
      const res = await workerFetch("OPTIONS", "/v1/carts", { headers: preflight(origin), env: origins });
      expect(res.headers.get("access-control-allow-origin"), origin).toBe(origin);
    }
  });

  it("any other origin — look-alikes included — gets no CORS header at all, preflight or not", async () => {
    const strangers = [
      "https://evil.example",
      "https://shop.example.evil.example",
      "https://evilshop.example",
      "http://shop.example",
      "https://shop.example:8443",
      "https://SHOP.EXAMPLE",
      "null",
      `${SHOP}/`,
      "*",
    ];
    for (const origin of strangers) {
      const pre = await workerFetch("OPTIONS", "/v1/carts", { headers: preflight(origin), env: withOrigins(SHOP) });
      expect(corsHeaders(pre.headers), `preflight from ${origin}`).toEqual([]);
      const get = await workerFetch("GET", "/v1/products", { headers: { origin }, env: withOrigins(SHOP) });
      expect(get.status).toBe(200);
      expect(corsHeaders(get.headers), `GET from ${origin}`).toEqual([]);
      // A shared cache must not serve one origin's answer to another.
      expect(get.headers.get("vary"), `GET from ${origin}`).toMatch(/Origin/);
    }
  });

  it("with CORS_ORIGINS empty (the default) no origin gets CORS headers", async () => {
    for (const origins of ["", " , "]) {
      const res = await workerFetch("OPTIONS", "/v1/carts", { headers: preflight(SHOP), env: withOrigins(origins) });
      expect(corsHeaders(res.headers), JSON.stringify(origins)).toEqual([]);
    }
    expect(corsHeaders((await workerFetch("GET", "/v1/products", { headers: { origin: SHOP } })).headers)).toEqual([]);
  });
});

describe("no CORS outside the storefront API", () => {
  it("admin never answers CORS, not even to a listed origin with the admin token", async () => {
    const [variantId] = await createProduct([{ stock: 1 }]);
    const origins = withOrigins(SHOP);
    const admin: Array<[string, string, Record<string, string>]> = [
      ["OPTIONS", "/admin/api/products", preflight(SHOP)],
      ["OPTIONS", "/admin/api/checkout-locks", preflight(SHOP, "GET")],
      ["GET", `/admin/api/variants/${variantId}/stock`, { origin: SHOP, ...ADMIN }],
      ["GET", "/admin/api/checkout-locks", { origin: SHOP, ...ADMIN }],
      ["POST", "/admin/api/cleanup", { origin: SHOP, ...ADMIN }],
      ["GET", "/admin", { origin: SHOP }],
      ["OPTIONS", "/admin", preflight(SHOP)],
    ];
    for (const [method, path, headers] of admin) {
      const res = await workerFetch(method, path, { headers, env: origins });
      expect(corsHeaders(res.headers), `${method} ${path}`).toEqual([]);
    }
  });

  it("health, the API document and the Stripe webhook answer no CORS either", async () => {
    const origins = withOrigins(SHOP);
    for (const [method, path] of [
      ["GET", "/health/checkout"],
      ["GET", "/openapi.json"],
      ["OPTIONS", "/v1/webhooks/stripe"],
      ["POST", "/v1/webhooks/stripe"],
    ] as const) {
      const res = await workerFetch(method, path, { headers: method === "OPTIONS" ? preflight(SHOP) : { origin: SHOP }, env: origins });
      expect(corsHeaders(res.headers), `${method} ${path}`).toEqual([]);
    }
  });
});
