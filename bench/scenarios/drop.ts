/**
 * drop: 10,000 shoppers, 64 at a time, for the 100 units of one variant. Each shopper
 * does everything a drop's shopper does: create a cart, add the line, start checkout and
 * complete it (a refused start is followed by the complete all the same, as an impatient
 * storefront would send). Exactly 100 must get an order and every other shopper a
 * `409 insufficient_stock`, with no 5xx and nothing left reserved, or the run fails.
 *
 * Reports the time to sell out and until every shopper was answered, the server's CPU
 * per shopper as a multiple of the same run's `GET /v1/ping`, the D1 round trips and
 * statements per refused shopper and per order (counted by the drop budget test, like
 * the checkout's round trips), and what a production drop would ask of D1.
 */
import { LatencyHistogram } from "../lib/latency-histogram.ts";
import { runPool } from "../lib/closed-loop.ts";
import { BenchClient } from "../lib/http-client.ts";
import type { DropCost, DropCostReport } from "../lib/round-trip-report.ts";
import { commonFailures, cpuPer, tally, type BenchContext, type ScenarioResult } from "../lib/scenario.ts";
import { createVariants, dropShopper, now, readStock } from "../lib/storefront.ts";

export const DROP_DEFAULTS = { shoppers: 10_000, units: 100, concurrency: 64 };
/**
 * The production drop the projection is for, and the D1 ceiling it is held against. A
 * refusal's D1 cost does not grow with the shoppers: each isolate pays once to learn the
 * variant is sold out, then one re-read a second; so the projection needs how many
 * isolates serve the drop. 200 is an assumption (Cloudflare runs a Worker in many
 * locations, several isolates each), not a measurement; the report says what one more adds.
 */
const PRODUCTION = { shoppers: 100_000, seconds: 10, isolates: 200, d1QueriesPerSecond: 1_000 };

/**
 * D1 statements per second of the production drop: the orders' and the isolates' one-off
 * costs spread over its seconds, plus the isolates' re-read every second. Falls back to
 * "every refused shopper at the mean cost" when the counts by second are missing.
 */
export function projectedStatementsPerSecond(cost: DropCost, units: number, production = PRODUCTION): { total: number; perIsolate: number } {
  const orders = units * cost.perOrder.d1Statements;
  if (!cost.refusalsOnce || !cost.refusalsPerSecond) {
    return { total: Math.round(((production.shoppers - units) * cost.perRefused.d1Statements + orders) / production.seconds), perIsolate: 0 };
  }
  const perIsolate = cost.refusalsOnce.d1Statements / production.seconds + cost.refusalsPerSecond.d1Statements;
  return { total: Math.round(orders / production.seconds + production.isolates * perIsolate), perIsolate: Math.round(perIsolate * 10) / 10 };
}

export async function drop(
  ctx: BenchContext,
  options: { shoppers: number; units: number; pingCpuMs: number | null; costs: DropCostReport },
): Promise<ScenarioResult> {
  const { shoppers, units } = options;
  const concurrency = DROP_DEFAULTS.concurrency;
  const client = new BenchClient(ctx.url, concurrency);
  try {
    const [variant] = await createVariants(client, ctx.adminToken, [units], "Drop");
    const shopper = new LatencyHistogram();
    let orders = 0;
    let refused = 0;
    let soldOutMs = 0;
    const unexpected: string[] = [];
    const cpuBefore = ctx.serverCpu?.() ?? null;
    const began = now();
    await runPool(new Array<null>(shoppers).fill(null), concurrency, async () => {
      const started = now();
      try {
        if ((await dropShopper(client, variant!)) === "order") {
          if (++orders === units) soldOutMs = now() - began;
        } else refused++;
      } catch (error) {
        unexpected.push(error instanceof Error ? error.message : String(error));
      }
      shopper.record(now() - started);
    });
    const answeredMs = now() - began;
    const cpu = cpuBefore === null ? null : cpuPer(ctx.serverCpu!() - cpuBefore, shoppers);
    const pings = cpu === null || !options.pingCpuMs ? null : Math.round((cpu / options.pingCpuMs) * 10) / 10;
    const stock = await readStock(client, ctx.adminToken, variant!);

    const http = tally(client);
    const failures = commonFailures(http, unexpected.length, unexpected.slice(0, 5));
    if (orders !== units) failures.push(`${orders} orders for ${units} units (must be exactly ${units})`);
    if (refused !== shoppers - units) failures.push(`${refused} shoppers refused with insufficient_stock (expected ${shoppers - units})`);
    if (stock.on_hand !== 0 || stock.reserved !== 0)
      failures.push(`stock after the drop: on_hand ${stock.on_hand}, reserved ${stock.reserved} (expected 0 and 0)`);
    if (!options.costs.passed) failures.push(`the drop budget test failed: ${options.costs.error ?? "no figures"}`);

    const cost = options.costs.cost;
    const projection = cost ? projectedStatementsPerSecond(cost, units) : null;
    const projected = projection?.total ?? null;
    const latency = shopper.summary();
    return {
      name: "drop",
      figures: {
        shoppers,
        units,
        concurrency,
        orders,
        refused_insufficient_stock: refused,
        sold_out_ms: Math.round(soldOutMs),
        all_answered_ms: Math.round(answeredMs),
        stock_after: stock,
        shopper_latency_ms: latency,
        server_cpu_ms_per_shopper: cpu,
        server_cpu_pings_per_shopper: pings,
        d1_per_refused_shopper: cost?.perRefused ?? null,
        d1_per_order: cost?.perOrder ?? null,
        d1_counted_by: options.costs.source,
        production_projection: {
          ...PRODUCTION,
          units,
          d1_statements_per_second: projected,
          d1_statements_per_second_per_isolate: projection?.perIsolate ?? null,
        },
      },
      rows: [
        {
          scenario: "drop",
          measure: `${shoppers.toLocaleString("en-US")} shoppers for ${units} units (${concurrency} at a time)`,
          rate: `sold out in ${(soldOutMs / 1000).toFixed(2)} s`,
          latency,
          note: `${orders} orders, ${refused} × 409; all answered in ${(answeredMs / 1000).toFixed(1)} s; CPU ${cpu ?? "n/a"} ms/shopper = ${pings ?? "n/a"} pings`,
        },
        {
          scenario: "drop",
          measure: "D1 per refused shopper / per order",
          note: cost
            ? `${cost.perRefused.d1RoundTrips.toFixed(3)} round trips, ${cost.perRefused.d1Statements.toFixed(2)} statements / ${cost.perOrder.d1RoundTrips} round trips (${cost.perOrder.checkoutRoundTrips} for the checkout), ${cost.perOrder.d1Statements} statements`
            : "not counted",
        },
        {
          scenario: "drop",
          measure: `production: ${PRODUCTION.shoppers.toLocaleString("en-US")} shoppers in ${PRODUCTION.seconds} s`,
          note:
            projection === null
              ? "not counted"
              : `${projection.total.toLocaleString("en-US")} D1 statements/s with ${PRODUCTION.isolates} isolates (each adds ${projection.perIsolate}/s) against ~${PRODUCTION.d1QueriesPerSecond.toLocaleString("en-US")} queries/s`,
        },
      ],
      http,
      failures,
    };
  } finally {
    client.close();
  }
}
