/**
 * Every checkout error code of docs/contract.md, through the Worker. On any error of checkout
 * start nothing stays reserved and the cart stays editable.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  addLine,
  call,
  cancelCheckout,
  cartWith,
  completeCheckout,
  createCart,
  createProduct,
  getCart,
  startCheckout,
  stockOf,
  type TestCart,
} from "../support/api";
import { expectInvariants } from "../support/invariants";
import { cartWithCodes, createDiscount, uniqueCode } from "../support/saga";

/** After a refused start: no checkout holds the cart, and it can still be edited. */
async function expectStillOpen(cart: TestCart, variant: string) {
  const view = await getCart(cart);
  expect(view.locked).toBe(false);
  expect(view.checkout === null || view.checkout.can_checkout).toBe(true);
  expect((await addLine(cart, variant, 1)).status).toBe(200);
  await expectInvariants();
}

describe("checkout start refuses, and leaves nothing behind", () => {
  it("422 cart_empty", async () => {
    const [v] = await createProduct();
    const cart = await createCart();
    const res = await startCheckout(cart);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("cart_empty");
    await expectStillOpen(cart, v!);
  });

  it("409 insufficient_stock names each short line with what is available, and reserves no line", async () => {
    const [short, plenty] = await createProduct([{ stock: 2 }, { stock: 5 }]);
    const cart = await cartWith([
      [short!, 3],
      [plenty!, 1],
    ]);
    const res = await startCheckout(cart);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("insufficient_stock");
    expect(res.body.error.details.lines).toEqual([{ variant_id: short, requested: 3, available: 2 }]);
    // All lines reserve together or none do.
    expect(await stockOf(plenty!)).toMatchObject({ reserved: 0 });
    expect(await stockOf(short!)).toMatchObject({ reserved: 0 });
    await expectStillOpen(cart, plenty!);
  });

  it("409 insufficient_stock counts units other checkouts hold, and says when the first of this variant's holds lapses", async () => {
    const [v, elsewhere] = await createProduct([{ stock: 3 }, { stock: 3 }]);
    // A hold on another variant that lapses sooner says nothing about this one's.
    const brief = await cartWith([[elsewhere!, 1]]);
    expect((await startCheckout(brief, { ttl_minutes: 1 })).status).toBe(201);
    const holder = await cartWith([[v!, 2]]);
    expect((await startCheckout(holder)).status).toBe(201);
    const cart = await cartWith([[v!, 2]]);
    const res = await startCheckout(cart);
    expect(res.status).toBe(409);
    // The missing unit is held by the holder's reservation: the answer says when it lapses.
    const [line] = res.body.error.details.lines;
    expect(line).toEqual({ variant_id: v, requested: 2, available: 1, retry_after_seconds: expect.any(Number) });
    expect(line.retry_after_seconds).toBeGreaterThan(14 * 60);
    expect(line.retry_after_seconds).toBeLessThanOrEqual(15 * 60);
    expect(res.headers.get("retry-after")).toBe(String(line.retry_after_seconds));
    expect(await stockOf(v!)).toMatchObject({ on_hand: 3, reserved: 2 });
    // A second, shorter hold of this variant is the one that lapses first.
    const [w] = await createProduct([{ stock: 3 }]);
    expect((await startCheckout(await cartWith([[w!, 1]]))).status).toBe(201);
    const briefToo = await cartWith([[w!, 1]]);
    expect((await startCheckout(briefToo, { ttl_minutes: 1 })).status).toBe(201);
    const shorter = await startCheckout(await cartWith([[w!, 2]]));
    expect(shorter.status).toBe(409);
    expect(shorter.body.error.details.lines[0].retry_after_seconds).toBeGreaterThan(50);
    expect(shorter.body.error.details.lines[0].retry_after_seconds).toBeLessThanOrEqual(60);
    await expectInvariants();
    // The one-minute holds end here, not by an alarm while another file compares every table.
    for (const c of [brief, briefToo]) expect((await cancelCheckout(c)).status).toBe(200);
  });

  it("409 checkout_in_progress names the active checkout", async () => {
    const [v] = await createProduct();
    const cart = await cartWith([[v!, 1]]);
    const first = await startCheckout(cart);
    const second = await startCheckout(cart);
    expect(second.status).toBe(409);
    expect(second.body.error).toMatchObject({
      code: "checkout_in_progress",
      details: { checkout_id: first.body.checkout.id, state: "locked", phase: "price_lock", expires_at: first.body.checkout.expires_at },
    });
    expect(await stockOf(v!)).toMatchObject({ reserved: 1 });
    await expectInvariants();
  });

  it("409 cart_completed for start, complete and cancel once the cart became an order", async () => {
    const [v] = await createProduct();
    const cart = await cartWith([[v!, 1]]);
    const paid = await completeCheckout(cart);
    expect(paid.status).toBe(201);
    for (const res of [await startCheckout(cart), await completeCheckout(cart), await cancelCheckout(cart)]) {
      expect(res.status).toBe(409);
      expect(res.body.error).toMatchObject({ code: "cart_completed", details: { order_id: paid.body.order.id } });
    }
    expect(await stockOf(v!)).toMatchObject({ on_hand: 9, reserved: 0 });
    await expectInvariants();
  });

  it("422 invalid_discount_code for a code that expired since it was applied", async () => {
    const [v] = await createProduct();
    const code = uniqueCode("LATE");
    await createDiscount({ code, type: "fixed", amount: 100, currency: "USD" });
    const cart = await cartWithCodes([[v!, 1]], [code]);
    // The admin API has no discount edit: the code's window closing is its end moving into the past.
    await env.DB.prepare("UPDATE discounts SET ends_at = ? WHERE code = ?")
      .bind(new Date(Date.now() - 1000).toISOString(), code)
      .run();
    const res = await startCheckout(cart);
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: "invalid_discount_code", details: { code, reason: "expired" } });
    await expectStillOpen(cart, v!);
  });

  it("422 invalid_discount_code for a code used up since it was applied", async () => {
    const [v] = await createProduct();
    const code = uniqueCode("ONCE");
    await createDiscount({ code, type: "percentage", percent: 50, usage_limit: 1 });
    const first = await cartWithCodes([[v!, 1]], [code]);
    const second = await cartWithCodes([[v!, 1]], [code]);
    expect((await completeCheckout(first)).status).toBe(201);
    const res = await startCheckout(second);
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: "invalid_discount_code", details: { code, reason: "used_up" } });
    await expectStillOpen(second, v!);
  });

  it("404 variant_not_found when a line's variant was withdrawn since it was added", async () => {
    const [gone, kept] = await createProduct([{}, {}]);
    const cart = await cartWith([
      [gone!, 1],
      [kept!, 1],
    ]);
    // No admin route withdraws a variant yet; the catalog row is what phase 1 checks.
    await env.DB.prepare("UPDATE variants SET active = 0 WHERE id = ?").bind(gone).run();
    const res = await startCheckout(cart);
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: "variant_not_found", details: { variant_id: gone, phase: "cart_validation" } });
    expect(await stockOf(kept!)).toMatchObject({ reserved: 0 });
    await expectStillOpen(cart, kept!);
  });

  it("409 price_changed beyond CHECKOUT_PRICE_DRIFT_TOLERANCE (1); within it the checkout locks", async () => {
    const [v] = await createProduct([{ prices: { USD: 1000 } }]);
    const cart = await cartWith([[v!, 2]]);
    const drifted = await startCheckout(cart, { expected_total: 2002 });
    expect(drifted.status).toBe(409);
    expect(drifted.body.error).toMatchObject({ code: "price_changed", details: { expected_total: 2002, actual_total: 2000 } });
    expect(await stockOf(v!)).toMatchObject({ reserved: 0 });
    expect((await getCart(cart)).locked).toBe(false);

    const close = await startCheckout(cart, { expected_total: 1999 });
    expect(close.status).toBe(201);
    expect(close.body.checkout.quote.total).toBe(2000);
    await expectInvariants();
  });

  it("400 validation_error for ttl_minutes above CHECKOUT_MAX_TTL_MINUTES (60) on start and complete; 60 itself is fine", async () => {
    const [v] = await createProduct();
    const cart = await cartWith([[v!, 1]]);
    for (const ttl of [61, 24 * 60 + 1, 0]) {
      const res = await startCheckout(cart, { ttl_minutes: ttl });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("validation_error");
      expect(JSON.stringify(res.body.error.details.issues)).toContain("ttl_minutes");
    }
    expect((await getCart(cart)).locked).toBe(false);
    const before = Date.now();
    const res = await startCheckout(cart, { ttl_minutes: 60 });
    expect(res.status).toBe(201);
    const ttlMs = Date.parse(res.body.checkout.expires_at) - before;
    expect(ttlMs).toBeGreaterThan(59 * 60_000);
    expect(ttlMs).toBeLessThanOrEqual(60 * 60_000 + 30_000); // the request's own time, even on a slow machine

    // Complete refuses it too, even with the checkout already locked (where it would not
    // be used): bad input never pays.
    const complete = await completeCheckout(cart, "tok_visa", {}, { ttl_minutes: 61 });
    expect(complete.status).toBe(400);
    expect(complete.body.error.code).toBe("validation_error");
    expect(JSON.stringify(complete.body.error.details.issues)).toContain("ttl_minutes");
    expect(await getCart(cart)).toMatchObject({ completed: false, checkout: { state: "locked", order_id: null } });
    expect((await completeCheckout(cart, "tok_visa", {}, { ttl_minutes: 60 })).status).toBe(201);
    await expectInvariants();
  });

  it("400 validation_error for a payment method of another gateway, before anything happens", async () => {
    const [v] = await createProduct();
    const cart = await cartWith([[v!, 1]]);
    const res = await call("POST", `/v1/carts/${cart.id}/checkout/complete`, {
      headers: cart.auth,
      body: { payment: { method: "stripe", payment_method: "pm_card_visa" } },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("validation_error");
    expect((await getCart(cart)).checkout).toBeNull();
  });
});

describe("cancel and complete without a checkout", () => {
  it("409 no_active_checkout for cancel with nothing active", async () => {
    const [v] = await createProduct();
    const cart = await cartWith([[v!, 1]]);
    const res = await cancelCheckout(cart);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("no_active_checkout");
    expect((await getCart(cart)).checkout).toBeNull();
  });
});
