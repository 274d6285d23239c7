/**
 * scaling: how checkout latency grows with the cart — 1, 10, 50 and 100 lines — next to
 * the D1 round trips and storage operations the same checkout costs (from the budget
 * test's instrumented count, see lib/round-trip-report.ts). Checkouts run one at a time,
 * so latency here is the work itself, not queueing.
 */
import { LatencyHistogram } from "../lib/latency-histogram.ts";
import { runPool } from "../lib/closed-loop.ts";
import { BenchClient } from "../lib/http-client.ts";
import type { RoundTripReport } from "../lib/round-trip-report.ts";
import { commonFailures, cpuPer, tally, type BenchContext, type ScenarioResult, type TableRow } from "../lib/scenario.ts";
import { completeCheckout, createVariants, now, shopperWith, startCheckout, type Shopper } from "../lib/storefront.ts";

const SIZES = [1, 10, 50, 100] as const;
const SETUP_CONCURRENCY = 4;

export async function scaling(ctx: BenchContext, roundTrips: RoundTripReport): Promise<ScenarioResult> {
  const samples = ctx.quick ? 2 : 6;
  const client = new BenchClient(ctx.url, SETUP_CONCURRENCY);
  const failures: string[] = [];
  try {
    const variants = await createVariants(
      client,
      ctx.adminToken,
      Array.from({ length: 100 }, () => 1_000_000),
      "Scaling bench",
    );
    const rows: TableRow[] = [];
    const figures: Record<string, unknown> = { samples_per_size: samples };
    for (const lines of SIZES) {
      const shoppers: Shopper[] = new Array(samples);
      await runPool(shoppers, SETUP_CONCURRENCY, async (_, i) => {
        shoppers[i] = await shopperWith(
          client,
          variants.slice(0, lines).map((v) => [v, 1] as [string, number]),
        );
      });
      const start = new LatencyHistogram();
      const complete = new LatencyHistogram();
      const full = new LatencyHistogram();
      const cpuBefore = ctx.serverCpu?.() ?? null;
      for (const shopper of shoppers) {
        const began = now();
        start.record((await startCheckout(client, shopper)).ms);
        complete.record((await completeCheckout(client, shopper)).ms);
        full.record(now() - began);
      }
      const cpu = cpuBefore === null ? null : cpuPer(ctx.serverCpu!() - cpuBefore, samples);
      const cost = roundTrips.costs.find((c) => c.lines === lines);
      const d1 = cost ? `${cost.start.d1RoundTrips} + ${cost.complete.d1RoundTrips} = ${cost.start.d1RoundTrips + cost.complete.d1RoundTrips}` : "n/a";
      const storage = cost ? cost.start.storageOps + cost.complete.storageOps : null;
      figures[`lines_${lines}`] = {
        start_latency_ms: start.summary(),
        complete_latency_ms: complete.summary(),
        checkout_latency_ms: full.summary(),
        server_cpu_ms_per_checkout: cpu,
        d1_round_trips: cost ? { start: cost.start.d1RoundTrips, complete: cost.complete.d1RoundTrips } : null,
        d1_statements: cost ? { start: cost.start.d1Statements, complete: cost.complete.d1Statements } : null,
        max_bound_parameters: cost ? Math.max(cost.start.maxBoundParameters, cost.complete.maxBoundParameters) : null,
        storage_ops: cost ? { start: cost.start.storage, complete: cost.complete.storage, total: storage } : null,
      };
      const s = start.summary();
      const c = complete.summary();
      rows.push({
        scenario: "scaling",
        measure: `${lines}-line cart: start + complete`,
        latency: full.summary(),
        note: `start p50 ${s.p50} ms, complete p50 ${c.p50} ms; D1 round trips ${d1}; storage ops ${storage ?? "n/a"}; server CPU ${cpu ?? "n/a"} ms/checkout`,
      });
    }
    if (!roundTrips.passed) failures.push(`the D1 round-trip budget test failed: ${roundTrips.error ?? "no report"}`);
    const http = tally(client);
    return { name: "scaling", figures, rows, http, failures: [...commonFailures(http), ...failures] };
  } finally {
    client.close();
  }
}
