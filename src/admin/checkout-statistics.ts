/**
 * Checkout statistics over a window, from the D1 checkout rows (docs/architecture.md,
 * Observability). One batch of four aggregate queries, each bounded by an index:
 * `checkouts_created_idx` for the window and `checkouts_state_expires_idx` for the
 * active and overdue counts. The window queries name their index (INDEXED BY): left to
 * itself SQLite prefers walking the state index for GROUP BY state, which reads every
 * checkout ever made instead of the window's. Answers are memoised per isolate for a few
 * seconds so a dashboard refreshed by many admins costs one batch.
 */
import { PHASES, STATES, TERMINAL_STATES, type CheckoutPhase, type CheckoutState } from "../checkout/state-machine";
import type { CheckoutStatistics, SeriesPoint } from "../contract/checkout-statistics";
import { ACTIVE_STATES } from "./checkout-locks";

export const DEFAULT_WINDOW_HOURS = 24;
export const MAX_WINDOW_HOURS = 24 * 90;
/** How long a computed answer is served again (seconds). */
export const STATISTICS_TTL_SECONDS = 10;
/** Windows up to this many hours are charted by hour, longer ones by day. */
const HOURLY_SERIES_MAX_HOURS = 72;

export type { CheckoutStatistics, SeriesPoint };

const list = (values: readonly string[]) => values.map((v) => `'${v}'`).join(", ");
const ACTIVE_SQL = list(ACTIVE_STATES);

// Nearest-rank percentiles with window functions: rank ceil(n·p) = (n·p + 99) / 100 in integers.
const DURATIONS_SQL = `
  SELECT COUNT(*) AS n, AVG(d) AS avg,
         MAX(CASE WHEN rn = (n * 50 + 99) / 100 THEN d END) AS p50,
         MAX(CASE WHEN rn = (n * 95 + 99) / 100 THEN d END) AS p95
  FROM (SELECT d, ROW_NUMBER() OVER (ORDER BY d) AS rn, COUNT(*) OVER () AS n
        FROM (SELECT (julianday(completed_at) - julianday(created_at)) * 86400.0 AS d
              FROM checkouts INDEXED BY checkouts_created_idx
              WHERE created_at >= ?1 AND state = 'completed' AND completed_at IS NOT NULL))`;

export async function computeStatistics(d1: D1Database, hours: number, now: number): Promise<CheckoutStatistics> {
  const since = new Date(now - hours * 3_600_000).toISOString();
  const nowIso = new Date(now).toISOString();
  const hourly = hours <= HOURLY_SERIES_MAX_HOURS;
  const bucketLength = hourly ? 13 : 10; // "2026-11-22T10" or "2026-11-22"
  const [series, failures, durations, live, refunded, pendingRefunds] = await d1.batch([
    // Counts by time bucket and state: the chart, and summed up, the totals by state.
    d1
      .prepare(
        `SELECT substr(created_at, 1, ?2) AS bucket, state, COUNT(*) AS n
         FROM checkouts INDEXED BY checkouts_created_idx WHERE created_at >= ?1 GROUP BY bucket, state`,
      )
      .bind(since, bucketLength),
    d1
      .prepare(
        `SELECT json_extract(failure_reason, '$.phase') AS phase, json_extract(failure_reason, '$.code') AS code, COUNT(*) AS n
         FROM checkouts INDEXED BY checkouts_created_idx WHERE created_at >= ?1 AND state = 'failed' GROUP BY phase, code`,
      )
      .bind(since),
    d1.prepare(DURATIONS_SQL).bind(since),
    d1
      .prepare(
        `SELECT COUNT(*) AS active, COALESCE(SUM(CASE WHEN expires_at < ?1 THEN 1 ELSE 0 END), 0) AS overdue
         FROM checkouts WHERE state IN (${ACTIVE_SQL})`,
      )
      .bind(nowIso),
    d1
      .prepare(
        `SELECT currency, COALESCE(SUM(amount), 0) AS refunded_total, COUNT(*) AS refunds, COUNT(DISTINCT order_id) AS orders
         FROM refunds INDEXED BY refunds_status_idx WHERE status = 'succeeded' AND settled_at >= ?1 GROUP BY currency`,
      )
      .bind(since),
    d1.prepare(`SELECT COUNT(*) AS n FROM refunds INDEXED BY refunds_status_idx WHERE status = 'pending'`),
  ]);
  const seriesRows = series!.results as Array<{ bucket: string; state: string; n: number }>;

  const by_state = Object.fromEntries(STATES.map((s) => [s, 0])) as Record<CheckoutState, number>;
  for (const r of seriesRows) by_state[r.state as CheckoutState] = (by_state[r.state as CheckoutState] ?? 0) + r.n;
  const total = Object.values(by_state).reduce((a, b) => a + b, 0);
  const ended = TERMINAL_STATES.reduce((sum, s) => sum + by_state[s], 0);

  const failures_by_phase = Object.fromEntries(PHASES.map((p) => [p, 0])) as Record<CheckoutPhase, number>;
  const failures_by_code: Record<string, number> = {};
  for (const r of failures!.results as Array<{ phase: string | null; code: string | null; n: number }>) {
    const phase = (r.phase ?? "unknown") as CheckoutPhase;
    failures_by_phase[phase] = (failures_by_phase[phase] ?? 0) + r.n;
    const code = r.code ?? "unknown";
    failures_by_code[code] = (failures_by_code[code] ?? 0) + r.n;
  }

  const d = (durations!.results[0] ?? {}) as { n?: number; avg?: number | null; p50?: number | null; p95?: number | null };
  const l = (live!.results[0] ?? {}) as { active?: number; overdue?: number };
  const round2 = (x: number | null | undefined) => (x === null || x === undefined ? null : Math.round(x * 100) / 100);

  return {
    window_hours: hours,
    since,
    generated_at: nowIso,
    total,
    by_state,
    success_rate: ended === 0 ? null : Math.round((by_state.completed / ended) * 10_000) / 10_000,
    failures_by_phase,
    failures_by_code,
    avg_duration_seconds: d.n ? round2(d.avg) : null,
    p50_duration_seconds: d.n ? round2(d.p50) : null,
    p95_duration_seconds: d.n ? round2(d.p95) : null,
    active: l.active ?? 0,
    expired_pending_cleanup: l.overdue ?? 0,
    series: { bucket: hourly ? "hour" : "day", points: seriesPoints(seriesRows, since, now, hourly) },
    refunds: {
      by_currency: Object.fromEntries(
        (refunded!.results as Array<{ currency: string; refunded_total: number; refunds: number; orders: number }>).map((r) => [
          r.currency,
          { refunded_total: r.refunded_total, refunds: r.refunds, orders: r.orders },
        ]),
      ),
      pending: (pendingRefunds!.results[0] as { n?: number } | undefined)?.n ?? 0,
    },
  };
}

/** One point per hour (or day) of the window, gaps filled with zeros, oldest first. */
function seriesPoints(rows: Array<{ bucket: string; state: string; n: number }>, since: string, now: number, hourly: boolean): SeriesPoint[] {
  const step = hourly ? 3_600_000 : 86_400_000;
  const keyLength = hourly ? 13 : 10;
  const points = new Map<string, SeriesPoint>();
  const start = Math.floor(Date.parse(since) / step) * step;
  for (let t = start; t <= now; t += step) {
    const at = new Date(t).toISOString();
    points.set(at.slice(0, keyLength), { at, total: 0, completed: 0, failed: 0, cancelled: 0, expired: 0, active: 0 });
  }
  for (const r of rows) {
    const point = points.get(r.bucket);
    if (!point) continue;
    point.total += r.n;
    if (r.state === "completed" || r.state === "failed" || r.state === "cancelled" || r.state === "expired") point[r.state] += r.n;
    else point.active += r.n;
  }
  return [...points.values()];
}

// ------------------------------------------------------------------ the memo

const memo = new WeakMap<D1Database, Map<number, { until: number; value: CheckoutStatistics }>>();
/** The memo's clock (epoch ms); tests replace it to age the memo without sleeping. */
export const statisticsClock = { now: (): number => Date.now() };

/**
 * The statistics, served from the isolate's memo for STATISTICS_TTL_SECONDS unless
 * `fresh` is asked for (a `Cache-Control: no-cache` request).
 */
export async function cachedStatistics(d1: D1Database, hours: number, options: { fresh?: boolean; now?: number } = {}) {
  const now = options.now ?? statisticsClock.now();
  let entries = memo.get(d1);
  if (!entries) {
    entries = new Map();
    memo.set(d1, entries);
  }
  const hit = entries.get(hours);
  if (hit && hit.until > now && !options.fresh) return { value: hit.value, cached: true, age: Math.floor((now - Date.parse(hit.value.generated_at)) / 1000) };
  const value = await computeStatistics(d1, hours, now);
  entries.set(hours, { until: now + STATISTICS_TTL_SECONDS * 1000, value });
  return { value, cached: false, age: 0 };
}

/** After an admin action the next dashboard view should not show the old numbers. */
export function forgetStatistics(d1: D1Database): void {
  memo.delete(d1);
}
