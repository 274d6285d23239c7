/**
 * D1 round trips and cart-object storage operations per checkout, as counted by
 * test/integration/d1-round-trips.test.ts: it runs the real Worker in the Workers test
 * runtime with an instrumented D1 binding and puts each count on its test's `meta`.
 * The benchmark runs that file and reads vitest's JSON report, so the figures in the
 * table come from the same count `npm test` enforces, measured in this run.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ROOT, baseEnv } from "../../scripts/local-server.ts";

export const ROUND_TRIP_TEST = "test/integration/d1-round-trips.test.ts";

export interface WorkCount {
  d1RoundTrips: number;
  d1Statements: number;
  maxBoundParameters: number;
  storageOps: number;
  storage: Record<string, number>;
}

export interface CheckoutCost {
  lines: number;
  start: WorkCount;
  complete: WorkCount;
}

export interface RoundTripReport {
  passed: boolean;
  costs: CheckoutCost[];
  error?: string;
}

export function measureRoundTrips(): RoundTripReport {
  const { tests, error } = runCountingTest(ROUND_TRIP_TEST);
  if (error) return { passed: false, costs: [], error };
  const costs: CheckoutCost[] = tests.map((t: any) => t.meta?.checkoutCost).filter(Boolean);
  const failed = failures(tests);
  return {
    passed: failed.length === 0 && tests.length > 0,
    costs: costs.sort((a, b) => a.lines - b.lines),
    error: failed.length ? failed.join("\n") : undefined,
  };
}

export const DROP_COST_TEST = "test/integration/d1-drop-budget.test.ts";

export interface DropCost {
  shoppers: number;
  units: number;
  orders: number;
  refused: number;
  perOrder: { d1RoundTrips: number; d1Statements: number; checkoutRoundTrips: number };
  perRefused: { d1RoundTrips: number; d1Statements: number };
  /** The refusals' cost in the first second: an isolate learning "sold out" once. */
  refusalsOnce?: { d1RoundTrips: number; d1Statements: number };
  /** The refusals' cost in each later second: one re-read per variant and isolate. */
  refusalsPerSecond?: { d1RoundTrips: number; d1Statements: number };
}

export interface DropCostReport {
  source: string;
  passed: boolean;
  cost: DropCost | null;
  error?: string;
}

/** D1 round trips and statements per refused shopper and per order of a drop, as the drop budget test counts them. */
export function measureDropCost(): DropCostReport {
  const { tests, error } = runCountingTest(DROP_COST_TEST);
  if (error) return { source: DROP_COST_TEST, passed: false, cost: null, error };
  const cost: DropCost | null = tests.map((t: any) => t.meta?.dropCost).find(Boolean) ?? null;
  const failed = failures(tests);
  return { source: DROP_COST_TEST, passed: failed.length === 0 && cost !== null, cost, error: failed.length ? failed.join("\n") : undefined };
}

const failures = (tests: any[]) => tests.filter((t: any) => t.status !== "passed").map((t: any) => `${t.title}: ${t.failureMessages.join(" ").slice(0, 300)}`);

/** Runs one counting test file and returns its tests from vitest's JSON report. */
function runCountingTest(file: string): { tests: any[]; error?: string } {
  const dir = mkdtempSync(path.join(tmpdir(), "edge-checkout-round-trips-"));
  const outputFile = path.join(dir, "report.json");
  try {
    const run = spawnSync(path.join(ROOT, "node_modules", ".bin", "vitest"), ["run", file, "--reporter=json", `--outputFile=${outputFile}`], {
      cwd: ROOT,
      env: baseEnv(),
      encoding: "utf8",
      timeout: 180_000,
    });
    let report: any;
    try {
      report = JSON.parse(readFileSync(outputFile, "utf8"));
    } catch {
      return { tests: [], error: `vitest wrote no report (exit ${run.status}):\n${(run.stdout + run.stderr).slice(-2_000)}` };
    }
    return { tests: report.testResults.flatMap((f: any) => f.assertionResults) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
