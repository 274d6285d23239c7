/**
 * Fuzzing every storefront route through the Worker's real fetch handler, case by case:
 * every (route, what is wrong, cart state) of test/support/fuzz-storefront-cases.ts runs
 * in every run, with values fast-check makes, and must get its one answer (status and
 * error code, in the error envelope) and change nothing (D1 and the cart, compared before
 * and after). The carts it runs against are open or locked, with and without a discount,
 * with a 100 % code (a zero total) and with tax included in prices: the statistics of
 * which ones the cases met are printed, and each kind must have been met.
 */
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN, call, cartWith, completeCheckout, createCart, createProduct, startCheckout } from "../support/api";
import { badInteger, notABoolean } from "../support/bad-input";
import { expectEveryAnswer, itRunsEveryCase } from "../support/fuzz-requests";
import { type CartState, CODE, type Case, casesOf, invalidCountry, ROUTES, type Target, type World } from "../support/fuzz-storefront-cases";
import { expectedAnswer } from "../support/fuzz-storefront-answers";

/** Values fast-check makes inside each case, each run. */
const RUNS_PER_CASE = 2;
const FREE = "FUZZFREE";
const PRICING = ["no discount", "10 % code", "100 % code", "tax included"] as const;
type Pricing = (typeof PRICING)[number];
const CLASSES = ["discounted", "100 % code", "zero total", "tax included"] as const;

interface PoolCart extends Target {
  pricing: Pricing;
  classes: string[];
}

/** What the cart's own totals say it is (not what the setup meant it to be). */
interface Totals {
  subtotal: number;
  discount_total: number;
  tax_total: number;
  total: number;
}
function classify(cart: Totals & { lines: Array<Totals & { unit_price: number; quantity: number }> }): string[] {
  return [
    ...(cart.discount_total > 0 ? ["discounted"] : []),
    ...(cart.subtotal > 0 && cart.discount_total === cart.subtotal ? ["100 % code"] : []),
    ...(cart.total === 0 ? ["zero total"] : []),
    // Prices that include tax: each line's net subtotal is below its price times its quantity.
    ...(cart.tax_total > 0 && cart.lines.every((l) => l.subtotal < l.unit_price * l.quantity) ? ["tax included"] : []),
  ];
}

describe("fuzz: every storefront case gets its exact refusal and changes nothing", () => {
  let world: World & { pool: Record<CartState, PoolCart[]> };
  const met = new Map<string, number>();

  beforeAll(async () => {
    const [variantId] = await createProduct([{ prices: { USD: 1250, EUR: 1150 }, stock: 60 }]);
    for (const body of [
      { code: CODE, type: "percentage", percent: 10 },
      { code: FREE, type: "percentage", percent: 100 },
    ]) {
      expect((await call("POST", "/admin/api/discounts", { headers: ADMIN, body })).status).toBe(201);
    }
    const tax = await call("PUT", "/admin/api/tax-rates/NL/standard", { headers: ADMIN, body: { name: "BTW", rate_bps: 2100, inclusive: true } });
    expect(tax.status).toBe(200);
    const pool: Record<CartState, PoolCart[]> = { open: [], locked: [] };
    for (const state of ["open", "locked"] as const) {
      for (const pricing of PRICING) {
        const cart = await cartWith([[variantId!, 2]], { currency: "USD", country: pricing === "tax included" ? "NL" : "US", email: "ada@example.com" });
        const code = pricing === "10 % code" ? CODE : pricing === "100 % code" ? FREE : null;
        if (code) expect((await call("POST", `/v1/carts/${cart.id}/discounts`, { headers: cart.auth, body: { code } })).status).toBe(200);
        if (state === "locked") expect((await startCheckout(cart)).status).toBe(201);
        const view = (await call("GET", `/v1/carts/${cart.id}`, { headers: cart.auth })).body.cart;
        pool[state].push({ cart, lineId: view.lines[0].id, pricing, classes: classify(view) });
      }
    }
    const orderCart = await cartWith([[variantId!, 1]]);
    const completed = await completeCheckout(orderCart);
    expect(completed.status).toBe(201);
    world = { pool, stranger: await createCart(), variantId: variantId!, orderId: completed.body.order.id, orderCart };
  });

  // Here rather than in a test: tests run in a shuffled order, and this judges all of them.
  afterAll(() => {
    const carts = [...world.pool.open, ...world.pool.locked];
    fc.statistics(fc.constantFrom(...carts), (cart) => cart.classes, { numRuns: 1_000 });
    const runs = met.get("runs") ?? 0;
    console.log([`The ${runs} requests met:`, ...CLASSES.map((c) => `  ${c}: ${met.get(c) ?? 0}`)].join("\n"));
    for (const cls of CLASSES) expect(met.get(cls) ?? 0, `requests against a cart with ${cls}`).toBeGreaterThan(0);
  });

  /** One case: RUNS_PER_CASE values, each against a cart of the case's state picked by fast-check. */
  async function runCase(c: Case): Promise<void> {
    await expectEveryAnswer({
      method: c.route.method,
      kind: c,
      setting: fc.constantFrom(...world.pool[c.state]).map((target): [PoolCart, World] => [target, world]),
      answer: expectedAnswer(c.kind, c.state),
      watched: (target) => [target.cart],
      label: (target) => `${c.route.name} [${c.state} cart] ${c.kind} (${(target as PoolCart).pricing})`,
      runs: RUNS_PER_CASE,
      // No refusal names the order's cart: a guessed or foreign order id reveals nothing.
      check: (res, where) => expect(JSON.stringify(res.body), where).not.toContain(world.orderCart.id),
      onAnswered: (target) => {
        for (const cls of ["runs", ...(target as PoolCart).classes]) met.set(cls, (met.get(cls) ?? 0) + 1);
      },
    });
  }

  it("this project's checkout limiter never refuses, so each case meets what it tests (the 5 a minute is tested in checkout-rate-limit)", async () => {
    const key = `cart_fuzz_${crypto.randomUUID()}`;
    for (let i = 0; i < 10; i++) expect((await env.CHECKOUT_RATE_LIMITER.limit({ key })).success, `attempt ${i + 1}`).toBe(true);
  });

  itRunsEveryCase(ROUTES, casesOf, runCase);
});

// Keep the generator helpers honest: they must never produce a valid value.
describe("fuzz generators", () => {
  it("produce only values the schemas refuse", () => {
    fc.assert(fc.property(badInteger(1, 99), (v) => !(typeof v === "number" && Number.isInteger(v) && v >= 1 && v <= 99)));
    fc.assert(fc.property(invalidCountry, (v) => !(typeof v === "string" && /^[A-Z]{2}$/.test(v))));
    fc.assert(fc.property(notABoolean, (v) => typeof v !== "boolean"));
  });
});
