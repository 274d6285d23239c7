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
  const dir = mkdtempSync(path.join(tmpdir(), "edge-checkout-round-trips-"));
  const outputFile = path.join(dir, "report.json");
  try {
    const run = spawnSync(path.join(ROOT, "node_modules", ".bin", "vitest"), ["run", ROUND_TRIP_TEST, "--reporter=json", `--outputFile=${outputFile}`], {
      cwd: ROOT,
      env: baseEnv(),
      encoding: "utf8",
      timeout: 180_000,
    });
    let report: any;
    try {
      report = JSON.parse(readFileSync(outputFile, "utf8"));
    } catch {
      return { passed: false, costs: [], error: `vitest wrote no report (exit ${run.status}):\n${(run.stdout + run.stderr).slice(-2_000)}` };
    }
    const tests = report.testResults.flatMap((file: any) => file.assertionResults);
    const costs: CheckoutCost[] = tests.map((t: any) => t.meta?.checkoutCost).filter(Boolean);
    const failed = tests.filter((t: any) => t.status !== "passed").map((t: any) => `${t.title}: ${t.failureMessages.join(" ").slice(0, 300)}`);
    return { passed: failed.length === 0 && tests.length > 0, costs: costs.sort((a, b) => a.lines - b.lines), error: failed.length ? failed.join("\n") : undefined };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
