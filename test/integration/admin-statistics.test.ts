import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { STATISTICS_TTL_SECONDS, statisticsClock } from "../../src/admin/checkout-statistics";
import { ADMIN, call, cancelCheckout, cartWith, completeCheckout, createVariant, fault, startCheckout, type TestCart } from "../support/api";
import { inCartObject } from "../support/saga";

const statistics = (hours?: number, fresh = true) =>
  call("GET", `/admin/api/checkout-locks/statistics${hours ? `?hours=${hours}` : ""}`, {
    headers: { ...ADMIN, ...(fresh ? { "cache-control": "no-cache" } : {}) },
  });

async function lockedCart(): Promise<{ cart: TestCart; checkoutId: string }> {
  const variant = await createVariant({ prices: { USD: 1000 }, stock: 10 });
  const cart = await cartWith([[variant, 1]]);
  const started = await startCheckout(cart);
  expect(started.status).toBe(201);
  return { cart, checkoutId: started.body.checkout.id };
}

/** Moves the checkout's deadline into the past and lets its alarm expire it, as time passing would. */
async function expireByAlarm(cart: TestCart): Promise<void> {
  const stub = env.CART.getByName(cart.id);
  await inCartObject(cart, (object) => {
    const rec = object.checkout()!;
    object.saveCheckout({ ...rec, expiresAt: new Date(Date.now() - 1_000).toISOString() });
  });
  expect(await runDurableObjectAlarm(stub)).toBe(true);
}

type Statistics = Record<string, any>;
const delta = (after: Record<string, number>, before: Record<string, number>) =>
  Object.fromEntries(Object.keys(after).map((k) => [k, after[k]! - (before[k] ?? 0)]));

describe("admin statistics", () => {
  // The memo's clock stands still unless a test moves it (no test waits out its TTL).
  let clockMs = Date.now();
  beforeEach(() => {
    clockMs = Date.now();
    statisticsClock.now = () => clockMs;
  });
  afterEach(() => {
    statisticsClock.now = () => Date.now();
  });

  it("match a known mix of completed, failed, cancelled, expired and active checkouts", async () => {
    // Counted as what this test adds to whatever the window already holds.
    const before: Statistics = (await statistics(24)).body;

    for (let i = 0; i < 3; i++) expect((await completeCheckout((await lockedCart()).cart)).status).toBe(201);
    // Two failures in two phases: a capture decline (rolled back) and an injected order-creation fault.
    expect((await completeCheckout((await lockedCart()).cart, "tok_capture_decline")).status).toBe(402);
    expect((await completeCheckout((await lockedCart()).cart, "tok_visa", fault("order_creation"))).status).toBe(503);
    expect((await cancelCheckout((await lockedCart()).cart)).status).toBe(200);
    const released = await lockedCart();
    expect((await call("POST", `/admin/api/checkout-locks/${released.checkoutId}/release`, { headers: ADMIN })).status).toBe(200);
    await expireByAlarm((await lockedCart()).cart);
    // One still locked, and one whose alarm has not fired although D1 says its deadline passed.
    await lockedCart();
    const overdue = await lockedCart();
    await env.DB.prepare("UPDATE checkouts SET expires_at = ? WHERE id = ?")
      .bind(new Date(Date.now() - 60_000).toISOString(), overdue.checkoutId)
      .run();

    clockMs = Date.now();
    const res = await statistics(24);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-cache")).toBe("miss");
    const s: Statistics = res.body;
    expect(s.window_hours).toBe(24);
    expect(s.total - before.total).toBe(10);
    expect(delta(s.by_state, before.by_state)).toMatchObject({ completed: 3, failed: 2, cancelled: 2, expired: 1, locked: 2, authorizing: 0 });
    expect(Object.values(s.by_state as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(s.total);
    const ended = (x: Statistics) => x.by_state.completed + x.by_state.failed + x.by_state.cancelled + x.by_state.expired;
    expect(ended(s) - ended(before)).toBe(8);
    expect(s.success_rate).toBe(Math.round((s.by_state.completed / ended(s)) * 10_000) / 10_000);
    expect(delta(s.failures_by_phase, before.failures_by_phase)).toEqual({
      cart_validation: 0,
      inventory_reservation: 0,
      price_lock: 0,
      payment_authorization: 0,
      order_creation: 1,
      payment_capture: 1,
      stock_commit: 0,
    });
    expect(delta(s.failures_by_code, before.failures_by_code)).toEqual({ injected_fault: 1, payment_declined: 1 });
    expect(s.active - before.active).toBe(2);
    expect(s.expired_pending_cleanup - before.expired_pending_cleanup).toBe(1);
    expect(s.avg_duration_seconds).toBeGreaterThan(0);
    expect(s.p50_duration_seconds).toBeGreaterThan(0);
    expect(s.p95_duration_seconds).toBeGreaterThanOrEqual(s.p50_duration_seconds);
    // The chart's series covers the window by hour and adds up to the total.
    expect(s.series.bucket).toBe("hour");
    expect(s.series.points.length).toBeGreaterThanOrEqual(24);
    expect(s.series.points.reduce((sum: number, p: { total: number }) => sum + p.total, 0)).toBe(s.total);

    // Longer windows are bucketed by day and see the same checkouts.
    const week = (await statistics(24 * 7)).body;
    expect(week.total).toBeGreaterThanOrEqual(s.total);
    expect(week.series.bucket).toBe("day");
  });

  it("serves a short-lived cached answer unless asked for fresh numbers, until its TTL has passed", async () => {
    const first = await statistics(6, true);
    const cached = await statistics(6, false);
    expect(cached.headers.get("x-cache")).toBe("hit");
    expect(cached.body.generated_at).toBe(first.body.generated_at);
    expect(cached.headers.get("cache-control")).toBe(`private, max-age=${STATISTICS_TTL_SECONDS}`);

    await lockedCart();
    // Within the TTL the cached figures stand; a no-cache request recomputes them.
    clockMs += STATISTICS_TTL_SECONDS * 1000 - 1;
    expect((await statistics(6, false)).body.total).toBe(first.body.total);
    const fresh = await statistics(6, true);
    expect(fresh.headers.get("x-cache")).toBe("miss");
    expect(fresh.body.total).toBe(first.body.total + 1);

    // Past the TTL a plain request recomputes too.
    await lockedCart();
    clockMs += STATISTICS_TTL_SECONDS * 1000 + 1;
    const aged = await statistics(6, false);
    expect(aged.headers.get("x-cache")).toBe("miss");
    expect(aged.body.total).toBe(first.body.total + 2);
  });
});
