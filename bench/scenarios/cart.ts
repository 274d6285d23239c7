/**
 * cart: shoppers reading their carts and adding lines, alternately. Each read and add
 * goes through the cart object and one catalog read in D1 (live prices), so this is the
 * storefront's everyday load. A cart is replaced after a while so carts stay the size
 * real ones have (up to 10 lines).
 */
import { runClosedLoop } from "../lib/closed-loop.ts";
import { BenchClient } from "../lib/http-client.ts";
import { commonFailures, cpuPer, perSecond, tally, type BenchContext, type ScenarioResult } from "../lib/scenario.ts";
import { addLine, createVariants, now, readCart, shopperWith, type Shopper } from "../lib/storefront.ts";

const USERS = 16;
const VARIANTS = 10;
const ADDS_PER_CART = 100;

export async function cart(ctx: BenchContext): Promise<ScenarioResult> {
  const client = new BenchClient(ctx.url, USERS);
  try {
    const variants = await createVariants(
      client,
      ctx.adminToken,
      Array.from({ length: VARIANTS }, () => 1_000_000),
      "Cart bench",
    );
    const carts: Array<{ shopper: Shopper; adds: number }> = [];
    for (let i = 0; i < USERS; i++) carts.push({ shopper: await shopperWith(client, [[variants[i % VARIANTS]!, 1]]), adds: 0 });

    const rec = await runClosedLoop(
      USERS,
      ctx.window("cart"),
      async (user, rec) => {
        const mine = carts[user]!;
        if (mine.adds >= ADDS_PER_CART) carts[user] = { shopper: await shopperWith(client, [[variants[user % VARIANTS]!, 1]]), adds: 0 };
        const { shopper } = carts[user]!;
        let started = now();
        const read = await readCart(client, shopper);
        rec.latency("read", started, read.ms);
        rec.done("read", started);
        started = now();
        const added = await addLine(client, shopper, variants[(user + carts[user]!.adds++) % VARIANTS]!, 1);
        rec.latency("add", started, added.ms);
        rec.done("add", started);
      },
      ctx.serverCpu,
    );
    const cpu = cpuPer(rec.serverCpuMs, rec.count("read") + rec.count("add"));
    const reads = rec.histogram("read").summary();
    const adds = rec.histogram("add").summary();
    const http = tally(client);
    return {
      name: "cart",
      figures: {
        users: USERS,
        reads_per_second: rec.rate("read"),
        adds_per_second: rec.rate("add"),
        requests_per_second: rec.rate("read") + rec.rate("add"),
        read_latency_ms: reads,
        add_latency_ms: adds,
        server_cpu_ms_per_request: cpu,
      },
      rows: [
        {
          scenario: "cart",
          measure: "GET /v1/carts/{id} (read)",
          rate: perSecond(rec.rate("read"), "req/s"),
          latency: reads,
          note: `${USERS} shoppers, reads and adds alternate`,
        },
        {
          scenario: "cart",
          measure: "POST /v1/carts/{id}/lines (add)",
          rate: perSecond(rec.rate("add"), "req/s"),
          latency: adds,
          note: `together ${perSecond(rec.rate("read") + rec.rate("add"), "req/s")}; server CPU ${cpu ?? "n/a"} ms/req`,
        },
      ],
      http,
      failures: [
        ...commonFailures(http, rec.failures, rec.failureMessages),
        ...(rec.count("add") === 0 ? ["no cart request finished inside the measured window"] : []),
      ],
    };
  } finally {
    client.close();
  }
}
