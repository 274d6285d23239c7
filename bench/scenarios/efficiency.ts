/**
 * efficiency: how much of the runtime's request capacity checkouts turn into work —
 * (checkouts/s × HTTP requests per checkout) ÷ baseline requests/s. 100% would mean a
 * checkout request costs no more than a no-op; the gap is D1, the cart object and the
 * saga's own work.
 */
import type { ScenarioResult } from "../lib/scenario.ts";
import { REQUESTS_PER_CHECKOUT } from "./checkout.ts";

export function efficiency(results: ScenarioResult[]): ScenarioResult {
  const baselineRps = results.find((r) => r.name === "baseline")?.figures.requests_per_second as number | undefined;
  const checkoutsPerSecond = results.find((r) => r.name === "checkout")?.figures.checkouts_per_second as number | undefined;
  const empty = { requests: 0, statuses: {}, serverErrors: 0, networkErrors: 0, devServerDrops: 0 };
  if (!baselineRps || checkoutsPerSecond === undefined) {
    return {
      name: "efficiency",
      figures: {},
      rows: [{ scenario: "efficiency", measure: "n/a", note: "needs baseline and checkout" }],
      http: empty,
      failures: ["efficiency needs the baseline and checkout figures"],
    };
  }
  const ratio = (checkoutsPerSecond * REQUESTS_PER_CHECKOUT) / baselineRps;
  return {
    name: "efficiency",
    figures: { checkouts_per_second: checkoutsPerSecond, requests_per_checkout: REQUESTS_PER_CHECKOUT, baseline_requests_per_second: baselineRps, ratio },
    rows: [
      {
        scenario: "efficiency",
        measure: "checkout req/s ÷ baseline req/s",
        rate: `${(ratio * 100).toFixed(1)} %`,
        note: `(${checkoutsPerSecond.toFixed(1)} checkouts/s × ${REQUESTS_PER_CHECKOUT}) ÷ ${Math.round(baselineRps)} req/s`,
      },
    ],
    http: empty,
    failures: [],
  };
}
