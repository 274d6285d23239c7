/**
 * Diagnostics: the invariants of docs/architecture.md checked against D1, each reported as
 * ok / warn / fail with the evidence (at most SAMPLE_LIMIT example rows and a count).
 * `fail` means an invariant is broken (stock, money or a stuck checkout); `warn` means
 * something needs a look but nothing is lost (a slow outbox, a stale 3-D Secure step).
 */
import { TERMINAL_STATES } from "../checkout/state-machine";
import type { Diagnostics } from "../contract/diagnostics";
import type { Config } from "../lib/config";
import { REFUNDABLE_STATUSES } from "../orders/refund-records";
import { ACTIVE_STATES } from "./checkout-locks";
import { type DiagnosticCheck, diagnosticCheck as check, worst } from "./diagnostic-check";
import { refundChecks } from "./refund-diagnostics";

/** The answer's type is the contract's. */
export type DiagnosticsReport = Diagnostics;

export const SAMPLE_LIMIT = 20;
/** An outbox row pending longer than this many cleanup intervals means the relay is behind. */
const OUTBOX_LAG_INTERVALS = 2;

const list = (values: readonly string[]) => values.map((v) => `'${v}'`).join(", ");
const ACTIVE_SQL = list(ACTIVE_STATES);
const TERMINAL_SQL = list(TERMINAL_STATES);
/** Orders that were paid for; refunds and cancellation come after the sale (`cancelled` is also an unpaid order's end). */
const PAID_SQL = list(REFUNDABLE_STATUSES);
const SOLD_SQL = list([...REFUNDABLE_STATUSES, "cancelled"]);

type Rows<T> = { results: T[] };
const count = (r: Rows<{ n: number }> | undefined) => r?.results[0]?.n ?? 0;

/** Whole-system diagnostics: one D1 batch of bounded queries. */
export async function runDiagnostics(d1: D1Database, config: Config, now: number): Promise<DiagnosticsReport> {
  const nowIso = new Date(now).toISOString();
  const graceIso = new Date(now - config.cleanupIntervalMinutes * 60_000).toISOString();
  const ttlAgoIso = new Date(now - config.ttlMinutes * 60_000).toISOString();
  const outboxLagIso = new Date(now - OUTBOX_LAG_INTERVALS * config.cleanupIntervalMinutes * 60_000).toISOString();

  const reservedMismatch = `
    SELECT i.variant_id, i.reserved, COALESCE(r.active, 0) AS active_reservations
    FROM inventory i LEFT JOIN (SELECT variant_id, SUM(quantity) AS active FROM stock_reservations WHERE status = 'active' GROUP BY variant_id) r
      ON r.variant_id = i.variant_id
    WHERE i.reserved != COALESCE(r.active, 0)`;
  const negative = `SELECT variant_id, on_hand, reserved, on_hand - reserved AS available FROM inventory WHERE reserved < 0 OR on_hand < 0 OR reserved > on_hand`;
  const conservation = `
    SELECT variant_id, on_hand, adjusted, committed, restocked FROM (
      SELECT i.variant_id, i.on_hand,
        (SELECT COALESCE(SUM(delta), 0) FROM inventory_adjustments a WHERE a.variant_id = i.variant_id) AS adjusted,
        (SELECT COALESCE(SUM(quantity), 0) FROM stock_reservations r WHERE r.variant_id = i.variant_id AND r.status = 'committed') AS committed,
        (SELECT COALESCE(SUM(quantity), 0) FROM stock_restocks s WHERE s.variant_id = i.variant_id) AS restocked
      FROM inventory i)
    WHERE adjusted - committed + restocked != on_hand`;
  const overdue = `SELECT id AS checkout_id, cart_id, state, expires_at FROM checkouts WHERE state IN (${ACTIVE_SQL}) AND expires_at < ?1`;
  const heldByEnded = `
    SELECT r.checkout_id, r.variant_id, r.quantity, c.state AS checkout_state
    FROM stock_reservations r LEFT JOIN checkouts c ON c.id = r.checkout_id
    WHERE r.status = 'active' AND (c.id IS NULL OR c.state IN (${TERMINAL_SQL}))`;
  const capturedWithoutOrder = `
    SELECT payment_id, checkout_id, captured, paid_orders, order_total FROM (
      SELECT p.id AS payment_id, p.checkout_id, COALESCE(p.captured_amount, p.amount) AS captured,
        (SELECT COUNT(*) FROM orders o WHERE o.checkout_id = p.checkout_id AND o.status IN (${SOLD_SQL})) AS paid_orders,
        (SELECT o.total FROM orders o WHERE o.checkout_id = p.checkout_id) AS order_total
      FROM payments p WHERE p.status = 'captured')
    WHERE paid_orders != 1 OR order_total IS NULL OR captured != order_total`;
  const orderWithoutCapture = `
    SELECT order_id, checkout_id, total, captures, captured FROM (
      SELECT o.id AS order_id, o.checkout_id, o.total,
        (SELECT COUNT(*) FROM payments p WHERE p.checkout_id = o.checkout_id AND p.status IN ('captured', 'not_required')) AS captures,
        (SELECT SUM(COALESCE(p.captured_amount, p.amount)) FROM payments p WHERE p.checkout_id = o.checkout_id AND p.status IN ('captured', 'not_required')) AS captured
      FROM orders o WHERE o.status IN (${PAID_SQL}))
    WHERE captures != 1 OR captured != total`;
  const staleAuthorizations = `
    SELECT p.id AS payment_id, p.checkout_id, p.status AS payment_status, p.amount, p.created_at AS authorized_at, c.state AS checkout_state
    FROM payments p LEFT JOIN checkouts c ON c.id = p.checkout_id
    WHERE p.status IN ('authorized', 'requires_action') AND p.created_at < ?1
      AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.checkout_id = p.checkout_id AND o.status IN (${SOLD_SQL}))`;
  const discountDrift = `
    SELECT code, usage_limit, used_count, reserved_count, consumed, active FROM (
      SELECT d.code, d.usage_limit, d.used_count, d.reserved_count,
        (SELECT COUNT(*) FROM discount_reservations r WHERE r.code = d.code AND r.status = 'consumed') AS consumed,
        (SELECT COUNT(*) FROM discount_reservations r WHERE r.code = d.code AND r.status = 'active') AS active
      FROM discounts d)
    WHERE used_count != consumed OR reserved_count != active OR (usage_limit IS NOT NULL AND used_count + reserved_count > usage_limit)`;
  const discountHeldByEnded = `
    SELECT r.checkout_id, r.code, c.state AS checkout_state
    FROM discount_reservations r LEFT JOIN checkouts c ON c.id = r.checkout_id
    WHERE r.status = 'active' AND (c.id IS NULL OR c.state IN (${TERMINAL_SQL}))`;

  const sample = (sql: string) => `${sql} LIMIT ${SAMPLE_LIMIT}`;
  const total = (sql: string) => `SELECT COUNT(*) AS n FROM (${sql})`;
  const statements: Array<[string, unknown[]]> = [
    [total(reservedMismatch), []],
    [sample(reservedMismatch), []],
    ["SELECT COUNT(*) AS n FROM inventory", []],
    [total(negative), []],
    [sample(negative), []],
    [total(conservation), []],
    [sample(conservation), []],
    [total(overdue), [graceIso]],
    [sample(`${overdue} ORDER BY expires_at`), [graceIso]],
    [total(overdue), [nowIso]],
    [total(heldByEnded), []],
    [sample(heldByEnded), []],
    [total(capturedWithoutOrder), []],
    [sample(capturedWithoutOrder), []],
    [total(orderWithoutCapture), []],
    [sample(orderWithoutCapture), []],
    [sample(staleAuthorizations), [ttlAgoIso]],
    [
      `SELECT COUNT(*) AS n, MIN(created_at) AS oldest,
         COALESCE(SUM(CASE WHEN created_at < ?1 THEN 1 ELSE 0 END), 0) AS lagging
       FROM outbox WHERE status = 'pending'`,
      [outboxLagIso],
    ],
    ["SELECT status, COUNT(*) AS n FROM outbox WHERE status IN ('dead', 'undeliverable') GROUP BY status", []],
    [total(discountDrift), []],
    [sample(discountDrift), []],
    [sample(discountHeldByEnded), []],
  ];
  const r = await d1.batch(statements.map(([sql, params]) => d1.prepare(sql).bind(...params)));
  // Each check reads its own columns by name; the row shape is the SQL beside it.
  const at = <T>(i: number) => r[i] as Rows<T>;

  const checks: DiagnosticCheck[] = [];

  const mismatches = count(at(0));
  checks.push(
    mismatches === 0
      ? check("reserved_matches_reservations", "ok", `reserved equals the active reservations for all ${count(at(2))} variants.`, {
          variants_checked: count(at(2)),
        })
      : check("reserved_matches_reservations", "fail", `${mismatches} variant(s) have reserved different from their active reservations.`, {
          count: mismatches,
          variants: at(1).results,
        }),
  );

  const negatives = count(at(3));
  checks.push(
    negatives === 0
      ? check("no_negative_availability", "ok", "0 <= reserved <= on_hand for every variant.")
      : check("no_negative_availability", "fail", `${negatives} variant(s) have negative stock or availability.`, {
          count: negatives,
          variants: at(4).results,
        }),
  );

  const drifted = count(at(5));
  checks.push(
    drifted === 0
      ? check("stock_conservation", "ok", "on_hand equals all adjustments minus committed units plus restocked units for every variant.")
      : check("stock_conservation", "fail", `${drifted} variant(s) do not conserve stock (adjustments − committed + restocked ≠ on_hand).`, {
          count: drifted,
          variants: at(6).results,
        }),
  );

  const stuck = count(at(7));
  const pastDeadline = count(at(9));
  checks.push(
    stuck === 0
      ? check(
          "no_overdue_active_checkouts",
          "ok",
          pastDeadline === 0
            ? "No active checkout is past its deadline."
            : `${pastDeadline} active checkout(s) are past their deadline but within the ${config.cleanupIntervalMinutes}-minute cleanup interval.`,
          { past_deadline_within_interval: pastDeadline, cleanup_interval_minutes: config.cleanupIntervalMinutes },
        )
      : check(
          "no_overdue_active_checkouts",
          "fail",
          `${stuck} active checkout(s) are past their deadline plus the ${config.cleanupIntervalMinutes}-minute cleanup interval; run the cleanup job.`,
          { count: stuck, checkouts: at(8).results, cleanup_interval_minutes: config.cleanupIntervalMinutes },
        ),
  );

  const leaked = count(at(10));
  checks.push(
    leaked === 0
      ? check("no_reservation_on_ended_checkout", "ok", "No active reservation belongs to an ended or unknown checkout.")
      : check(
          "no_reservation_on_ended_checkout",
          "fail",
          `${leaked} active reservation(s) belong to an ended or unknown checkout; the cleanup job releases them.`,
          {
            count: leaked,
            reservations: at(11).results,
          },
        ),
  );

  const unmatchedCaptures = count(at(12));
  const unmatchedOrders = count(at(14));
  checks.push(
    unmatchedCaptures + unmatchedOrders === 0
      ? check("payments_match_orders", "ok", "Every captured payment has exactly one paid order of its amount, and every paid order one capture of its total.")
      : check(
          "payments_match_orders",
          "fail",
          `${unmatchedCaptures} captured payment(s) without exactly one paid order of their amount; ${unmatchedOrders} paid order(s) without exactly one capture of their total.`,
          { captures: at(13).results, orders: at(15).results },
        ),
  );

  const stale = at(16).results as Array<{ payment_status: string; checkout_state: string | null }>;
  const staleAuthorized = stale.filter((s) => s.payment_status === "authorized");
  checks.push(
    stale.length === 0
      ? check("no_stale_authorizations", "ok", `No authorization older than the ${config.ttlMinutes}-minute checkout TTL is left without an order or a void.`)
      : check(
          "no_stale_authorizations",
          staleAuthorized.length > 0 ? "fail" : "warn",
          staleAuthorized.length > 0
            ? `${staleAuthorized.length} authorization(s) older than ${config.ttlMinutes} minutes have no order and no void; money is held on a card.`
            : `${stale.length} payment(s) have waited for customer action (3-D Secure) for over ${config.ttlMinutes} minutes.`,
          { payments: stale },
        ),
  );

  const outbox = (at(17).results[0] ?? {}) as { n?: number; oldest?: string | null; lagging?: number };
  const dead = at(18).results as Array<{ status: string; n: number }>;
  const deadCount = dead.reduce((s, d) => s + d.n, 0);
  const oldestAge = outbox.oldest ? Math.round((now - Date.parse(outbox.oldest)) / 1000) : null;
  checks.push(
    check(
      "outbox_backlog",
      (outbox.lagging ?? 0) > 0 || deadCount > 0 ? "warn" : "ok",
      (outbox.lagging ?? 0) > 0
        ? `${outbox.lagging} event(s) have waited over ${OUTBOX_LAG_INTERVALS * config.cleanupIntervalMinutes} minutes for the relay.`
        : deadCount > 0
          ? `${deadCount} event(s) could not be delivered.`
          : `${outbox.n ?? 0} event(s) pending, none late.`,
      {
        pending: outbox.n ?? 0,
        oldest_pending_at: outbox.oldest ?? null,
        oldest_pending_age_seconds: oldestAge,
        undelivered: Object.fromEntries(dead.map((d) => [d.status, d.n])),
      },
    ),
  );

  const discountProblems = count(at(19));
  const discountHeld = at(21).results;
  checks.push(
    discountProblems === 0 && discountHeld.length === 0
      ? check("discount_usage", "ok", "Discount counters equal their reservation rows and stay within their usage limits.")
      : check(
          "discount_usage",
          "fail",
          `${discountProblems} discount code(s) have drifted counters or exceed their limit; ${discountHeld.length} hold(s) belong to ended checkouts.`,
          {
            codes: at(20).results,
            held_by_ended_checkouts: discountHeld,
          },
        ),
  );

  checks.push(...(await refundChecks(d1, now)));

  return { status: worst(checks.map((c) => c.status)), generated_at: nowIso, checks };
}
