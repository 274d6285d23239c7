/**
 * Discount usage limits are shared like stock (docs/architecture.md invariant 8): a use is
 * reserved at price lock and consumed at order creation, atomically, so concurrent
 * checkouts never pass the limit. A checkout that loses the race fails with
 * `422 invalid_discount_code` naming the code that ran out, holds nothing, and the
 * shopper may drop the code and pay full price.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, completeCheckout, createProduct, getCart, startCheckout, stockOf } from "../support/api";
import { expectInvariants } from "../support/invariants";
import { armPause, cartWithCodes, createDiscount, releasePause, uniqueCode, waitUntilPaused } from "../support/saga";

async function usesOf(code: string) {
  return env.DB.prepare("SELECT used_count, reserved_count FROM discounts WHERE code = ?").bind(code).first<{ used_count: number; reserved_count: number }>();
}

describe("discount usage limit", () => {
  it("a code limited to 3 uses, raced by 10 carts: exactly 3 orders use it, 7 are refused and can pay without it", async () => {
    const [v] = await createProduct([{ prices: { USD: 2000 }, stock: 50 }]);
    const code = uniqueCode("THREE");
    await createDiscount({ code, type: "percentage", percent: 25, usage_limit: 3 });
    // Every cart applies the code while it still has uses left.
    const carts = await Promise.all(Array.from({ length: 10 }, () => cartWithCodes([[v!, 1]], [code])));

    const results = await Promise.all(carts.map((cart) => completeCheckout(cart, "tok_visa")));
    const paid = results.filter((r) => r.status === 201);
    expect(paid).toHaveLength(3);
    for (const r of paid) expect(r.body.order).toMatchObject({ discount_total: 500, total: 1500, lines: [{ discounts: [{ code, amount: 500 }] }] });
    const refused = results.filter((r) => r.status !== 201);
    expect(refused).toHaveLength(7);
    for (const r of refused) {
      expect(r.status).toBe(422);
      expect(r.body.error).toMatchObject({ code: "invalid_discount_code", details: { code, reason: "used_up" } });
    }
    expect(await usesOf(code)).toEqual({ used_count: 3, reserved_count: 0 });
    // Only the winners hold stock.
    expect(await stockOf(v!)).toMatchObject({ on_hand: 47, reserved: 0 });
    await expectInvariants();

    // A refused shopper drops the code and pays full price.
    const loser = carts[results.findIndex((r) => r.status === 422)]!;
    expect((await getCart(loser)).locked).toBe(false);
    expect((await call("DELETE", `/v1/carts/${loser.id}/discounts/${code}`, { headers: loser.auth })).status).toBe(200);
    const full = await completeCheckout(loser, "tok_visa");
    expect(full.status).toBe(201);
    expect(full.body.order).toMatchObject({ discount_total: 0, total: 2000 });
    expect(await usesOf(code)).toEqual({ used_count: 3, reserved_count: 0 });
    await expectInvariants();
  });

  it("names the code that ran out between validation and reservation, not the first code on the cart", async () => {
    const [v] = await createProduct([{ prices: { USD: 3000 }, stock: 10 }]);
    const unlimited = uniqueCode("ALWAYS");
    const once = uniqueCode("ONCE");
    await createDiscount({ code: unlimited, type: "fixed", amount: 100, currency: "USD" });
    await createDiscount({ code: once, type: "percentage", percent: 10, usage_limit: 1 });
    const slow = await cartWithCodes([[v!, 1]], [unlimited, once]);
    const fast = await cartWithCodes([[v!, 1]], [once]);

    // The slow checkout has validated both codes and is about to reserve them...
    await armPause(slow, "inventory_reservation");
    const pending = startCheckout(slow);
    await waitUntilPaused(slow, "inventory_reservation");
    // ...when another cart takes the last use.
    expect((await completeCheckout(fast, "tok_visa")).status).toBe(201);
    await releasePause(slow, "inventory_reservation");

    const refused = await pending;
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({ code: "invalid_discount_code", details: { code: once, reason: "used_up", phase: "price_lock" } });
    expect(await usesOf(once)).toEqual({ used_count: 1, reserved_count: 0 });
    // The batch that tripped the limit reserved no stock either.
    expect(await stockOf(v!)).toMatchObject({ on_hand: 9, reserved: 0 });
    expect((await getCart(slow)).locked).toBe(false);
    await expectInvariants();
  });
});
