/**
 * The cleanup job and its payment reconciliation, one row per branch, each row run by two
 * files: once with the test gateway and once with the Stripe double (the gateway the
 * Worker's bindings select). A row plants the state its branch handles, runs the job
 * once, and asserts every counter of the answer exactly (a counter a row does not name
 * must be 0), the events it relayed, and the D1 rows it left; rows whose state would
 * stay (an alert, a hold the gateway refused to void) also show the run that ends it.
 */
import { env } from "cloudflare:workers";
import { expect, vi } from "vitest";
import type { PaymentAttempt } from "../../src/cart/cart-state";
import type { PaymentMethodInput } from "../../src/checkout/checkout-record";
import { upsertCheckoutRow, upsertOrder, upsertPayment } from "../../src/db/checkout-records";
import { createDb, isoNow } from "../../src/db/client";
import { type CleanupResult, EVENT_RETENTION_MS, runCleanup } from "../../src/jobs/cleanup";
import { getConfig } from "../../src/lib/config";
import { newId } from "../../src/lib/ids";
import { createGateway } from "../../src/payments";
import { paymentKeys } from "../../src/payments/gateway";
import { cancelCheckout, cartWith, createProduct, getCart, startCheckout, stockOf, type TestCart } from "./api";
import { recordingQueue } from "./events";
import { makeOverdue } from "./overdue";
import { cartWithCodes, checkoutTrace, createDiscount, storedCheckout, uniqueCode } from "./saga";

type Counts = Omit<CleanupResult, "done" | "started_at" | "duration_ms">;
const COUNTERS: Array<keyof Counts> = [
  "expired",
  "finished",
  "still_active",
  "orphaned_checkouts",
  "released_reservations",
  "released_discounts",
  "voided_authorizations",
  "captured_without_order",
  "completed_orders",
  "settled_refunds",
  "pending_refunds",
  "relayed_events",
  "pruned_events",
  "pruned_deliveries",
  "errors",
];

/** What differs between the gateways: how a payment is made and broken, and the gateway's own ledger. */
export interface GatewayKit {
  provider: "test" | "stripe";
  /** A provider the Worker is not configured for. */
  otherProvider: string;
  method: PaymentMethodInput;
  /** The gateway's own record of the checkout's payments: authorized, voided or captured. */
  ledger(checkoutId: string): Promise<string[]>;
  /** Makes every void of this checkout's payment fail at the gateway; the function returned ends the outage. */
  breakVoids(checkoutId: string): Promise<() => Promise<void>>;
}

const db = createDb(env.DB);
const gateway = () => createGateway(env, getConfig(env), db);
type CartBinding = typeof env.CART;

interface Run {
  result: CleanupResult;
  relayed: string[];
  errors: Array<Record<string, unknown>>;
  warnings: Array<Record<string, unknown>>;
}

/** One run of the job, its logs captured, the queue recorded; the outbox's pending ids read first to check the relay against. */
async function cleanup(overrides: { CART?: CartBinding } = {}): Promise<Run & { pendingBefore: string[] }> {
  const pending = await env.DB.prepare("SELECT id FROM outbox WHERE status = 'pending'").all<{ id: string }>();
  const queue = recordingQueue();
  const errors: Array<Record<string, unknown>> = [];
  const warnings: Array<Record<string, unknown>> = [];
  const error = vi.spyOn(console, "error").mockImplementation((line: string) => void errors.push(JSON.parse(line)));
  const warn = vi.spyOn(console, "warn").mockImplementation((line: string) => void warnings.push(JSON.parse(line)));
  const info = vi.spyOn(console, "log").mockImplementation(() => {});
  try {
    // Logging on: the warnings (a void's result, a gateway mismatch) are part of what a row asserts.
    const result = await runCleanup({ ...env, CHECKOUT_LOGGING_ENABLED: "true", EVENTS: queue.queue, ...overrides });
    return { result, relayed: queue.sent as string[], errors, warnings, pendingBefore: pending.results.map((r) => r.id) };
  } finally {
    error.mockRestore();
    warn.mockRestore();
    info.mockRestore();
  }
}

/** Runs the job until a run does nothing: what other rows (or files) left must not count in a row's answer. */
export async function drain(): Promise<void> {
  for (let round = 0; round < 5; round++) {
    const { result } = await cleanup();
    if (COUNTERS.every((k) => result[k] === 0)) return;
  }
  throw new Error("The cleanup job still finds work after five runs: a row left state behind");
}

/** Asserts every counter (unnamed ones are 0) and that the relay sent exactly the pending events plus `newEvents`. */
function expectRun(run: Run & { pendingBefore: string[] }, counts: Partial<Counts>, newEvents: string[] = []): void {
  const relayed = new Set([...run.pendingBefore, ...newEvents]);
  const expected = Object.fromEntries(COUNTERS.map((k) => [k, k === "relayed_events" ? relayed.size : (counts[k] ?? 0)]));
  expect(Object.fromEntries(COUNTERS.map((k) => [k, run.result[k]]))).toEqual(expected);
  expect(new Set(run.relayed)).toEqual(relayed);
  expect(run.result.done).toBe(true);
}

const all = async <T>(sql: string, ...params: unknown[]) =>
  (
    await env.DB.prepare(sql)
      .bind(...params)
      .all<T>()
  ).results;
const paymentsOf = (checkoutId: string) => all<{ status: string }>("SELECT status FROM payments WHERE checkout_id = ? ORDER BY attempt", checkoutId);
const timelineOf = async (checkoutId: string) => (await checkoutTrace(checkoutId)).timeline;

async function lockedCheckout(quantity = 2, stock = 5): Promise<{ cart: TestCart; variant: string; checkoutId: string; total: number }> {
  const [variant] = await createProduct([{ prices: { USD: 1800 }, stock }]);
  const cart = await cartWith([[variant!, quantity]]);
  const started = await startCheckout(cart);
  expect(started.status).toBe(201);
  return { cart, variant: variant!, checkoutId: started.body.checkout.id, total: started.body.checkout.quote.total };
}

/** A hold made at the gateway under the saga's own key for attempt 1 (the gateway's ledger has it; D1 only if `record`). */
async function authorize(kit: GatewayKit, checkoutId: string, cartId: string, amount: number): Promise<string> {
  const auth = await gateway().authorize({
    idempotencyKey: paymentKeys.authorize(checkoutId, 1),
    amount,
    currency: "USD",
    method: kit.method,
    metadata: { checkout_id: checkoutId, cart_id: cartId, attempt: 1 },
  });
  if (auth.status !== "authorized") throw new Error(`authorize: ${JSON.stringify(auth)}`);
  return auth.reference;
}

async function insertPayment(
  checkoutId: string,
  status: string,
  amount: number,
  extra: { provider?: string; reference?: string | null } = {},
): Promise<string> {
  const id = newId("pay");
  await env.DB.prepare(
    "INSERT INTO payments (id, checkout_id, attempt, provider, reference, status, amount, captured_amount, currency, created_at, updated_at) VALUES (?1, ?2, 1, ?3, ?4, ?5, ?6, ?7, 'USD', ?8, ?8)",
  )
    .bind(id, checkoutId, extra.provider ?? "test", extra.reference ?? null, status, amount, status === "captured" ? amount : null, isoNow())
    .run();
  return id;
}

/** A hold left behind by a checkout the shopper cancelled (its void never reached the gateway). */
async function holdOfCancelledCheckout(kit: GatewayKit) {
  const c = await lockedCheckout();
  expect((await cancelCheckout(c.cart)).status).toBe(200);
  const reference = await authorize(kit, c.checkoutId, c.cart.id, c.total);
  await insertPayment(c.checkoutId, "authorized", c.total, { provider: kit.provider, reference });
  return c;
}

/**
 * What a crash leaves when the capture reached the gateway and the object died before
 * recording it: the object in `capturing`, overdue, without its alarm; D1 as the order
 * batch wrote it (order pending payment, payment authorized); the gateway holding a capture.
 */
async function capturedBeforeCrash(kit: GatewayKit) {
  const c = await lockedCheckout(1, 4);
  const reference = await authorize(kit, c.checkoutId, c.cart.id, c.total);
  const captured = await gateway().capture({ idempotencyKey: paymentKeys.capture(c.checkoutId, 1), reference, amount: c.total, currency: "USD" });
  expect(captured.status).toBe("captured");
  await makeOverdue(c.cart.id, 30, (rec) => {
    const attempt: PaymentAttempt = {
      number: 1,
      paymentId: newId("pay"),
      provider: kit.provider,
      key: paymentKeys.authorize(c.checkoutId, 1),
      method: kit.method,
      amount: c.total,
      status: "authorized",
      reference,
      declineCode: null,
      recorded: true,
    };
    rec.attempts = [attempt];
    rec.orderId = newId("ord");
    rec.state = "capturing";
    rec.phase = "payment_capture";
  });
  const rec = await storedCheckout(c.cart);
  const now = isoNow();
  await db.batch([upsertPayment(db, rec, rec.attempts[0]!, now), ...upsertOrder(db, rec, rec.quote!, now), upsertCheckoutRow(db, rec, now)]);
  return c;
}

/** The object finished the captured checkout: one paid order of its total, the stock committed, one capture at the gateway. */
async function expectRolledForward(kit: GatewayKit, c: { cart: TestCart; variant: string; checkoutId: string; total: number }) {
  const trace = await checkoutTrace(c.checkoutId);
  expect(trace.row).toMatchObject({ state: "completed" });
  expect(trace.orders).toMatchObject([{ status: "paid", total: c.total }]);
  expect(trace.reservations).toEqual([{ variant_id: c.variant, quantity: 1, status: "committed" }]);
  expect(await stockOf(c.variant)).toMatchObject({ on_hand: 3, reserved: 0 });
  expect(await kit.ledger(c.checkoutId), "one capture, no second charge").toEqual(["captured"]);
}

const unreachable = (): CartBinding =>
  ({ getByName: () => ({ sweep: () => Promise.reject(new Error("Durable Object unreachable (test)")) }) }) as unknown as CartBinding;
const iso = (msFromNow = 0) => new Date(Date.now() + msFromNow).toISOString();

export interface CleanupRow {
  name: string;
  run(kit: GatewayKit): Promise<void>;
}

export const CLEANUP_ROWS: CleanupRow[] = [
  {
    name: "expired: an overdue checkout whose alarm never ran is expired by its cart object, its stock back, its cart open",
    async run() {
      const c = await lockedCheckout();
      await makeOverdue(c.cart.id, 2);
      expectRun(await cleanup(), { expired: 1 }, [`evt_checkout_expired_${c.checkoutId}`]);
      const trace = await checkoutTrace(c.checkoutId);
      expect(trace.row).toMatchObject({ state: "expired" });
      expect(trace.reservations).toEqual([{ variant_id: c.variant, quantity: 2, status: "released" }]);
      expect(trace.quote).toMatchObject({ status: "released" });
      expect(await stockOf(c.variant)).toMatchObject({ on_hand: 5, reserved: 0 });
      expect(await getCart(c.cart)).toMatchObject({ locked: false });
    },
  },
  {
    name: "nothing: a checkout that is not overdue is left as it is",
    async run() {
      const c = await lockedCheckout();
      expectRun(await cleanup(), {});
      expect((await checkoutTrace(c.checkoutId)).row).toMatchObject({ state: "locked" });
      expect(await stockOf(c.variant)).toMatchObject({ reserved: 2 });
      expect((await cancelCheckout(c.cart)).status).toBe(200);
    },
  },
  {
    name: "finished: an overdue checkout captured before a crash is rolled forward by its cart object",
    async run(kit) {
      const c = await capturedBeforeCrash(kit);
      expectRun(await cleanup(), { finished: 1 }, [`evt_order_created_${(await storedCheckout(c.cart)).orderId}`, `evt_checkout_completed_${c.checkoutId}`]);
      await expectRolledForward(kit, c);
    },
  },
  {
    name: "still_active: a row past the capture that no cart object holds is left for the admin",
    async run() {
      const id = `chk_${crypto.randomUUID()}`;
      await env.DB.prepare(
        "INSERT INTO checkouts (id, cart_id, state, phase, currency, created_at, expires_at, updated_at) VALUES (?1, ?2, 'capturing', 'payment_capture', 'USD', ?3, ?3, ?3)",
      )
        .bind(id, `cart_${crypto.randomUUID()}`, iso(-60 * 60_000))
        .run();
      const run = await cleanup();
      expectRun(run, { still_active: 1 });
      expect(run.errors).toContainEqual(expect.objectContaining({ event: "cleanup.orphaned_checkout_past_capture", checkout_id: id }));
      expect((await checkoutTrace(id)).row).toMatchObject({ state: "capturing" });
      await env.DB.prepare("UPDATE checkouts SET state = 'failed' WHERE id = ?").bind(id).run();
    },
  },
  {
    name: "orphaned_checkouts: a locked row no cart object holds is closed as expired and its stock released",
    async run() {
      const [variant] = await createProduct([{ stock: 5 }]);
      const id = `chk_${crypto.randomUUID()}`;
      const past = iso(-60 * 60_000);
      await env.DB.batch([
        env.DB.prepare(
          "INSERT INTO checkouts (id, cart_id, state, phase, currency, created_at, expires_at, updated_at) VALUES (?1, ?2, 'locked', 'price_lock', 'USD', ?3, ?3, ?3)",
        ).bind(id, `cart_${crypto.randomUUID()}`, past),
        env.DB.prepare(
          "INSERT INTO stock_reservations (checkout_id, variant_id, quantity, status, expires_at, created_at, updated_at) VALUES (?1, ?2, 2, 'active', ?3, ?3, ?3)",
        ).bind(id, variant, past),
      ]);
      expectRun(await cleanup(), { orphaned_checkouts: 1 }, [`evt_checkout_expired_${id}`]);
      const trace = await checkoutTrace(id);
      expect(trace.row).toMatchObject({ state: "expired", failure_reason: { code: "orphaned" } });
      expect(trace.reservations).toEqual([{ variant_id: variant, quantity: 2, status: "released" }]);
      expect(await stockOf(variant!)).toMatchObject({ on_hand: 5, reserved: 0 });
    },
  },
  {
    name: "released_reservations: reservations whose checkout does not exist are released through the ledger",
    async run() {
      const [a, b] = await createProduct([{ stock: 6 }, { stock: 2 }]);
      const id = `chk_${crypto.randomUUID()}`;
      for (const [variant, quantity] of [
        [a, 4],
        [b, 1],
      ] as const) {
        await env.DB.prepare(
          "INSERT INTO stock_reservations (checkout_id, variant_id, quantity, status, expires_at, created_at, updated_at) VALUES (?1, ?2, ?3, 'active', ?4, ?4, ?4)",
        )
          .bind(id, variant, quantity, iso())
          .run();
      }
      expectRun(await cleanup(), { released_reservations: 2 });
      expect((await checkoutTrace(id)).reservations.map((r) => r.status)).toEqual(["released", "released"]);
      expect(await stockOf(a!)).toMatchObject({ on_hand: 6, reserved: 0 });
      expect(await stockOf(b!)).toMatchObject({ on_hand: 2, reserved: 0 });
    },
  },
  {
    name: "released_discounts: the stock and discount use a failed checkout still holds are given back",
    async run() {
      const code = uniqueCode("CLEAN");
      await createDiscount({ code, type: "percentage", percent: 10, usage_limit: 1 });
      const [variant] = await createProduct([{ prices: { USD: 1800 }, stock: 3 }]);
      const cart = await cartWithCodes([[variant!, 1]], [code]);
      const checkoutId = (await startCheckout(cart)).body.checkout.id as string;
      // A terminal row that kept its holds (the leak the job exists for).
      await env.DB.prepare("UPDATE checkouts SET state = 'failed' WHERE id = ?").bind(checkoutId).run();
      expectRun(await cleanup(), { released_reservations: 1, released_discounts: 1 });
      const trace = await checkoutTrace(checkoutId);
      expect(trace.discounts).toEqual([{ code, status: "released" }]);
      expect(trace.reservations).toEqual([{ variant_id: variant, quantity: 1, status: "released" }]);
      expect(trace.timeline).toContain("reservations_released");
      expect(await all("SELECT used_count, reserved_count FROM discounts WHERE code = ?", code), "its one use is free again").toEqual([
        { used_count: 0, reserved_count: 0 },
      ]);
    },
  },
  {
    name: "errors: an unreachable cart object counts an error, and its stock is released a full interval late",
    async run() {
      const c = await lockedCheckout();
      await makeOverdue(c.cart.id, 60);
      const run = await cleanup({ CART: unreachable() });
      expectRun(run, { errors: 1, released_reservations: 1 });
      expect(run.errors).toContainEqual(expect.objectContaining({ event: "cleanup.sweep_failed", checkout_id: c.checkoutId }));
      expect(await stockOf(c.variant)).toMatchObject({ on_hand: 5, reserved: 0 });
      // Reachable again, the object ends it itself; nothing is given back twice.
      expectRun(await cleanup(), { expired: 1 }, [`evt_checkout_expired_${c.checkoutId}`]);
      expect(await stockOf(c.variant)).toMatchObject({ on_hand: 5, reserved: 0 });
    },
  },
  {
    name: "voided_authorizations: a hold left by a cancelled checkout is voided at the gateway and recorded",
    async run(kit) {
      const c = await holdOfCancelledCheckout(kit);
      expectRun(await cleanup(), { voided_authorizations: 1 });
      expect(await kit.ledger(c.checkoutId)).toEqual(["voided"]);
      expect(await paymentsOf(c.checkoutId)).toEqual([{ status: "voided" }]);
      expect(await timelineOf(c.checkoutId)).toContain("authorization_voided");
    },
  },
  {
    name: "not_found: an authorization the gateway never made is closed as failed, nothing voided",
    async run(kit) {
      const c = await lockedCheckout();
      expect((await cancelCheckout(c.cart)).status).toBe(200);
      await insertPayment(c.checkoutId, "authorized", c.total, { provider: kit.provider, reference: `pi_never_made_${crypto.randomUUID().slice(0, 8)}` });
      const run = await cleanup();
      expectRun(run, {});
      expect(run.warnings).toContainEqual(expect.objectContaining({ event: "reconcile.authorization_voided", checkout_id: c.checkoutId, result: "not_found" }));
      expect(await paymentsOf(c.checkoutId)).toEqual([{ status: "failed" }]);
      expect(
        (await kit.ledger(c.checkoutId)).filter((s) => s === "authorized" || s === "captured"),
        "nothing held",
      ).toEqual([]);
    },
  },
  {
    name: "gateway_mismatch: a hold made with another gateway is left alone and logged",
    async run(kit) {
      const c = await lockedCheckout();
      expect((await cancelCheckout(c.cart)).status).toBe(200);
      const paymentId = await insertPayment(c.checkoutId, "authorized", c.total, { provider: kit.otherProvider, reference: "ch_elsewhere" });
      const run = await cleanup();
      expectRun(run, {});
      expect(run.warnings).toContainEqual(expect.objectContaining({ event: "reconcile.gateway_mismatch", payment_id: paymentId, provider: kit.otherProvider }));
      expect(await paymentsOf(c.checkoutId)).toEqual([{ status: "authorized" }]);
      expect(await kit.ledger(c.checkoutId)).toEqual([]);
      await env.DB.prepare("UPDATE payments SET status = 'failed' WHERE id = ?").bind(paymentId).run();
    },
  },
  {
    name: "failing void: an error, the hold and its record kept, voided by the first run after the outage",
    async run(kit) {
      const c = await holdOfCancelledCheckout(kit);
      const repair = await kit.breakVoids(c.checkoutId);
      const run = await cleanup();
      expectRun(run, { errors: 1 });
      expect(run.errors).toContainEqual(expect.objectContaining({ event: "reconcile.void_failed", checkout_id: c.checkoutId }));
      expect(await paymentsOf(c.checkoutId)).toEqual([{ status: "authorized" }]);
      expect(await kit.ledger(c.checkoutId)).toEqual(["authorized"]);
      await repair();
      expectRun(await cleanup(), { voided_authorizations: 1 });
      expect(await kit.ledger(c.checkoutId)).toEqual(["voided"]);
    },
  },
  {
    name: "completed_orders: a void answering 'already captured' has the cart object finish the order when the sweep failed",
    async run(kit) {
      const c = await capturedBeforeCrash(kit);
      let sweeps = 0;
      const flaky = {
        getByName: (name: string) => ({ sweep: () => (++sweeps === 1 ? Promise.reject(new Error("blip (test)")) : env.CART.getByName(name).sweep()) }),
      } as unknown as CartBinding;
      const orderId = (await storedCheckout(c.cart)).orderId;
      const run = await cleanup({ CART: flaky });
      expectRun(run, { completed_orders: 1, errors: 1 }, [`evt_order_created_${orderId}`, `evt_checkout_completed_${c.checkoutId}`]);
      expect(sweeps).toBe(2);
      expect(run.errors).toContainEqual(expect.objectContaining({ event: "reconcile.captured_without_order", checkout_id: c.checkoutId }));
      expect(await timelineOf(c.checkoutId)).toContain("reconcile_alert");
      await expectRolledForward(kit, c);
    },
  },
  {
    name: "finish_failed: a capture whose cart object cannot be reached stays, an error twice, and the next run finishes it",
    async run(kit) {
      const c = await capturedBeforeCrash(kit);
      const run = await cleanup({ CART: unreachable() });
      expectRun(run, { errors: 2 });
      expect(run.errors).toContainEqual(expect.objectContaining({ event: "reconcile.finish_failed", checkout_id: c.checkoutId }));
      expect((await checkoutTrace(c.checkoutId)).orders).toMatchObject([{ status: "pending_payment" }]);
      expect(await stockOf(c.variant), "the order needs its stock").toMatchObject({ reserved: 1 });
      const orderId = (await storedCheckout(c.cart)).orderId;
      expectRun(await cleanup(), { finished: 1 }, [`evt_order_created_${orderId}`, `evt_checkout_completed_${c.checkoutId}`]);
      await expectRolledForward(kit, c);
    },
  },
  {
    name: "captured_without_order: a capture recorded after its checkout was rolled back is an alert, on the timeline once",
    async run(kit) {
      const c = await lockedCheckout();
      expect((await cancelCheckout(c.cart)).status).toBe(200);
      const paymentId = await insertPayment(c.checkoutId, "captured", c.total, { provider: kit.provider });
      const run = await cleanup();
      expectRun(run, { captured_without_order: 1 });
      expect(run.errors.filter((l) => l.event === "reconcile.captured_without_order")).toEqual([
        expect.objectContaining({ level: "error", checkout_id: c.checkoutId, amount: c.total }),
      ]);
      expect((await checkoutTrace(c.checkoutId)).row, "no second order path").toMatchObject({ state: "cancelled" });
      expectRun(await cleanup(), { captured_without_order: 1 });
      expect((await timelineOf(c.checkoutId)).filter((e) => e === "reconcile_alert")).toHaveLength(1);
      await env.DB.prepare("DELETE FROM payments WHERE id = ?").bind(paymentId).run();
    },
  },
  {
    name: "pruned_events, pruned_deliveries: delivered events and attempts past retention go, younger ones stay",
    async run() {
      const old = iso(-EVENT_RETENTION_MS - 60_000);
      const recent = iso(-60_000);
      const [oldId, newId_] = [`evt_old_${crypto.randomUUID()}`, `evt_new_${crypto.randomUUID()}`];
      await env.DB.batch([
        ...[
          [oldId, old],
          [newId_, recent],
        ].map(([id, at]) =>
          env.DB.prepare(
            "INSERT INTO outbox (id, type, payload, status, attempts, created_at, enqueued_at, delivered_at) VALUES (?1, 'checkout.expired', '{}', 'delivered', 1, ?2, ?2, ?2)",
          ).bind(id, at),
        ),
        env.DB.prepare("INSERT INTO webhook_deliveries (event_id, attempt, status, ok, at) VALUES (?1, 1, 200, 1, ?2), (?3, 1, 200, 1, ?4)").bind(
          oldId,
          old,
          newId_,
          recent,
        ),
      ]);
      expectRun(await cleanup(), { pruned_events: 1, pruned_deliveries: 1 });
      expect(await all("SELECT id FROM outbox WHERE id IN (?1, ?2)", oldId, newId_)).toEqual([{ id: newId_ }]);
      expect(await all("SELECT event_id FROM webhook_deliveries WHERE event_id IN (?1, ?2)", oldId, newId_)).toEqual([{ event_id: newId_ }]);
    },
  },
];
