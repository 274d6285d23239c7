/** What every scenario gets and gives back, so run.ts can tabulate and judge them alike. */
import type { LatencySummary } from "./latency-histogram.ts";
import type { BenchClient } from "./http-client.ts";
import type { LoopWindow } from "./closed-loop.ts";

export interface BenchContext {
  url: string;
  adminToken: string;
  quick: boolean;
  /** Warm-up and measured time of a timed scenario. */
  window(scenario: string): LoopWindow;
  log(message: string): void;
  /** Reads the server's CPU time so far (ms); null where it cannot be read. */
  serverCpu: (() => number) | null;
}

/** One line of the printed table. */
export interface TableRow {
  scenario: string;
  measure: string;
  /** Throughput, already formatted with its unit ("812 req/s"). */
  rate?: string;
  latency?: LatencySummary;
  note?: string;
}

export interface HttpTally {
  requests: number;
  statuses: Record<string, number>;
  serverErrors: number;
  networkErrors: number;
  /** Dev-proxy connection drops retried with the same Idempotency-Key (see http-client.ts). */
  devServerDrops: number;
}

export interface ScenarioResult {
  name: string;
  /** Every figure, for bench/results/latest.json. */
  figures: Record<string, unknown>;
  rows: TableRow[];
  http: HttpTally;
  /** Why this scenario fails the run (5xx, a wrong order count, ...); empty when it passed. */
  failures: string[];
}

export function tally(...clients: BenchClient[]): HttpTally {
  const statuses: Record<string, number> = {};
  let requests = 0;
  let serverErrors = 0;
  let networkErrors = 0;
  let devServerDrops = 0;
  for (const c of clients) {
    devServerDrops += c.devServerDrops;
    requests += c.requests;
    serverErrors += c.serverErrors;
    networkErrors += c.networkErrors;
    for (const [status, n] of c.statuses) statuses[status] = (statuses[status] ?? 0) + n;
  }
  return { requests, statuses, serverErrors, networkErrors, devServerDrops };
}

/** The failures every scenario shares: any 5xx, any dropped connection, any failed step. */
export function commonFailures(http: HttpTally, failedIterations = 0, messages: string[] = []): string[] {
  const failures: string[] = [];
  if (http.serverErrors > 0) failures.push(`${http.serverErrors} answers were 5xx`);
  if (http.networkErrors > 0) failures.push(`${http.networkErrors} requests got no answer`);
  if (failedIterations > 0) failures.push(`${failedIterations} iterations failed: ${messages.join(" / ")}`);
  return failures;
}

/** CPU milliseconds per unit, rounded for the table; null when unknown. */
export function cpuPer(cpuMs: number | null, units: number): number | null {
  return cpuMs === null || units === 0 ? null : Math.round((cpuMs / units) * 100) / 100;
}

export const perSecond = (n: number, unit: string) => `${n >= 100 ? Math.round(n).toLocaleString("en-US") : n.toFixed(1)} ${unit}`;
