/**
 * The D1 budget of a drop: shoppers for a few units, each creating a cart, adding the
 * line, starting and completing. A winner keeps the checkout's 6 round trips; a refused
 * shopper costs at most 0.1 round trips and 1 statement on average (the one refusal that
 * learns "sold out", and one re-read a second per variant, spread over everyone else).
 * Counted, not timed, so the suite enforces it; the knowledge's clocks stand still unless
 * the test moves them, so the count is deterministic. `npm run bench` reads the figures
 * from this test's `meta`.
 */
import { describe, expect, it } from "vitest";
import { catalogCache } from "../../src/db/catalog-cache";
import { availabilityCache, SOLD_OUT_MAX_AGE_MS } from "../../src/inventory/availability-cache";
import { addLine, completeCheckout, createCart, createProduct, startCheckout, stockOf } from "../support/api";
import { countWork, type WorkCount } from "../support/d1-counter";
import { expectInvariants } from "../support/invariants";
import { cartObject } from "../support/saga";

interface DropCost {
  shoppers: number;
  units: number;
  orders: number;
  refused: number;
  perOrder: { d1RoundTrips: number; d1Statements: number; checkoutRoundTrips: number };
  perRefused: { d1RoundTrips: number; d1Statements: number };
  /** What the refusals of the first second cost in all (an isolate learning "sold out" once). */
  refusalsOnce: { d1RoundTrips: number; d1Statements: number };
  /** What the refusals of each later second cost in all (one re-read of the knowledge). */
  refusalsPerSecond: { d1RoundTrips: number; d1Statements: number };
}

declare module "vitest" {
  interface TaskMeta {
    dropCost?: DropCost;
  }
}

const SHOPPERS = 40;
const UNITS = 2;
const CHECKOUT_BUDGET = 6;
const REFUSED_ROUND_TRIPS = 0.1;
const REFUSED_STATEMENTS = 1;

let clockMs = Date.now();
availabilityCache.clock = () => clockMs;
catalogCache.clock = () => clockMs;

type D1Cost = Pick<WorkCount, "d1RoundTrips" | "d1Statements">;
const add = (a: D1Cost, b: D1Cost): D1Cost => ({ d1RoundTrips: a.d1RoundTrips + b.d1RoundTrips, d1Statements: a.d1Statements + b.d1Statements });

describe("D1 budget of a drop", () => {
  it(`${SHOPPERS} shoppers for ${UNITS} units: winners within ${CHECKOUT_BUDGET} round trips, refusals under ${REFUSED_ROUND_TRIPS} round trips and ${REFUSED_STATEMENTS} statement each`, async ({
    task,
  }) => {
    const [variant] = await createProduct([{ stock: UNITS }], "Drop");
    const winners: Array<{ d1RoundTrips: number; d1Statements: number; checkout: number }> = [];
    const refused = { shoppers: 0, d1RoundTrips: 0, d1Statements: 0 };
    // The refusals' D1 cost in the first second and in the second one.
    const bySecond: D1Cost[] = [
      { d1RoundTrips: 0, d1Statements: 0 },
      { d1RoundTrips: 0, d1Statements: 0 },
    ];
    for (let i = 0; i < SHOPPERS; i++) {
      // Halfway, a second passes: the sold-out knowledge is re-read once, then trusted again.
      if (i === SHOPPERS / 2) clockMs += SOLD_OUT_MAX_AGE_MS + 1;
      const created = await createCart({ currency: "USD", country: "US", email: `shopper${i}@example.com` });
      const stub = cartObject(created);
      const added = await countWork(stub, () => addLine(created, variant!, 1));
      expect(added.result.status).toBe(200);
      const started = await countWork(stub, () => startCheckout(created));
      const completed = await countWork(stub, () => completeCheckout(created));
      const total = add(add(added.count, started.count), completed.count);
      if (completed.result.status === 201) {
        winners.push({ ...total, checkout: started.count.d1RoundTrips + completed.count.d1RoundTrips });
      } else {
        expect([started.result.status, completed.result.status]).toEqual([409, 409]);
        expect(completed.result.body.error.code).toBe("insufficient_stock");
        refused.shoppers++;
        refused.d1RoundTrips += total.d1RoundTrips;
        refused.d1Statements += total.d1Statements;
        const second = i < SHOPPERS / 2 ? 0 : 1;
        bySecond[second] = add(bySecond[second]!, total);
      }
    }
    expect(winners).toHaveLength(UNITS);
    expect(refused.shoppers).toBe(SHOPPERS - UNITS);
    for (const w of winners) expect(w.checkout).toBeLessThanOrEqual(CHECKOUT_BUDGET);
    const perRefused = { d1RoundTrips: refused.d1RoundTrips / refused.shoppers, d1Statements: refused.d1Statements / refused.shoppers };
    expect(perRefused.d1RoundTrips).toBeLessThanOrEqual(REFUSED_ROUND_TRIPS);
    expect(perRefused.d1Statements).toBeLessThanOrEqual(REFUSED_STATEMENTS);
    // A later second costs the one re-read, whatever the number of shoppers in it.
    expect(bySecond[1]).toEqual({ d1RoundTrips: 1, d1Statements: 1 });
    const mean = (pick: (w: (typeof winners)[number]) => number) => winners.reduce((s, w) => s + pick(w), 0) / winners.length;
    task.meta.dropCost = {
      shoppers: SHOPPERS,
      units: UNITS,
      orders: winners.length,
      refused: refused.shoppers,
      perOrder: { d1RoundTrips: mean((w) => w.d1RoundTrips), d1Statements: mean((w) => w.d1Statements), checkoutRoundTrips: mean((w) => w.checkout) },
      perRefused,
      refusalsOnce: bySecond[0]!,
      refusalsPerSecond: bySecond[1]!,
    };
    expect(await stockOf(variant!)).toMatchObject({ on_hand: 0, reserved: 0 });
    await expectInvariants();
  });
});
