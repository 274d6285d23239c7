/**
 * The cleanup job (cron every CHECKOUT_CLEANUP_INTERVAL minutes, and POST
 * /admin/api/cleanup): the safety net for alarms that never fired and steps that never
 * finished. Bounded and resumable: each step handles at most `batchSize` items and the
 * result says `done: false` when a step filled its batch and made progress, so a caller
 * may run it again. Every step is idempotent: a second run right after changes nothing.
 *
 * 1. Checkouts past their deadline that are still active: their cart object is asked to
 *    sweep (it decides: expire, roll back, or roll forward after a capture). A D1 row no
 *    cart object holds any more (the cart moved on) is closed as expired.
 * 2. Stock and discount reservations still active although their checkout ended or does
 *    not exist, or a full cleanup interval past their deadline: released atomically.
 * 3. Payment reconciliation (payment-reconciliation.ts), then refunds stuck pending
 *    (refund-reconciliation.ts).
 * 4. The outbox relay (events/relay.ts).
 * 5. Pruning: delivered events and delivery attempts past retention. Idempotency keys
 *    live in the cart objects, which prune them from their own alarms.
 */
import type { CleanupResult } from "../contract/cleanup-result";
import { and, asc, inArray, lt } from "drizzle-orm";
import { releaseDiscounts, releaseDiscountsOf } from "../db/discount-usage";
import { isTerminal, STATES, type CheckoutPhase, type CheckoutState } from "../checkout/state-machine";
import { createDb, isoNow, type Database } from "../db/client";
import { expireOrphanedCheckoutRow, type TimelineRow, timelineRows } from "../db/checkout-records";
import { checkouts, discountReservations, stockReservations } from "../db/schema";
import { recordEvent, pruneDeliveredEvents } from "../events/outbox";
import { relayOutbox } from "../events/relay";
import { pruneDeliveryAttempts } from "../events/webhook-deliveries";
import { availabilityCache } from "../inventory/availability-cache";
import { releaseStockOf } from "../inventory/stock-ledger";
import { getConfig, type Config } from "../lib/config";
import { createLogger, errorFields, type Logger } from "../lib/logger";
import { createGateway } from "../payments";
import { reconcilePayments } from "./payment-reconciliation";
import { reconcileRefunds } from "./refund-reconciliation";

export const DEFAULT_BATCH_SIZE = 100;
export const MAX_BATCH_SIZE = 500;
/** Delivered events and delivery attempts are kept this long for the admin. */
export const EVENT_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
/** Cart objects swept at once: enough to finish a batch quickly without flooding D1. */
const SWEEP_CONCURRENCY = 10;
/** Cron rounds per tick while a backlog remains (each round is bounded). */
const MAX_SCHEDULED_ROUNDS = 5;

const ACTIVE_STATES = STATES.filter((s) => !isTerminal(s));
const ROLLED_BACK_STATES: CheckoutState[] = ["failed", "cancelled", "expired"];
/**
 * Active states in which no payment can be captured: their stock may be released once
 * they are a full interval overdue. An overdue checkout can no longer start a payment
 * (the saga checks the deadline first), and one that started before it finished long
 * ago. Checkouts at or past the capture (capturing, committing) keep their stock: the
 * saga may still roll them forward, and the order needs it.
 */
const NO_PAYMENT_IN_FLIGHT_STATES: CheckoutState[] = ["validating", "reserving", "locked", "rolling_back"];

export interface CleanupOptions {
  /** Epoch ms the job treats as now when choosing what is overdue (tests). Cart objects use their own clock. */
  now?: number;
  batchSize?: number;
}

/** What one round did: the contract's `CleanupResult` (the admin API answers it, the cron logs it). */
export type { CleanupResult };

type Counts = Omit<CleanupResult, "done" | "started_at" | "duration_ms">;

interface JobContext {
  env: Env;
  db: Database;
  config: Config;
  log: Logger;
  now: number;
  nowIso: string;
  staleBefore: string;
  limit: number;
  counts: Counts;
}

/** One step: true when it filled its batch and made progress (more work for another run). */
type Step = (job: JobContext) => Promise<boolean>;

export async function runCleanup(env: Env, options: CleanupOptions = {}): Promise<CleanupResult> {
  const started = Date.now();
  const now = options.now ?? started;
  const config = getConfig(env);
  const job: JobContext = {
    env,
    db: createDb(env.DB),
    config,
    log: createLogger(config.logging, { component: "cleanup" }),
    now,
    nowIso: isoNow(now),
    staleBefore: isoNow(now - config.cleanupIntervalMinutes * 60_000),
    limit: Math.max(1, Math.min(MAX_BATCH_SIZE, Math.trunc(options.batchSize ?? DEFAULT_BATCH_SIZE))),
    counts: {
      expired: 0,
      finished: 0,
      still_active: 0,
      orphaned_checkouts: 0,
      released_reservations: 0,
      released_discounts: 0,
      voided_authorizations: 0,
      captured_without_order: 0,
      completed_orders: 0,
      settled_refunds: 0,
      pending_refunds: 0,
      relayed_events: 0,
      pruned_events: 0,
      pruned_deliveries: 0,
      errors: 0,
    },
  };
  const steps: Array<[string, Step]> = [
    ["expire_overdue_checkouts", expireOverdueCheckouts],
    ["release_orphaned_reservations", releaseOrphanedReservations],
    ["reconcile_payments", reconcile],
    ["reconcile_refunds", reconcileStuckRefunds],
    ["relay_outbox", relay],
    ["prune", prune],
  ];
  let done = true;
  for (const [name, step] of steps) {
    try {
      if (await step(job)) done = false;
    } catch (error) {
      // One failing dependency (the queue, say) must not stop the other steps.
      job.counts.errors++;
      job.log.error("cleanup.step_failed", { step: name, ...errorFields(error) });
    }
  }
  return { ...job.counts, done, started_at: isoNow(started), duration_ms: Date.now() - started };
}

/** The cron tick: a few bounded rounds while a backlog remains, then one log line with the totals. */
export async function runScheduledCleanup(env: Env, cron: string): Promise<CleanupResult | null> {
  let total: CleanupResult | null = null;
  let rounds = 0;
  try {
    while (rounds < MAX_SCHEDULED_ROUNDS) {
      const result = await runCleanup(env);
      rounds++;
      total = total ? addResults(total, result) : result;
      if (result.done) break;
    }
  } catch (error) {
    // Only setup can throw here (configuration, bindings); the steps catch their own errors.
    createLogger(true, { component: "cleanup" }).error("cleanup.failed", { trigger: "cron", cron, rounds, ...errorFields(error) });
    return total;
  }
  logCleanup(env, { trigger: "cron", cron, rounds }, total!);
  return total;
}

export function logCleanup(env: Env, context: Record<string, unknown>, result: CleanupResult): void {
  const log = createLogger(getConfig(env).logging, { component: "cleanup" });
  const write = result.errors > 0 || result.captured_without_order > 0 ? log.warn : log.info;
  write("cleanup.completed", { ...context, ...result });
}

function addResults(a: CleanupResult, b: CleanupResult): CleanupResult {
  const sum = { ...a };
  for (const key of Object.keys(b) as Array<keyof CleanupResult>) {
    if (typeof a[key] === "number" && typeof b[key] === "number") (sum as Record<string, unknown>)[key] = (a[key] as number) + (b[key] as number);
  }
  return { ...sum, done: b.done, started_at: a.started_at };
}

// ---------------------------------------------------------------- step 1

async function expireOverdueCheckouts(job: JobContext): Promise<boolean> {
  const { db, counts } = job;
  const rows = await db
    .select({ id: checkouts.id, cartId: checkouts.cartId, state: checkouts.state, phase: checkouts.phase })
    .from(checkouts)
    .where(and(inArray(checkouts.state, ACTIVE_STATES), lt(checkouts.expiresAt, job.nowIso)))
    .orderBy(asc(checkouts.expiresAt))
    .limit(job.limit);
  let progressed = 0;
  await forEachConcurrently(rows, SWEEP_CONCURRENCY, async (row) => {
    try {
      const swept = await job.env.CART.getByName(row.cartId).sweep();
      if (swept.checkoutId !== row.id) {
        if (await closeOrphanedCheckout(job, row)) progressed++;
        return;
      }
      if (swept.state === "expired") counts.expired++;
      else if (swept.state && isTerminal(swept.state as CheckoutState)) counts.finished++;
      else {
        counts.still_active++;
        return;
      }
      progressed++;
    } catch (error) {
      counts.errors++;
      job.log.error("cleanup.sweep_failed", { checkout_id: row.id, cart_id: row.cartId, ...errorFields(error) });
    }
  });
  return rows.length >= job.limit && progressed > 0;
}

/**
 * The cart object holds another checkout (or none): this row is a leftover nobody will
 * end. Its cart has moved on, so closing the row edits no cart behind its back. Rows at
 * or past the capture are left for reconciliation and the admin, never closed here.
 */
async function closeOrphanedCheckout(job: JobContext, row: { id: string; cartId: string; state: string; phase: string }): Promise<boolean> {
  const { db, log, nowIso } = job;
  if (row.state === "capturing" || row.state === "committing") {
    job.counts.still_active++;
    log.error("cleanup.orphaned_checkout_past_capture", { checkout_id: row.id, cart_id: row.cartId, state: row.state });
    return false;
  }
  const failure = { phase: row.phase, code: "orphaned", message: "No cart object holds this checkout; closed by the cleanup job." };
  const [closed, released] = await db.batch([
    expireOrphanedCheckoutRow(db, row.id, ACTIVE_STATES, failure, nowIso),
    releaseStockOf(db, [row.id], nowIso).returning({ variantId: stockReservations.variantId }),
    releaseDiscounts(db, row.id, nowIso),
    timelineRows(db, [
      { checkoutId: row.id, at: nowIso, state: "expired", phase: row.phase as CheckoutPhase, event: "orphan_closed", key: "orphan_closed", detail: failure },
    ]),
    recordEvent(db, "checkout.expired", row.id, { checkout: { id: row.id, cart_id: row.cartId, state: "expired", phase: row.phase, failure } }, nowIso),
  ]);
  availabilityCache.forget(released.map((r) => r.variantId));
  if (closed.length > 0) {
    job.counts.orphaned_checkouts++;
    log.warn("cleanup.orphaned_checkout_closed", { checkout_id: row.id, cart_id: row.cartId, state: row.state, phase: row.phase });
  }
  return closed.length > 0;
}

// ---------------------------------------------------------------- step 2

interface HeldRow {
  checkout_id: string;
  checkout_state: string | null;
  checkout_phase: string | null;
}

async function releaseOrphanedReservations(job: JobContext): Promise<boolean> {
  const { db, log, nowIso } = job;
  const quoted = (states: readonly string[]) => states.map((s) => `'${s}'`).join(", ");
  // Stock and discount reservations are written in the same batch as their checkout row,
  // so "no checkout row" means orphaned, never "not written yet". Anything with a captured
  // payment keeps its stock: that order needs it (reconciliation deals with it).
  const held = await job.env.DB.prepare(
    `SELECT h.checkout_id AS checkout_id, c.state AS checkout_state, c.phase AS checkout_phase
     FROM (
       SELECT checkout_id, expires_at FROM stock_reservations WHERE status = 'active'
       UNION ALL
       SELECT d.checkout_id, COALESCE(k.expires_at, '') FROM discount_reservations d
         LEFT JOIN checkouts k ON k.id = d.checkout_id WHERE d.status = 'active'
     ) h
     LEFT JOIN checkouts c ON c.id = h.checkout_id
     WHERE (c.id IS NULL
            OR c.state IN (${quoted(ROLLED_BACK_STATES)})
            OR (h.expires_at < ?1 AND c.state IN (${quoted(NO_PAYMENT_IN_FLIGHT_STATES)})))
       AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.checkout_id = h.checkout_id AND p.status = 'captured')
     GROUP BY h.checkout_id
     ORDER BY MIN(h.expires_at)
     LIMIT ?2`,
  )
    .bind(job.staleBefore, job.limit)
    .all<HeldRow>();
  const rows = held.results;
  if (rows.length === 0) return false;
  const ids = rows.map((r) => r.checkout_id);
  // One batch, so the release is atomic, of three statements whatever the batch size:
  // ids and rows travel as JSON parameters (D1 binds at most 100 parameters per
  // statement and runs at most 1,000 statements per batch).
  const entries: TimelineRow[] = rows
    .filter((r) => r.checkout_state && r.checkout_phase)
    .map((r) => ({
      checkoutId: r.checkout_id,
      at: nowIso,
      state: r.checkout_state as CheckoutState,
      phase: r.checkout_phase as CheckoutPhase,
      event: "reservations_released",
      key: `cleanup_released:${nowIso}`,
      detail: { by: "cleanup", reason: isTerminal(r.checkout_state as CheckoutState) ? "checkout_ended" : "overdue" },
    }));
  const [stock, discounts] = await db.batch([
    releaseStockOf(db, ids, nowIso).returning({
      checkoutId: stockReservations.checkoutId,
      variantId: stockReservations.variantId,
      quantity: stockReservations.quantity,
    }),
    releaseDiscountsOf(db, ids, nowIso).returning({ code: discountReservations.code }),
    ...(entries.length ? [timelineRows(db, entries)] : []),
  ]);
  // Freed units are sellable at once in this isolate, not only when "sold out" ages out.
  availabilityCache.forget(stock.map((s) => s.variantId));
  job.counts.released_reservations += stock.length;
  job.counts.released_discounts += discounts.length;
  // One line per stock operation (docs/architecture.md, observability).
  for (const row of rows) {
    const lines = stock.filter((s) => s.checkoutId === row.checkout_id);
    log.warn("stock.released_by_cleanup", {
      checkout_id: row.checkout_id,
      state: row.checkout_state ?? "missing",
      phase: row.checkout_phase,
      units: lines.reduce((n, l) => n + l.quantity, 0),
      reservations: lines.length,
    });
  }
  return rows.length >= job.limit;
}

// ---------------------------------------------------------------- steps 3–5

async function reconcile(job: JobContext): Promise<boolean> {
  const result = await reconcilePayments(job);
  job.counts.voided_authorizations += result.voided_authorizations;
  job.counts.captured_without_order += result.captured_without_order;
  job.counts.completed_orders += result.completed_orders;
  job.counts.errors += result.errors;
  return result.more;
}

async function reconcileStuckRefunds(job: JobContext): Promise<boolean> {
  const result = await reconcileRefunds({ db: job.db, gateway: createGateway(job.env, job.config, job.db), log: job.log }, job.now, job.limit);
  job.counts.settled_refunds += result.settled_refunds;
  job.counts.pending_refunds += result.pending_refunds;
  job.counts.errors += result.errors;
  return result.more;
}

async function relay(job: JobContext): Promise<boolean> {
  const result = await relayOutbox(job.env, job.db, { now: job.now, limit: job.limit });
  job.counts.relayed_events += result.relayed;
  return result.more;
}

async function prune(job: JobContext): Promise<boolean> {
  const before = isoNow(job.now - EVENT_RETENTION_MS);
  const [events, deliveries] = await job.db.batch([pruneDeliveredEvents(job.db, before, job.limit), pruneDeliveryAttempts(job.db, before, job.limit)]);
  job.counts.pruned_events += events.length;
  job.counts.pruned_deliveries += deliveries.length;
  return events.length >= job.limit || deliveries.length >= job.limit;
}

async function forEachConcurrently<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}
