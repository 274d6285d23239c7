/**
 * Helpers for the checkout saga tests: reach into a cart's Durable Object (pause points,
 * its stored checkout, its alarm), crash it mid-request, and read what the saga left in
 * D1 for one checkout.
 */
import { abortAllDurableObjects, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import type { CartObject } from "../../src/cart/cart-object";
import type { CheckoutRecord } from "../../src/cart/cart-state";
import { type PausePoint, type Probe, type ProbedCart, probeOf, takePauses } from "../../src/cart/saga/probe";
import { isInFlight } from "../../src/checkout/state-machine";
import { ADMIN, addLine, call, createCart, type Res, type TestCart } from "./api";

/** A fresh stub each time: a stub of an aborted object stays broken. */
export const cartObject = (cart: TestCart | string): DurableObjectStub<CartObject> => env.CART.getByName(typeof cart === "string" ? cart : cart.id);

/**
 * Runs `fn` inside the cart's object, with the object as its probe shows it to tests:
 * its state (memory and storage as one), its alarm, and its swappable db, gateway and log.
 */
export function inCartObject<R>(cart: TestCart | string, fn: (obj: ProbedCart, state: DurableObjectState) => R | Promise<R>): Promise<R> {
  return runInDurableObject(cartObject(cart), (obj, state) => fn(probeOf(obj).object, state));
}

function inProbe<R>(cart: TestCart, fn: (probe: Probe) => R): Promise<R> {
  return runInDurableObject(cartObject(cart), (obj) => fn(probeOf(obj)));
}

/** The next saga step of this cart that reaches `point` waits there (test-only hook). */
export async function armPause(cart: TestCart, point: PausePoint): Promise<void> {
  await inProbe(cart, (probe) => probe.arm(point));
}

export async function waitUntilPaused(cart: TestCart, point: PausePoint): Promise<void> {
  for (let i = 0; i < 1_000; i++) {
    if (await inProbe(cart, (probe) => probe.isWaiting(point))) return;
    await scheduler.wait(5);
  }
  throw new Error(`The saga never reached the pause point ${point}`);
}

export async function releasePause(cart: TestCart, point: PausePoint): Promise<void> {
  await inProbe(cart, (probe) => probe.release(point));
}

/** The checkout the cart object holds (its storage is the source of truth). */
export async function storedCheckout(cart: TestCart): Promise<CheckoutRecord> {
  const rec = await inCartObject(cart, (obj) => obj.checkout());
  if (!rec) throw new Error("The cart has no checkout");
  return rec;
}

/** Changes the stored checkout in place, as the object itself would (memory and storage). */
export async function editStoredCheckout(cart: TestCart, edit: (rec: CheckoutRecord) => void): Promise<void> {
  await inCartObject(cart, (obj) => {
    const rec = obj.checkout()!;
    edit(rec);
    obj.saveCheckout(rec);
  });
}

/**
 * A crash: every object of this test file is aborted at once — the paused request dies
 * with its instance, nothing in memory survives, only storage and D1 do. The request
 * that was running gets a 503 telling its client that retrying is safe.
 */
export async function crash(pending: Promise<Res>): Promise<Res> {
  await abortAllDurableObjects();
  // Their pauses died with the instances: nothing is left to release.
  takePauses(false);
  const res = await pending;
  expect(res.status, "the request that died with the object").toBe(503);
  expect(res.body.error.code).toBe("unavailable");
  expect(res.headers.get("retry-after")).toBe("1");
  return res;
}

/**
 * Wakes the cart's object after a crash and lets its alarm (set for "now" by the
 * constructor when it finds unfinished work) resume the saga, until the checkout is
 * settled again (or `done` says the recovery has had its say, e.g. a failed try was
 * recorded). The runtime may fire that alarm by itself first, and while it runs the
 * stored state is still in flight: hence polling rather than reading once.
 */
export async function recoverByAlarm(cart: TestCart, done: (rec: CheckoutRecord) => boolean = (rec) => !isInFlight(rec.state)): Promise<CheckoutRecord> {
  for (let i = 0; i < 200; i++) {
    await runDurableObjectAlarm(cartObject(cart));
    const rec = await storedCheckout(cart);
    if (done(rec)) return rec;
    await scheduler.wait(10);
  }
  throw new Error("The checkout did not settle after the crash");
}

async function all<T>(sql: string, ...params: unknown[]): Promise<T[]> {
  return (
    await env.DB.prepare(sql)
      .bind(...params)
      .all<T>()
  ).results;
}

/** Over the whole cart (every checkout it ever had): its paid orders and the gateway's captures. */
export async function salesOf(cart: TestCart) {
  const orders = await all<{ id: string }>("SELECT id FROM orders WHERE cart_id = ? AND status = 'paid'", cart.id);
  const captures = await all<{ amount: number }>(
    "SELECT captured_amount AS amount FROM test_gateway_charges WHERE json_extract(metadata, '$.cart_id') = ? AND status = 'captured'",
    cart.id,
  );
  return { orders: orders.map((o) => o.id), captures: captures.map((c) => c.amount) };
}

/** Everything D1 holds about one checkout, for asserting what a saga left behind. */
export async function checkoutTrace(checkoutId: string) {
  const [row] = await all<Record<string, any>>("SELECT * FROM checkouts WHERE id = ?", checkoutId);
  return {
    row: row ? ({ ...row, failure_reason: row.failure_reason ? JSON.parse(row.failure_reason) : null } as Record<string, any>) : null,
    reservations: await all<{ variant_id: string; quantity: number; status: string }>(
      "SELECT variant_id, quantity, status FROM stock_reservations WHERE checkout_id = ? ORDER BY variant_id",
      checkoutId,
    ),
    quote: (await all<{ status: string; total: number }>("SELECT status, total FROM quotes WHERE checkout_id = ?", checkoutId))[0] ?? null,
    orders: await all<{ id: string; status: string; total: number }>("SELECT id, status, total FROM orders WHERE checkout_id = ?", checkoutId),
    payments: await all<{ attempt: number; status: string; amount: number; captured_amount: number | null }>(
      "SELECT attempt, status, amount, captured_amount FROM payments WHERE checkout_id = ? ORDER BY attempt",
      checkoutId,
    ),
    charges: await all<{ token: string; status: string; amount: number; captured_amount: number | null }>(
      "SELECT token, status, amount, captured_amount FROM test_gateway_charges WHERE authorization_key LIKE ? ORDER BY authorization_key",
      `${checkoutId}:%`,
    ),
    discounts: await all<{ code: string; status: string }>("SELECT code, status FROM discount_reservations WHERE checkout_id = ? ORDER BY code", checkoutId),
    timeline: (await all<{ event: string }>("SELECT event FROM checkout_events WHERE checkout_id = ? ORDER BY id", checkoutId)).map((e) => e.event),
    events: (await all<{ type: string }>("SELECT type FROM outbox WHERE payload LIKE ? ORDER BY created_at, type", `%${checkoutId}%`)).map((e) => e.type),
  };
}

export const uniqueCode = (prefix = "CODE") => `${prefix}${crypto.randomUUID().slice(0, 8).toUpperCase()}`;

export async function createDiscount(body: Record<string, unknown>): Promise<void> {
  const res = await call("POST", "/admin/api/discounts", { headers: ADMIN, body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
}

export async function applyCode(cart: TestCart, code: string): Promise<Res> {
  return call("POST", `/v1/carts/${cart.id}/discounts`, { headers: cart.auth, body: { code } });
}

/** A cart with lines and discount codes (each code applied successfully). */
export async function cartWithCodes(lines: Array<[string, number]>, codes: string[], body: Record<string, unknown> = { currency: "USD" }): Promise<TestCart> {
  const cart = await createCart(body);
  for (const [variantId, quantity] of lines) expect((await addLine(cart, variantId, quantity)).status).toBe(200);
  for (const code of codes) {
    const res = await applyCode(cart, code);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  }
  return cart;
}
