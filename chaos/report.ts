/** The chaos report: what ran, what crashed, what the invariants say, how to replay. */
import type { SelfTestResult } from "./checker-self-test.ts";
import type { CrashLog } from "./crash-monkey.ts";
import type { HttpStats } from "./http.ts";
import type { CheckoutCounts } from "./invariants.ts";
import type { Observations, Violation } from "./observations.ts";
import type { ChaosPlan } from "./plan.ts";
import type { SettleLog } from "./settle.ts";

export interface ChaosReport {
  seed: number;
  plan_digest: string;
  profile: string;
  seconds: number;
  concurrency: number;
  /** How long shoppers actually ran (the planned time, longer when restarts were slow). */
  shopping_seconds: number;
  replay: string;
  shoppers: { planned: number; run: number; outcomes: Record<string, number> };
  checkouts: {
    attempted: number;
    completed: number;
    failed: number;
    expired: number;
    cancelled: number;
    locked: number;
    other: Record<string, number>;
    failed_by: Record<string, number>;
  };
  flash_sale: { shoppers: number; units: number; limit: number; orders: number; insufficient_stock: number; purchase_limit: number };
  crashes: { injected: number; total_downtime_ms: number; at_ms: number[] };
  requests: { sent: number; no_answer: HttpStats["noAnswer"]; by_status: Record<string, number> };
  idempotency: { keys: number; duplicated_or_retried: number; split_by_a_crash: number };
  admin: Observations["admin"];
  settle: SettleLog;
  d1_read_via: string;
  checks: string[];
  /** Planted corruptions of this run's D1 data the checker caught (null: not run, no sqlite3). */
  checker_self_test: { caught: number; missed: number; not_applicable: number } | null;
  violations: Violation[];
  duration_ms: number;
}

export function buildReport(input: {
  plan: ChaosPlan;
  digest: string;
  observations: Observations;
  counts: CheckoutCounts;
  crashes: CrashLog[];
  http: HttpStats;
  settle: SettleLog;
  d1Via: string;
  checks: string[];
  violations: Violation[];
  startedAt: number;
  shoppingSeconds: number;
  selfTest: SelfTestResult | null;
}): ChaosReport {
  const { plan, observations: obs, counts } = input;
  const outcomes: Record<string, number> = {};
  const shoppers = obs.shoppers;
  for (const s of shoppers) outcomes[s.outcome] = (outcomes[s.outcome] ?? 0) + 1;
  const { completed = 0, failed = 0, expired = 0, cancelled = 0, locked = 0, ...other } = counts.byState;
  const groups = obs.groups;
  return {
    seed: plan.seed,
    plan_digest: input.digest,
    profile: plan.profile.name,
    seconds: plan.profile.seconds,
    concurrency: plan.profile.concurrency,
    shopping_seconds: Math.round(input.shoppingSeconds * 10) / 10,
    replay: `npm run chaos -- --seed ${plan.seed} --profile ${plan.profile.name} --seconds ${plan.profile.seconds}`,
    shoppers: { planned: plan.shoppers.length, run: shoppers.length, outcomes },
    checkouts: { attempted: counts.attempted, completed, failed, expired, cancelled, locked, other, failed_by: counts.failedBy },
    flash_sale: {
      shoppers: plan.flash.shoppers,
      units: plan.profile.flashUnits,
      limit: plan.flash.limit,
      orders: obs.flash.filter((f) => f.status === 201).length,
      insufficient_stock: obs.flash.filter((f) => f.code === "insufficient_stock").length,
      purchase_limit: obs.flash.filter((f) => f.code === "purchase_limit").length,
    },
    crashes: { injected: input.crashes.length, total_downtime_ms: input.crashes.reduce((sum, c) => sum + c.downMs, 0), at_ms: input.crashes.map((c) => c.at) },
    requests: { sent: input.http.requests, no_answer: input.http.noAnswer, by_status: input.http.byStatus },
    idempotency: {
      keys: groups.length,
      duplicated_or_retried: groups.filter((g) => g.sends > 1).length,
      split_by_a_crash: groups.filter((g) => g.firstEpoch !== g.lastEpoch).length,
    },
    admin: obs.admin,
    settle: input.settle,
    d1_read_via: input.d1Via,
    checks: input.checks,
    checker_self_test: input.selfTest
      ? { caught: input.selfTest.caught.length, missed: input.selfTest.missed.length, not_applicable: input.selfTest.notApplicable.length }
      : null,
    violations: input.violations,
    duration_ms: Date.now() - input.startedAt,
  };
}

export function printReport(report: ChaosReport): void {
  const c = report.checkouts;
  const lines = [
    "",
    "━━ Chaos report ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━",
    `seed ${report.seed} · plan ${report.plan_digest} · profile ${report.profile} · ${report.seconds} s planned, ${report.shopping_seconds} s run · ${report.concurrency} shoppers at once`,
    `shoppers run      ${report.shoppers.run} of ${report.shoppers.planned} planned  ${Object.entries(report.shoppers.outcomes)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}`,
    `checkouts         attempted ${c.attempted} · completed ${c.completed} · failed ${c.failed} · expired ${c.expired} · cancelled ${c.cancelled} · locked ${c.locked}${Object.keys(c.other).length ? ` · other ${JSON.stringify(c.other)}` : ""}`,
    `failed because    ${
      Object.entries(c.failed_by)
        .map(([k, v]) => `${k} ${v}`)
        .join(", ") || "-"
    }`,
    `flash sale        ${report.flash_sale.shoppers} buyers for ${report.flash_sale.units} units (at most ${report.flash_sale.limit} each) → ${report.flash_sale.orders} orders, ${report.flash_sale.insufficient_stock} insufficient_stock, ${report.flash_sale.purchase_limit} purchase_limit`,
    `crashes injected  ${report.crashes.injected} (SIGKILL of the server tree; ${(report.crashes.total_downtime_ms / 1000).toFixed(1)} s down in all)`,
    `requests          ${report.requests.sent} sent · no answer: ${report.requests.no_answer.connection} connection, ${report.requests.no_answer.timeout} client timeout · ${Object.entries(
      report.requests.by_status,
    )
      .sort()
      .map(([k, v]) => `${k}×${v}`)
      .join(" ")}`,
    `idempotency keys  ${report.idempotency.keys} · ${report.idempotency.duplicated_or_retried} sent more than once · ${report.idempotency.split_by_a_crash} cut by a crash`,
    `admin             prices ${report.admin.prices} · stock ${report.admin.stock} · releases ${JSON.stringify(report.admin.releases)} · refunds ${JSON.stringify(report.admin.refunds)} · cancels ${JSON.stringify(report.admin.cancels)} · cron ${report.admin.cron.ok} ok/${report.admin.cron.failed} failed · skipped while down ${report.admin.skipped}`,
    `settle            waited ${(report.settle.waitedForDeadlinesMs / 1000).toFixed(1)} s for deadlines · cron runs ${report.settle.cronRuns} · settled ${report.settle.settledAfterMs === null ? "NOT within the bound" : `after ${(report.settle.settledAfterMs / 1000).toFixed(1)} s`}`,
    `invariants        ${report.checks.length} checks (D1 read via ${report.d1_read_via})`,
    `checker test      ${report.checker_self_test ? `${report.checker_self_test.caught} planted corruptions caught, ${report.checker_self_test.missed} missed (${report.checker_self_test.not_applicable} not applicable to this data)` : "skipped (no sqlite3 CLI)"}`,
    `violations        ${report.violations.length}`,
  ];
  for (const v of report.violations) {
    lines.push(`  ✗ [${v.invariant}] ${v.message}`);
    lines.push(`    evidence: ${JSON.stringify(v.evidence).slice(0, 1_500)}`);
  }
  lines.push(`replay            ${report.replay}`);
  lines.push(`took              ${(report.duration_ms / 1000).toFixed(1)} s`);
  console.log(lines.join("\n"));
}
