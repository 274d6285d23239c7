/**
 * checkout: 16 shoppers, each on its own variant (no stock contention: this measures
 * the saga, not a race), doing full checkouts back to back for a fixed time — create a
 * cart, add a line, start (phases 1–3), complete (phases 4–7).
 */
import { runClosedLoop } from "../lib/closed-loop.ts";
import { BenchClient } from "../lib/http-client.ts";
import { commonFailures, cpuPer, perSecond, tally, type BenchContext, type ScenarioResult } from "../lib/scenario.ts";
import { addLine, completeCheckout, createCart, createVariants, now, startCheckout } from "../lib/storefront.ts";

export const CHECKOUT_SHOPPERS = 16;
/** create cart, add line, start, complete. */
export const REQUESTS_PER_CHECKOUT = 4;

export async function checkout(ctx: BenchContext): Promise<ScenarioResult> {
  const client = new BenchClient(ctx.url, CHECKOUT_SHOPPERS);
  try {
    const variants = await createVariants(
      client,
      ctx.adminToken,
      Array.from({ length: CHECKOUT_SHOPPERS }, () => 1_000_000),
      "Checkout bench",
    );
    const rec = await runClosedLoop(
      CHECKOUT_SHOPPERS,
      ctx.window("checkout"),
      async (user, rec) => {
        const began = now();
        const { shopper, result: created } = await createCart(client);
        rec.latency("create", began, created.ms);
        let t = now();
        const added = await addLine(client, shopper, variants[user]!, 1);
        rec.latency("add", t, added.ms);
        t = now();
        const started = await startCheckout(client, shopper);
        rec.latency("start", t, started.ms);
        t = now();
        const completed = await completeCheckout(client, shopper);
        rec.latency("complete", t, completed.ms);
        rec.latency("full", began, now() - began);
        rec.done("checkout", began);
      },
      ctx.serverCpu,
    );
    const cpu = cpuPer(rec.serverCpuMs, rec.count("checkout"));
    const start = rec.histogram("start").summary();
    const complete = rec.histogram("complete").summary();
    const full = rec.histogram("full").summary();
    const http = tally(client);
    const rate = rec.rate("checkout");
    return {
      name: "checkout",
      figures: {
        shoppers: CHECKOUT_SHOPPERS,
        checkouts_per_second: rate,
        requests_per_checkout: REQUESTS_PER_CHECKOUT,
        start_latency_ms: start,
        complete_latency_ms: complete,
        create_cart_latency_ms: rec.histogram("create").summary(),
        add_line_latency_ms: rec.histogram("add").summary(),
        full_checkout_latency_ms: full,
        server_cpu_ms_per_checkout: cpu,
      },
      rows: [
        {
          scenario: "checkout",
          measure: "full checkouts (4 requests each)",
          rate: perSecond(rate, "checkouts/s"),
          latency: full,
          note: `${CHECKOUT_SHOPPERS} shoppers, distinct variants; server CPU ${cpu ?? "n/a"} ms/checkout`,
        },
        { scenario: "checkout", measure: "POST …/checkout (start, phases 1–3)", latency: start },
        { scenario: "checkout", measure: "POST …/checkout/complete (phases 4–7)", latency: complete },
      ],
      http,
      failures: [
        ...commonFailures(http, rec.failures, rec.failureMessages),
        ...(rec.count("checkout") === 0 ? ["no checkout finished inside the measured window"] : []),
      ],
    };
  } finally {
    client.close();
  }
}
