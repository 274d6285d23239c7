/**
 * The D1 budget of a drop: shoppers for a few units, each creating a cart, adding the
 * line, starting and completing. A winner keeps the checkout's 6 round trips; a refused
 * shopper costs at most 0.1 round trips and 1 statement on average (the one refusal that
 * learns "sold out", and one re-read a second per variant, spread over everyone else).
 * Counted, not timed, so the suite enforces it; the knowledge's clocks stand still unless
 * the test moves them, so the count is deterministic. `npm run bench` reads the figures
 * from this test's `meta`.
 *
 * The refused shopper's cart-object budget too: every call into an object is a second
 * runtime invocation behind the Worker's (locally about one and a half pings of CPU, a
 * fresh object more) and every stored write a commit of the object's storage, so these
 * are what a refusal's server CPU is made of beyond the four requests themselves. A
 * change that adds an object call, a storage write or an alarm to the refusal path fails.
 */
import { describe, expect, it } from "vitest";
import { CartObject } from "../../src/cart/cart-object";
import { catalogCache } from "../../src/db/catalog-cache";
import { availabilityCache, SOLD_OUT_MAX_AGE_MS } from "../../src/inventory/availability-cache";
import { addLine, call, completeCheckout, createCart, createProduct, startCheckout, stockOf } from "../support/api";
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
/** A refused shopper's cart-object storage writes (was 11 and an alarm: keys kept "in progress" in storage, and an alarm per new cart). */
const STORAGE_WRITES_PER_REFUSED = 7;

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

/** The object's RPC methods a storefront request can reach. */
const ENTRY_POINTS = [
  "create",
  "getCart",
  "addLine",
  "updateLine",
  "removeLine",
  "clearLines",
  "applyDiscount",
  "removeDiscount",
  "updateCart",
  "owns",
  "startCheckout",
  "completeCheckout",
  "checkoutStatus",
  "cancelCheckout",
] as const;

/** Counts calls into any cart object while `fn` runs (the objects run in the tests' isolate). */
async function countObjectCalls<T>(fn: () => Promise<T>): Promise<{ result: T; calls: Record<string, number> }> {
  const proto = CartObject.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  const calls: Record<string, number> = {};
  const originals = ENTRY_POINTS.map((name) => [name, proto[name]!] as const);
  for (const [name, original] of originals) {
    proto[name] = function (this: unknown, ...args: unknown[]) {
      calls[name] = (calls[name] ?? 0) + 1;
      return original.apply(this, args);
    };
  }
  try {
    return { result: await fn(), calls };
  } finally {
    for (const [name, original] of originals) proto[name] = original;
  }
}

describe("cart-object budget of a drop's refused shopper", () => {
  it("one object call per request, and only the writes the cart and its Idempotency-Keys need", async () => {
    const [variant] = await createProduct([{ stock: 1 }], "Drop object budget");
    // The one unit goes to a first shopper; the isolate then knows the variant is sold out.
    const winner = await createCart({ currency: "USD", country: "US", email: "winner@example.com" });
    expect((await addLine(winner, variant!, 1)).status).toBe(200);
    expect((await completeCheckout(winner)).status).toBe(201);
    const probe = await createCart({ currency: "USD", country: "US", email: "probe@example.com" });
    await addLine(probe, variant!, 1);
    expect((await startCheckout(probe)).status).toBe(409);

    // As the typed client and the benchmark's shoppers do: every POST with its own Idempotency-Key.
    const key = () => ({ "idempotency-key": crypto.randomUUID() });
    const shopper = async (i: number) => {
      const cart = await createCart({ currency: "USD", country: "US", email: `refused${i}@example.com` }, key());
      const added = await call("POST", `/v1/carts/${cart.id}/lines`, { headers: { ...cart.auth, ...key() }, body: { variant_id: variant, quantity: 1 } });
      expect(added.status).toBe(200);
      const started = await startCheckout(cart, {}, key());
      const completed = await completeCheckout(cart, "tok_visa", key());
      expect([started.status, completed.status]).toEqual([409, 409]);
      expect(completed.body.error.code).toBe("insufficient_stock");
    };
    const refusalsBefore = availabilityCache.stats.refusals;
    const { result: work, calls } = await countObjectCalls(() => countWork(cartObject(probe), () => shopper(1)));
    // Refused from the isolate's sold-out knowledge, twice (start, and complete's own start).
    expect(availabilityCache.stats.refusals - refusalsBefore).toBe(2);
    expect(calls).toEqual({ create: 1, addLine: 1, startCheckout: 1, completeCheckout: 1 });
    expect(work.count.d1RoundTrips).toBe(0);
    // Stored writes: the cart twice (created, its line), each request's answer under its
    // key, and the first key's expiry; a running request is kept in memory, not storage.
    const { put, delete: deleted, alarm } = work.count.storage;
    expect({ writes: put + deleted, alarm }).toEqual({ writes: STORAGE_WRITES_PER_REFUSED, alarm: 0 });
  });
});
