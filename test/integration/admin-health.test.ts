import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { call, cartWith, createVariant, startCheckout } from "../support/api";
import { assertDeclared } from "../support/contract";

async function healthWith(overrides: Partial<Env>) {
  const response = await createApp().fetch(new Request("https://checkout.test/health/checkout"), { ...env, ...overrides }, createExecutionContext());
  const res = { status: response.status, headers: response.headers, body: (await response.json()) as any };
  assertDeclared("GET", "/health/checkout", res);
  return res;
}

const SHAPE = ["active_locks", "at", "checks", "expired_locks", "payment_gateway", "status"];

describe("GET /health/checkout", () => {
  it("answers ok with a D1 round trip, a Durable Object ping and the lock counts", async () => {
    const variant = await createVariant({ stock: 3 });
    expect((await startCheckout(await cartWith([[variant, 1]]))).status).toBe(201);

    const res = await call("GET", "/health/checkout");
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(SHAPE);
    expect(res.body.status).toBe("ok");
    expect(res.body.checks.d1).toMatchObject({ status: "ok", latency_ms: expect.any(Number) });
    expect(res.body.checks.durable_objects).toMatchObject({ status: "ok", latency_ms: expect.any(Number) });
    expect(res.body.active_locks).toBeGreaterThanOrEqual(1);
    expect(res.body.expired_locks).toBe(0);
    expect(res.headers.get("cache-control")).toBe("no-store");
  });

  it("is degraded (still 200) while a lock sits past its deadline plus the cleanup interval", async () => {
    const variant = await createVariant({ stock: 3 });
    const started = await startCheckout(await cartWith([[variant, 1]]));
    await env.DB.prepare("UPDATE checkouts SET expires_at = ? WHERE id = ?")
      .bind(new Date(Date.now() - 3_600_000).toISOString(), started.body.checkout.id)
      .run();

    const res = await call("GET", "/health/checkout");
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("degraded");
    expect(res.body.expired_locks).toBeGreaterThanOrEqual(1);
    expect(res.body.checks.locks).toMatchObject({ status: "warn", expired_beyond_cleanup_interval: expect.any(Number) });
    await env.DB.prepare("UPDATE checkouts SET expires_at = ? WHERE id = ?").bind(started.body.checkout.expires_at, started.body.checkout.id).run();
  });

  it("answers 503 with the same shape when D1 fails", async () => {
    const brokenDb = {
      prepare: () => ({ bind: () => ({ first: () => Promise.reject(new Error("D1_ERROR: database unavailable")) }) }),
    } as unknown as D1Database;
    const res = await healthWith({ DB: brokenDb });
    expect(res.status).toBe(503);
    expect(Object.keys(res.body).sort()).toEqual(SHAPE);
    expect(res.body).toMatchObject({ status: "degraded", active_locks: null, expired_locks: null });
    // Anonymous callers learn that D1 is down, not what it said (its errors name tables and statements).
    expect(res.body.checks.d1).toEqual({ status: "fail", latency_ms: expect.any(Number), error: "unavailable" });
    expect(JSON.stringify(res.body)).not.toMatch(/D1_ERROR|database unavailable/);
    expect(res.body.checks.durable_objects.status).toBe("ok");
  });

  it("answers 503 when the Durable Objects cannot be reached, or D1 does not answer in time", async () => {
    const brokenCart = { getByName: () => ({ ping: () => Promise.reject(new Error("Durable Object unreachable")) }) } as unknown as Env["CART"];
    const noObjects = await healthWith({ CART: brokenCart });
    expect(noObjects.status).toBe(503);
    expect(noObjects.body.checks.durable_objects).toEqual({ status: "fail", latency_ms: expect.any(Number), error: "unavailable" });
    expect(JSON.stringify(noObjects.body)).not.toContain("Durable Object unreachable");
    expect(noObjects.body.checks.d1.status).toBe("ok");

    const hungDb = { prepare: () => ({ bind: () => ({ first: () => new Promise(() => {}) }) }) } as unknown as D1Database;
    const hung = await healthWith({ DB: hungDb });
    expect(hung.status).toBe(503);
    expect(hung.body.checks.d1).toEqual({ status: "fail", latency_ms: expect.any(Number), error: "timeout" });
  });
});
