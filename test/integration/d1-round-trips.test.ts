/**
 * The D1 round-trip budget of a checkout (issue 8): start + complete of a cart costs at
 * most 6 D1 round trips, and the same number whatever the cart holds — lines travel in
 * batches, never one query per line. D1 is the one shared writer of the whole store, so
 * this count is what bounds checkouts per second in production; it is deterministic, so
 * the suite enforces it (timings live in `npm run bench`).
 *
 * Each measurement is also put on the test's `meta`, which `npm run bench` reads from
 * vitest's JSON report for its scaling table.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { availabilityCache } from "../../src/inventory/availability-cache";
import { ADMIN, call, cartWith, completeCheckout, createProduct, startCheckout, stockOf, type TestCart } from "../support/api";
import { countWork, D1_MAX_BOUND_PARAMETERS, type WorkCount } from "../support/d1-counter";
import { expectInvariants } from "../support/invariants";

declare module "vitest" {
  interface TaskMeta {
    checkoutCost?: { lines: number; start: WorkCount; complete: WorkCount };
  }
}

/** start: catalog read + reservation batch; complete: authorize, order, capture, commit. */
const D1_BUDGET_PER_CHECKOUT = 6;
const CART_SIZES = [1, 10, 50, 100] as const;

async function cartOfLines(lines: number): Promise<{ cart: TestCart; variants: string[] }> {
  const variants = await createProduct(
    Array.from({ length: lines }, (_, i) => ({ prices: { USD: 500 + i }, stock: 50 })),
    `Budget ${lines}`,
  );
  const cart = await cartWith(variants.map((v) => [v, 2] as [string, number]));
  return { cart, variants };
}

const stubOf = (cart: TestCart) => env.CART.getByName(cart.id);

/**
 * One measured checkout per cart size, whichever test asks first: the per-size tests and
 * the comparison across sizes share it, in any order.
 */
const measured = new Map<number, Promise<{ variants: string[]; start: WorkCount; complete: WorkCount; lines: number }>>();
function measure(lines: number) {
  let run = measured.get(lines);
  if (!run) {
    run = (async () => {
      const { cart, variants } = await cartOfLines(lines);
      const start = await countWork(stubOf(cart), () => startCheckout(cart));
      expect(start.result.status).toBe(201);
      const complete = await countWork(stubOf(cart), () => completeCheckout(cart));
      expect(complete.result.status).toBe(201);
      expect(complete.result.body.order.lines).toHaveLength(lines);
      return { variants, start: start.count, complete: complete.count, lines };
    })();
    measured.set(lines, run);
  }
  return run;
}

describe("D1 round-trip budget of a checkout", () => {
  for (const lines of CART_SIZES) {
    it(`start + complete of a ${lines}-line cart takes at most ${D1_BUDGET_PER_CHECKOUT} D1 round trips`, async ({ task }) => {
      const { variants, start, complete } = await measure(lines);
      task.meta.checkoutCost = { lines, start, complete };

      // Start: one catalog read, one batch reserving stock and storing the quote.
      expect(start.d1RoundTrips).toBe(2);
      expect(start.d1RoundTrips + complete.d1RoundTrips).toBeLessThanOrEqual(D1_BUDGET_PER_CHECKOUT);
      // Every statement is counted: nothing went through a D1 session.
      expect(start.d1Sessions + complete.d1Sessions).toBe(0);
      // Production D1 refuses a statement with more bound parameters than this; local
      // SQLite does not, so only this count shows a 100-line cart would deploy.
      expect(Math.max(start.maxBoundParameters, complete.maxBoundParameters)).toBeLessThanOrEqual(D1_MAX_BOUND_PARAMETERS);

      // The checkout really happened: every line's stock was taken.
      expect(await stockOf(variants[0]!)).toMatchObject({ on_hand: 48, reserved: 0 });
      expect(await stockOf(variants.at(-1)!)).toMatchObject({ on_hand: 48, reserved: 0 });
    });
  }

  it("costs the same number of round trips and storage operations for 1 line as for 100", async () => {
    const runs = [];
    for (const lines of CART_SIZES) runs.push(await measure(lines));
    expect(new Set(runs.map((r) => r.start.d1RoundTrips + r.complete.d1RoundTrips)).size).toBe(1);
    expect(new Set(runs.map((r) => r.start.storageOps + r.complete.storageOps)).size).toBe(1);
  });

  it("keeps the budget with Idempotency-Keys, and a replay costs no D1 round trip", async () => {
    const { cart } = await cartOfLines(3);
    const startKey = { "idempotency-key": `start-${cart.id}` };
    const completeKey = { "idempotency-key": `complete-${cart.id}` };

    const start = await countWork(stubOf(cart), () => startCheckout(cart, {}, startKey));
    const complete = await countWork(stubOf(cart), () => completeCheckout(cart, "tok_visa", completeKey));
    expect(start.result.status).toBe(201);
    expect(complete.result.status).toBe(201);
    expect(start.count.d1RoundTrips + complete.count.d1RoundTrips).toBeLessThanOrEqual(D1_BUDGET_PER_CHECKOUT);

    const replay = await countWork(stubOf(cart), () => completeCheckout(cart, "tok_visa", completeKey));
    expect(replay.result.status).toBe(201);
    expect(replay.result.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.result.body.order.id).toBe(complete.result.body.order.id);
    expect(replay.count.d1RoundTrips).toBe(0);
  });

  it("creates a cart without a D1 round trip once its currency is known, and still refuses an unknown one", async () => {
    const [variant] = await createProduct([{ stock: 5 }]);
    const probe = await cartWith([[variant!, 1]]);
    const created = await countWork(stubOf(probe), () => call("POST", "/v1/carts", { body: { currency: "USD" } }));
    expect(created.result.status).toBe(201);
    expect(created.count.d1RoundTrips).toBe(0);

    const unknown = await countWork(stubOf(probe), () => call("POST", "/v1/carts", { body: { currency: "XTS" } }));
    expect(unknown.result.status).toBe(400);
    expect(unknown.result.body.error.code).toBe("validation_error");
    expect(unknown.count.d1RoundTrips).toBe(1);
    // Added later, it is accepted at once: unknown codes are never remembered.
    const added = await call("PUT", "/admin/api/currencies/XTS", { headers: ADMIN, body: { rate_from_base: "2", exponent: 2 } });
    expect(added.status).toBe(200);
    expect((await call("POST", "/v1/carts", { body: { currency: "XTS" } })).status).toBe(201);
  });

  it("refuses a start for want of stock in 2 D1 round trips when nothing is known, and in none once it is", async () => {
    const [scarce] = await createProduct([{ stock: 1 }]);
    const cart = await cartWith([[scarce!, 2]]);
    // As in an isolate that never read this variant's stock.
    availabilityCache.forget([scarce!]);
    const refused = await countWork(stubOf(cart), () => startCheckout(cart));
    expect(refused.result.status).toBe(409);
    expect(refused.result.body.error.code).toBe("insufficient_stock");
    expect(refused.result.body.error.details.lines).toEqual([{ variant_id: scarce, requested: 2, available: 1 }]);
    // The catalog read (stock rides along) and the batch recording the failed checkout:
    // no reservation batch doomed to fail, no second stock read.
    expect(refused.count.d1RoundTrips).toBe(2);
    // What that read saw refuses the next attempt without D1 (for a second).
    const again = await countWork(stubOf(cart), () => startCheckout(cart));
    expect(again.result.status).toBe(409);
    expect(again.result.body.error.details.lines).toEqual([{ variant_id: scarce, requested: 2, available: 1 }]);
    expect(again.count.d1RoundTrips).toBe(0);
    expect(await stockOf(scarce!)).toMatchObject({ on_hand: 1, reserved: 0 });
    const status = await call("GET", `/v1/carts/${cart.id}/checkout`, { headers: cart.auth });
    expect(status.body).toMatchObject({ locked: false, can_checkout: true });
    await expectInvariants();
  });
});
