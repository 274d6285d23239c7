/**
 * The money rules as a model (test/support/money-model.ts), through the real Worker:
 * random interleavings of price, tax and stock changes with starts, completions that
 * succeed, decline, hit a gateway outage or need 3-D Secure, stale totals, retries under
 * a completion's key, cancels, expiries and crashes mid-payment. After every step the
 * gateway's ledger must hold exactly the quote of each checkout, in the gateway's units,
 * once, and only totals the shopper was shown.
 *
 * The class behind "a retry charges a price the shopper was never quoted": any request
 * that could pay a checkout other than the one the shopper looked at. A retried key after
 * its checkout ended (cancelled, expired, rolled back by a crash), a page's stale total
 * and a price change between look and pay are all its instances, and all are commands here.
 */
import fc from "fast-check";
import { describe, it } from "vitest";
import { createProduct, uniqueSku } from "../support/api";
import { expectInvariants } from "../support/invariants";
import {
  addUnit,
  cancel,
  checkMoney,
  complete,
  CRASH_POINTS,
  crashWhilePaying,
  expire,
  mayAttempt,
  type Model,
  newShopper,
  type Real,
  retryLast,
  setPrice,
  setStock,
  setTax,
  startCheckout,
  type Token,
  VARIANTS,
} from "../support/money-model";

type Step = fc.AsyncCommand<Model, Real>;

/** One command: when it may run, what it does, and the money check after it. */
function step(label: string, check: (m: Readonly<Model>) => boolean, run: (m: Model, r: Real) => Promise<void>): Step {
  return {
    check,
    async run(m, r) {
      await run(m, r);
      await checkMoney(m, r);
    },
    toString: () => label,
  };
}

const always = () => true;
const variant = fc.integer({ min: 0, max: VARIANTS - 1 });
const stale = fc.boolean();
const token = fc.constantFrom<Token>("tok_visa", "tok_decline", "tok_gateway_error", "tok_3ds");

/** Each command with its weight: the payments, and retries under their keys, come most often. */
const weighted: Array<[number, fc.Arbitrary<Step>]> = [
  [1, fc.tuple(variant, fc.integer({ min: 1, max: 40 })).map(([v, p]) => step(`price(${v}, ${p * 100})`, always, (_m, r) => setPrice(r, v, p * 100)))],
  [1, fc.constantFrom(0, 725, 1950, 2000).map((bps) => step(`tax(${bps})`, always, (_m, r) => setTax(r, bps)))],
  [1, fc.tuple(variant, fc.integer({ min: 0, max: 4 })).map(([v, n]) => step(`stock(${v}, ${n})`, always, (m, r) => setStock(m, r, v, n)))],
  [1, variant.map((v) => step(`add(${v})`, always, (m, r) => addUnit(m, r, v)))],
  [1, stale.map((s) => step(`start(${s ? "stale" : "fresh"})`, mayAttempt, (m, r) => startCheckout(m, r, s)))],
  [3, fc.tuple(token, stale).map(([t, s]) => step(`complete(${t}, ${s ? "stale" : "fresh"})`, mayAttempt, (m, r) => complete(m, r, t, s)))],
  [2, fc.constant(step("retry the last complete under its key", (m) => m.last !== null && (m.last.stored || mayAttempt(m)), retryLast))],
  [1, fc.constant(step("cancel", always, cancel))],
  [1, fc.constant(step("expire", (m) => m.checkout !== null, expire))],
  [
    1,
    fc.constantFrom(...CRASH_POINTS).map((p) =>
      step(
        `crash at ${p}`,
        (m) => m.checkout !== null && mayAttempt(m),
        (m, r) => crashWhilePaying(m, r, p),
      ),
    ),
  ],
  [
    1,
    fc.constant(
      step(
        "a new cart",
        (m) => m.completed || !mayAttempt(m),
        (m, r) => newShopper(r, m),
      ),
    ),
  ],
];
const commands = weighted.flatMap(([weight, arb]) => Array.from({ length: weight }, () => arb));

describe("the money rules, as a model", () => {
  it("every checkout is charged exactly its quote, once, and only totals the shopper was shown", async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 16, size: "max" }), async (cmds) => {
        const stock = [3, 2];
        const taxClass = `m-${uniqueSku("t").toLowerCase().slice(-20)}`;
        const variants = await createProduct(stock.map((n, i) => ({ prices: { USD: 1000 + 500 * i }, stock: n, tax_class: taxClass })));
        const real: Real = { variants, taxClass, cart: null as never, carts: [], shown: [], quotes: new Map() };
        const model = { onHand: stock } as Model;
        await newShopper(real, model);
        // Two units in the cart to begin with, so most runs reach the payment.
        await addUnit(model, real, 0);
        await addUnit(model, real, 1);
        await fc.asyncModelRun(() => ({ model, real }), cmds);
        await expectInvariants();
      }),
      { numRuns: 10 },
    );
  }, 240_000);
});
