/**
 * baseline: `GET /v1/ping`, a route that touches neither D1 nor a Durable Object — the
 * runtime's own requests/s ceiling on this machine (router and middleware included),
 * measured in the same run with the same client as everything else.
 */
import { runClosedLoop } from "../lib/closed-loop.ts";
import { BenchClient } from "../lib/http-client.ts";
import { commonFailures, cpuPer, perSecond, tally, type BenchContext, type ScenarioResult } from "../lib/scenario.ts";
import { expectStatus, now } from "../lib/storefront.ts";

export const BASELINE_USERS = 16;

export async function baseline(ctx: BenchContext): Promise<ScenarioResult> {
  const client = new BenchClient(ctx.url, BASELINE_USERS);
  try {
    const rec = await runClosedLoop(
      BASELINE_USERS,
      ctx.window("baseline"),
      async (_user, rec) => {
        const started = now();
        const res = expectStatus("ping", await client.request("GET", "/v1/ping"), 204);
        rec.latency("ping", started, res.ms);
        rec.done("ping", started);
      },
      ctx.serverCpu,
    );
    const cpu = cpuPer(rec.serverCpuMs, rec.count("ping"));
    const rps = rec.rate("ping");
    const latency = rec.histogram("ping").summary();
    const http = tally(client);
    return {
      name: "baseline",
      figures: { users: BASELINE_USERS, requests_per_second: rps, latency_ms: latency, server_cpu_ms_per_request: cpu },
      rows: [
        {
          scenario: "baseline",
          measure: "GET /v1/ping (no D1, no object)",
          rate: perSecond(rps, "req/s"),
          latency,
          note: `${BASELINE_USERS} connections; server CPU ${cpu ?? "n/a"} ms/req`,
        },
      ],
      http,
      failures: commonFailures(http, rec.failures, rec.failureMessages),
    };
  } finally {
    client.close();
  }
}
