/**
 * flash-sale: 1,000 shoppers, 32 at a time, race for the 100 units of one variant.
 * Every shopper already holds a cart with one unit (set up first, not timed); the race
 * is start + complete. Exactly 100 must get an order and every other shopper a
 * `409 insufficient_stock`, or the run fails; afterwards the variant must show 0 on
 * hand and nothing left reserved.
 */
import { LatencyHistogram } from "../lib/latency-histogram.ts";
import { runPool } from "../lib/closed-loop.ts";
import { BenchClient } from "../lib/http-client.ts";
import { commonFailures, cpuPer, tally, type BenchContext, type ScenarioResult } from "../lib/scenario.ts";
import { completeCheckout, createVariants, now, readStock, shopperWith, startCheckout, type Shopper } from "../lib/storefront.ts";

const SHOPPERS = 1_000;
const CONCURRENCY = 32;
const UNITS = 100;

export async function flashSale(ctx: BenchContext): Promise<ScenarioResult> {
  const client = new BenchClient(ctx.url, CONCURRENCY);
  try {
    const [variant] = await createVariants(client, ctx.adminToken, [UNITS], "Flash sale");
    const shoppers: Shopper[] = new Array(SHOPPERS);
    const setupStarted = now();
    await runPool(shoppers, CONCURRENCY, async (_, i) => {
      shoppers[i] = await shopperWith(client, [[variant!, 1]]);
    });
    ctx.log(`  ${SHOPPERS} carts ready in ${((now() - setupStarted) / 1000).toFixed(1)} s; racing`);

    const attempt = new LatencyHistogram();
    const start = new LatencyHistogram();
    const complete = new LatencyHistogram();
    let orders = 0;
    let refused = 0;
    let soldOutMs = 0;
    const unexpected: string[] = [];
    const cpuBefore = ctx.serverCpu?.() ?? null;
    const raceStarted = now();
    await runPool(shoppers, CONCURRENCY, async (shopper) => {
      const began = now();
      try {
        const started = await startCheckout(client, shopper, 409);
        start.record(started.ms);
        if (started.status === 409) {
          if (started.body?.error?.code !== "insufficient_stock") throw new Error(`409 ${started.body?.error?.code}`);
          refused++;
        } else {
          const completed = await completeCheckout(client, shopper);
          complete.record(completed.ms);
          if (++orders === UNITS) soldOutMs = now() - raceStarted;
        }
      } catch (error) {
        unexpected.push(error instanceof Error ? error.message : String(error));
      }
      attempt.record(now() - began);
    });
    const raceMs = now() - raceStarted;
    const cpu = cpuBefore === null ? null : cpuPer(ctx.serverCpu!() - cpuBefore, SHOPPERS);
    const stock = await readStock(client, ctx.adminToken, variant!);

    const http = tally(client);
    const failures = commonFailures(http, unexpected.length, unexpected.slice(0, 5));
    if (orders !== UNITS) failures.push(`${orders} orders for ${UNITS} units (must be exactly ${UNITS})`);
    if (refused !== SHOPPERS - UNITS) failures.push(`${refused} shoppers refused with insufficient_stock (expected ${SHOPPERS - UNITS})`);
    if (stock.on_hand !== 0 || stock.reserved !== 0)
      failures.push(`stock after the sale: on_hand ${stock.on_hand}, reserved ${stock.reserved} (expected 0 and 0)`);
    const attemptLatency = attempt.summary();
    return {
      name: "flash-sale",
      figures: {
        shoppers: SHOPPERS,
        concurrency: CONCURRENCY,
        units: UNITS,
        orders,
        refused_insufficient_stock: refused,
        sold_out_ms: Math.round(soldOutMs),
        race_ms: Math.round(raceMs),
        stock_after: stock,
        attempt_latency_ms: attemptLatency,
        start_latency_ms: start.summary(),
        complete_latency_ms: complete.summary(),
        server_cpu_ms_per_shopper: cpu,
      },
      rows: [
        {
          scenario: "flash-sale",
          measure: `${SHOPPERS} shoppers race for ${UNITS} units`,
          rate: `sold out in ${(soldOutMs / 1000).toFixed(2)} s`,
          latency: attemptLatency,
          note: `${orders} orders, ${refused} × 409 insufficient_stock; all ${SHOPPERS} answered in ${(raceMs / 1000).toFixed(2)} s; server CPU ${cpu ?? "n/a"} ms/shopper`,
        },
      ],
      http,
      failures,
    };
  } finally {
    client.close();
  }
}
