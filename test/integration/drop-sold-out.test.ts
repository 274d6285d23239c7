/**
 * Drops: a shopper asking for a sold-out variant is refused from the isolate's sold-out
 * knowledge (at most a second old) without a D1 query and without a checkout record, and
 * a unit freed meanwhile is sellable again within that second. The ledger's CHECK still
 * decides who gets a unit. The knowledge's clock is moved instead of sleeping.
 */
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { runCleanup } from "../../src/jobs/cleanup";
import { availabilityCache, SOLD_OUT_MAX_AGE_MS } from "../../src/inventory/availability-cache";
import { call, cancelCheckout, cartWith, completeCheckout, createProduct, startCheckout, stockOf, type TestCart } from "../support/api";
import { countWork } from "../support/d1-counter";
import { recordingQueue } from "../support/events";
import { expectInvariants } from "../support/invariants";
import { makeOverdue } from "../support/overdue";
import { cartObject } from "../support/saga";

// The knowledge's clock stands still unless a test moves it: only `elapse` ages it.
let clockMs = Date.now();
availabilityCache.clock = () => clockMs;
const elapse = (ms: number) => (clockMs += ms);
beforeEach(() => {
  clockMs = Date.now();
});

const cleanup = () => runCleanup({ ...env, EVENTS: recordingQueue().queue });

const checkoutRows = async (cart: TestCart) =>
  (await env.DB.prepare("SELECT count(*) AS n FROM checkouts WHERE cart_id = ?").bind(cart.id).first<{ n: number }>())!.n;

/** A variant whose only unit a holder's checkout has reserved, and a refusal that taught the isolate so. */
async function soldOutToAHolder() {
  const [variant] = await createProduct([{ stock: 1 }]);
  const holder = await cartWith([[variant!, 1]]);
  expect((await startCheckout(holder)).status).toBe(201);
  const first = await cartWith([[variant!, 1]]);
  expect((await startCheckout(first)).status).toBe(409);
  return { variant: variant!, holder };
}

/** A reservation with no checkout row holds units, as another isolate's checkout (or a leftover) would. */
async function holdElsewhere(variantId: string, checkoutId: string, quantity = 1) {
  await env.DB.prepare(
    "INSERT INTO stock_reservations (checkout_id, variant_id, quantity, status, expires_at, created_at, updated_at) VALUES (?1, ?2, ?3, 'active', ?4, ?4, ?4)",
  )
    .bind(checkoutId, variantId, quantity, new Date().toISOString())
    .run();
}

describe("sold-out refusals", () => {
  it("refuses a shopper for a sold-out variant without a D1 query, records nothing, and says when the hold lapses", async () => {
    const { variant, holder } = await soldOutToAHolder();
    const shopper = await cartWith([[variant, 1]]);

    const refused = await countWork(cartObject(shopper), () => startCheckout(shopper));
    expect(refused.result.status).toBe(409);
    expect(refused.count.d1RoundTrips).toBe(0);
    // Not even the checkout record: a refusal changes nothing anywhere.
    expect(refused.count.storage.put).toBe(0);
    expect(await checkoutRows(shopper)).toBe(0);
    const [line] = refused.result.body.error.details.lines;
    expect(line).toMatchObject({ variant_id: variant, requested: 1, available: 0 });
    // The missing unit is only held: the answer says when that hold lapses (15 minutes).
    expect(line.retry_after_seconds).toBeGreaterThan(14 * 60);
    expect(line.retry_after_seconds).toBeLessThanOrEqual(15 * 60);
    expect(refused.result.headers.get("retry-after")).toBe(String(line.retry_after_seconds));

    // Complete (which starts first) is refused the same way; the cart stays editable.
    const paid = await countWork(cartObject(shopper), () => completeCheckout(shopper));
    expect(paid.result.status).toBe(409);
    expect(paid.result.body.error.code).toBe("insufficient_stock");
    expect(paid.count.d1RoundTrips).toBe(0);
    const status = await call("GET", `/v1/carts/${shopper.id}/checkout`, { headers: shopper.auth });
    expect(status.body).toMatchObject({ locked: false, can_checkout: true });

    // Once the holder's order took the unit, nothing is held: no Retry-After to promise.
    expect((await completeCheckout(holder)).status).toBe(201);
    elapse(SOLD_OUT_MAX_AGE_MS + 1);
    const gone = await startCheckout(shopper);
    expect(gone.status).toBe(409);
    expect(gone.body.error.details.lines).toEqual([{ variant_id: variant, requested: 1, available: 0 }]);
    expect(gone.headers.get("retry-after")).toBeNull();
    await expectInvariants();
  });

  it("sells a unit freed elsewhere within a second: refused while the knowledge is fresh, sold once it is a second old", async () => {
    const [variant] = await createProduct([{ stock: 1 }]);
    // Another isolate's checkout holds the unit, then releases it: this isolate's cache
    // is not told (only D1 is shared), so only age makes it ask again.
    await holdElsewhere(variant!, "chk_elsewhere");
    const shopper = await cartWith([[variant!, 1]]);
    expect((await startCheckout(shopper)).status).toBe(409);
    await env.DB.prepare("UPDATE stock_reservations SET status = 'released', updated_at = ?2 WHERE checkout_id = ?1")
      .bind("chk_elsewhere", new Date().toISOString())
      .run();
    expect(await stockOf(variant!)).toMatchObject({ available: 1 });

    elapse(SOLD_OUT_MAX_AGE_MS - 100);
    const stillKnown = await countWork(cartObject(shopper), () => startCheckout(shopper));
    expect(stillKnown.result.status).toBe(409);
    expect(stillKnown.count.d1RoundTrips).toBe(0);

    elapse(200);
    const refreshes = availabilityCache.stats.refreshes;
    const sold = await countWork(cartObject(shopper), () => startCheckout(shopper));
    expect(sold.result.status).toBe(201);
    expect(availabilityCache.stats.refreshes).toBe(refreshes + 1);
    // The re-read is one statement; then the checkout's own catalog read and its reservation.
    expect(sold.count.d1RoundTrips).toBe(3);
    expect((await completeCheckout(shopper)).status).toBe(201);
    expect(await stockOf(variant!)).toMatchObject({ on_hand: 0, reserved: 0 });
    await expectInvariants();
  });

  it("re-reads stale knowledge once for any number of shoppers waiting on it (single flight)", async () => {
    const { variant, holder } = await soldOutToAHolder();
    const shoppers = await Promise.all(Array.from({ length: 8 }, () => cartWith([[variant, 1]])));
    elapse(SOLD_OUT_MAX_AGE_MS + 1);
    const all = await countWork(cartObject(shoppers[0]!), () => Promise.all(shoppers.map((s) => startCheckout(s))));
    expect(all.result.map((r) => r.status)).toEqual(shoppers.map(() => 409));
    expect(all.count.d1RoundTrips).toBe(1);
    expect(all.count.d1Statements).toBe(1);
    expect((await cancelCheckout(holder)).status).toBe(200);
    await expectInvariants();
  });

  it("sells a unit this isolate freed at once: a cancelled or lapsed hold, and new stock", async () => {
    const { variant, holder } = await soldOutToAHolder();
    expect((await cancelCheckout(holder)).status).toBe(200);
    const afterCancel = await cartWith([[variant, 1]]);
    expect((await startCheckout(afterCancel)).status).toBe(201);

    // That shopper's hold lapses (its deadline passes; its alarm expires it).
    const late = await cartWith([[variant, 1]]);
    expect((await startCheckout(late)).status).toBe(409);
    const lapsed = await makeOverdue(afterCancel.id, 1);
    expect((await cleanup()).expired).toBeGreaterThanOrEqual(1);
    expect(await env.DB.prepare("SELECT state FROM checkouts WHERE id = ?").bind(lapsed).first()).toEqual({ state: "expired" });
    expect((await startCheckout(late)).status).toBe(201);

    // Sold out again; the admin adds a unit and it sells at once.
    const more = await cartWith([[variant, 1]]);
    expect((await startCheckout(more)).status).toBe(409);
    expect(
      (await call("PUT", `/admin/api/variants/${variant}/stock`, { headers: { authorization: `Bearer ${env.ADMIN_TOKEN}` }, body: { on_hand: 2 } })).status,
    ).toBe(200);
    expect((await startCheckout(more)).status).toBe(201);
    expect(await stockOf(variant)).toMatchObject({ on_hand: 2, reserved: 2, available: 0 });
    await expectInvariants();
  });

  it("sells a unit the cleanup job or a refund's restock freed in this isolate at once, without waiting for the knowledge to age", async () => {
    const [variant] = await createProduct([{ stock: 2 }]);
    // One unit is held by a leftover reservation, one is bought.
    await holdElsewhere(variant!, `chk_leftover_${variant}`);
    const buyer = await cartWith([[variant!, 1]]);
    const bought = await completeCheckout(buyer);
    expect(bought.status).toBe(201);
    const shopper = await cartWith([[variant!, 1]]);
    expect((await startCheckout(shopper)).status).toBe(409);
    const cachedRefusal = await countWork(cartObject(shopper), () => startCheckout(shopper));
    expect(cachedRefusal.count.d1RoundTrips).toBe(0);

    // The cleanup job releases the leftover here: the very next start sells it (no clock moved).
    // (The job's totals also count what other files left behind: the leftover is what matters here.)
    expect((await cleanup()).released_reservations).toBeGreaterThanOrEqual(1);
    expect(await env.DB.prepare("SELECT status FROM stock_reservations WHERE checkout_id = ?").bind(`chk_leftover_${variant}`).first()).toEqual({
      status: "released",
    });
    expect((await startCheckout(shopper)).status).toBe(201);

    // Sold out again; a refund that restocks the bought unit makes it sellable at once.
    const next = await cartWith([[variant!, 1]]);
    expect((await startCheckout(next)).status).toBe(409);
    const line = bought.body.order.lines[0];
    const refunded = await call("POST", `/admin/api/orders/${bought.body.order.id}/refunds`, {
      headers: { authorization: `Bearer ${env.ADMIN_TOKEN}`, "idempotency-key": `restock-${variant}` },
      body: { lines: [{ line_id: line.line_id, quantity: 1 }], restock: true },
    });
    expect(refunded.status).toBe(201);
    expect((await startCheckout(next)).status).toBe(201);
    expect(await stockOf(variant!)).toMatchObject({ on_hand: 2, reserved: 2, available: 0 });
    await expectInvariants();
  });

  it("never sells on the cache's word: a variant believed available is still read from D1 and reserved through the ledger", async () => {
    const [variant] = await createProduct([{ stock: 1 }]);
    const shopper = await cartWith([[variant!, 1]]);
    // The isolate last saw a unit free; another buyer takes it behind the cache's back.
    availabilityCache.record([{ variantId: variant!, onHand: 1, reserved: 0, available: 1, earliestLapseAt: null }]);
    const other = await cartWith([[variant!, 1]]);
    expect((await completeCheckout(other)).status).toBe(201);
    availabilityCache.record([{ variantId: variant!, onHand: 1, reserved: 0, available: 1, earliestLapseAt: null }]);
    const refused = await startCheckout(shopper);
    expect(refused.status).toBe(409);
    expect(refused.body.error.details.lines).toEqual([{ variant_id: variant, requested: 1, available: 0 }]);
    expect(await stockOf(variant!)).toMatchObject({ on_hand: 0, reserved: 0 });
    await expectInvariants();
  });
});
