/**
 * Production D1 refuses a statement that binds more than 100 parameters and a batch of
 * more than 1,000 statements; local D1 accepts both, so only a count shows that the
 * largest inputs the API accepts would deploy: a product of 100 variants priced in 30
 * currencies, a price update in 30 currencies, and the cleanup job at its largest batch.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MAX_BATCH_SIZE, runCleanup } from "../../src/jobs/cleanup";
import { ADMIN, call, cartWith, createProduct, stockOf } from "../support/api";
import { countWork, D1_MAX_BATCH_STATEMENTS, D1_MAX_BOUND_PARAMETERS, type WorkCount } from "../support/d1-counter";
import { recordingQueue } from "../support/events";
import { expectInvariants } from "../support/invariants";

const anyCart = async () => env.CART.getByName((await cartWith([])).id);

function expectWithinD1Limits(count: WorkCount) {
  expect(count.maxBoundParameters).toBeLessThanOrEqual(D1_MAX_BOUND_PARAMETERS);
  expect(count.maxBatchStatements).toBeLessThanOrEqual(D1_MAX_BATCH_STATEMENTS);
}

/** 30 currencies: USD and 29 made-up codes a merchant could add. */
async function thirtyCurrencies(): Promise<string[]> {
  const prefix = `Q${String.fromCharCode(65 + Math.floor(Math.random() * 26))}`;
  const codes = Array.from({ length: 29 }, (_, i) => `${prefix}${String.fromCharCode(65 + (i % 26))}`).filter((c, i, all) => all.indexOf(c) === i);
  for (const code of codes) {
    const res = await call("PUT", `/admin/api/currencies/${code}`, { headers: ADMIN, body: { rate_from_base: "2", exponent: 2 } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  }
  return ["USD", ...codes];
}

describe("D1's production limits, whatever the input", () => {
  it("creates a product of 100 variants priced in many currencies, and reprices one in all of them, within D1's limits", async () => {
    const codes = await thirtyCurrencies();
    const prices = Object.fromEntries(codes.map((c, i) => [c, 1000 + i]));
    const stub = await anyCart();

    const created = await countWork(stub, () =>
      createProduct(
        Array.from({ length: 100 }, () => ({ prices, stock: 1 })),
        "Hundred variants",
      ),
    );
    expectWithinD1Limits(created.count);
    expect(created.result).toHaveLength(100);
    const last = codes.at(-1)!;
    const listed = await call("GET", `/v1/products?currency=${last}`);
    const variant = listed.body.data
      .flatMap((p: { variants: Array<{ id: string; price: number }> }) => p.variants)
      .find((v: { id: string }) => v.id === created.result[99]);
    expect(variant.price).toBe(prices[last]);

    const repriced = Object.fromEntries(codes.map((c, i) => [c, 2000 + i]));
    const put = await countWork(stub, () => call("PUT", `/admin/api/variants/${created.result[0]}/prices`, { headers: ADMIN, body: repriced }));
    expect(put.result.status).toBe(200);
    expect(put.result.body.prices).toEqual(repriced);
    expectWithinD1Limits(put.count);
  });

  it("releases more orphaned reservations than its largest batch within D1's limits, ended checkouts' timelines included", async () => {
    const [variant] = await createProduct([{ stock: 2 * MAX_BATCH_SIZE }]);
    const tag = crypto.randomUUID().slice(0, 8);
    const past = new Date(Date.now() - 60 * 60_000).toISOString();
    // Half of them belong to checkouts that ended but kept their stock, half to none at all.
    await env.DB.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?2)
       INSERT INTO checkouts (id, cart_id, state, phase, currency, created_at, expires_at, updated_at)
       SELECT 'chk_ended_' || ?1 || '_' || i, 'cart_ended_' || ?1, 'failed', 'price_lock', 'USD', ?3, ?3, ?3 FROM n`,
    )
      .bind(tag, MAX_BATCH_SIZE, past)
      .run();
    for (const kind of ["ended", "orphan"]) {
      await env.DB.prepare(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?3)
         INSERT INTO stock_reservations (checkout_id, variant_id, quantity, status, expires_at, created_at, updated_at)
         SELECT 'chk_' || ?4 || '_' || ?1 || '_' || i, ?2, 1, 'active', ?5, ?5, ?5 FROM n`,
      )
        .bind(tag, variant!, MAX_BATCH_SIZE, kind, past)
        .run();
    }
    expect(await stockOf(variant!)).toMatchObject({ reserved: 2 * MAX_BATCH_SIZE });

    const run = await countWork(await anyCart(), () => runCleanup({ ...env, EVENTS: recordingQueue().queue }, { batchSize: MAX_BATCH_SIZE }));
    expectWithinD1Limits(run.count);
    expect(run.result.errors).toBe(0);
    expect(run.result.released_reservations).toBeGreaterThanOrEqual(MAX_BATCH_SIZE);
    // Whatever one run left (it is bounded), the next runs finish.
    for (let i = 0; i < 5 && (await stockOf(variant!)).reserved > 0; i++)
      await runCleanup({ ...env, EVENTS: recordingQueue().queue }, { batchSize: MAX_BATCH_SIZE });
    expect(await stockOf(variant!)).toMatchObject({ reserved: 0, available: 2 * MAX_BATCH_SIZE });
    const timeline = await env.DB.prepare("SELECT COUNT(*) AS n FROM checkout_events WHERE checkout_id LIKE ?1 AND event = 'reservations_released'")
      .bind(`chk_ended_${tag}_%`)
      .first<{ n: number }>();
    expect(timeline?.n).toBe(MAX_BATCH_SIZE);
    await expectInvariants();
  });
});
