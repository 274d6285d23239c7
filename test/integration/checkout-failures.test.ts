/**
 * A failure injected into each of the seven saga phases (`fault(phase)`: armed on the
 * cart object's probe, which exists only with the test binding CHECKOUT_FAULT_INJECTION=enabled). Before the pivot
 * (capture) every failure must leave nothing behind: the checkout `failed` naming its
 * phase, stock, quote and discount released, no live authorization, the cart editable
 * and unchanged. A failure after the pivot (stock commit) must not undo the sale: the
 * answer is still the order, and the alarm finishes the commit.
 */
import { describe, expect, it } from "vitest";
import { addLine, completeCheckout, createProduct, fault, getCart, startCheckout, stockOf, type TestCart } from "../support/api";
import { expectInvariants } from "../support/invariants";
import { armPause, cartWithCodes, checkoutTrace, createDiscount, recoverByAlarm, releasePause, storedCheckout, uniqueCode } from "../support/saga";

interface Setup {
  cart: TestCart;
  variant: string;
  code: string;
  version: number;
}

/** 2 units of a 1000-cent variant (stock 5) with a 10% code that has a usage limit. */
async function setup(): Promise<Setup> {
  const [variant] = await createProduct([{ prices: { USD: 1000 }, stock: 5 }]);
  const code = uniqueCode("TEN");
  await createDiscount({ code, type: "percentage", percent: 10, usage_limit: 5 });
  const cart = await cartWithCodes([[variant!, 2]], [code]);
  return { cart, variant: variant!, code, version: (await getCart(cart)).version };
}

/** Everything a failed checkout must have given back (docs/architecture.md, the saga and invariants). */
async function expectRolledBack(s: Setup, checkoutId: string, phase: string) {
  const rec = await storedCheckout(s.cart);
  expect(rec.id).toBe(checkoutId);
  expect(rec.state).toBe("failed");
  expect(rec.failure?.phase).toBe(phase);

  const trace = await checkoutTrace(checkoutId);
  expect(trace.row).toMatchObject({ state: "failed", phase });
  expect(trace.row!.failed_at).not.toBeNull();
  expect(trace.row!.failure_reason).toMatchObject({ phase });
  expect(trace.reservations.filter((r) => r.status === "active")).toEqual([]);
  expect(trace.quote === null || trace.quote.status === "released").toBe(true);
  expect(trace.discounts.filter((d) => d.status !== "released")).toEqual([]);
  expect(trace.orders.filter((o) => o.status !== "cancelled")).toEqual([]);
  expect(trace.charges.filter((c) => c.status === "authorized" || c.status === "captured")).toEqual([]);
  expect(trace.events).toContain("checkout.failed");

  expect(await stockOf(s.variant)).toMatchObject({ on_hand: 5, reserved: 0 });
  const cart = await getCart(s.cart);
  expect(cart).toMatchObject({ version: s.version, locked: false, completed: false });
  expect(cart.checkout).toMatchObject({ locked: false, can_checkout: true, state: "failed", phase });
  // Editable again.
  expect((await addLine(s.cart, s.variant, 1)).status).toBe(200);
  await expectInvariants();
}

describe("a failure in a phase before the pivot rolls everything back", () => {
  it.each([
    ["cart_validation", 503, "unavailable"],
    ["inventory_reservation", 503, "unavailable"],
    ["price_lock", 503, "unavailable"],
  ])("%s (at checkout start)", async (phase, status, code) => {
    const s = await setup();
    const res = await startCheckout(s.cart, {}, fault(phase));
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.details.phase).toBe(phase);
    const checkoutId = res.body.error.details.checkout_id;
    await expectRolledBack(s, checkoutId, phase);
    // Nothing reached D1's stock ledger at all: the failing batch rolled back as one.
    expect((await checkoutTrace(checkoutId)).reservations).toEqual([]);
  });

  it.each([
    ["order_creation", 503, "unavailable"],
    ["payment_capture", 502, "payment_gateway_error"],
  ])("%s (at completion)", async (phase, status, code) => {
    const s = await setup();
    const started = await startCheckout(s.cart);
    expect(started.status).toBe(201);
    const checkoutId = started.body.checkout.id;
    expect(await stockOf(s.variant)).toMatchObject({ reserved: 2 });

    const res = await completeCheckout(s.cart, "tok_visa", fault(phase));
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.details).toMatchObject({ phase, checkout_id: checkoutId });
    await expectRolledBack(s, checkoutId, phase);

    const trace = await checkoutTrace(checkoutId);
    // The stock had been reserved, and went back; the quote was stored, and released.
    expect(trace.reservations).toEqual([{ variant_id: s.variant, quantity: 2, status: "released" }]);
    expect(trace.quote).toMatchObject({ status: "released", total: 1800 });
    if (phase === "payment_capture") {
      // Authorized and ordered before the capture failed: voided and cancelled, in that order.
      expect(trace.charges).toEqual([{ token: "tok_visa", status: "voided", amount: 1800, captured_amount: null }]);
      expect(trace.orders).toMatchObject([{ status: "cancelled", total: 1800 }]);
    }
  });
});

describe("a gateway failure at authorization is not a failure of the checkout", () => {
  it("payment_authorization: 502 with can_resume, nothing charged, stock, quote and discount still held", async () => {
    const s = await setup();
    const checkoutId = (await startCheckout(s.cart)).body.checkout.id;
    const res = await completeCheckout(s.cart, "tok_visa", fault("payment_authorization"));
    expect(res.status).toBe(502);
    expect(res.body.error).toMatchObject({
      code: "payment_gateway_error",
      details: { phase: "payment_authorization", checkout_id: checkoutId, can_resume: true },
    });
    const trace = await checkoutTrace(checkoutId);
    expect(trace.row).toMatchObject({ state: "locked" });
    expect(trace.reservations).toEqual([{ variant_id: s.variant, quantity: 2, status: "active" }]);
    expect(trace.quote).toMatchObject({ status: "active", total: 1800 });
    expect(trace.discounts.map((d) => d.status)).toEqual(["active"]);
    expect(trace.charges.filter((c) => c.status === "authorized" || c.status === "captured")).toEqual([]);
    const paid = await completeCheckout(s.cart, "tok_visa");
    expect(paid.status).toBe(201);
    expect(paid.body.order.total).toBe(1800);
    await expectInvariants();
  });
});

describe("a failure after the pivot only goes forward", () => {
  it("stock_commit: still 201 with the order, `committing` until the alarm commits the stock", async () => {
    const s = await setup();
    const started = await startCheckout(s.cart);
    const checkoutId = started.body.checkout.id;
    // The retry is an alarm 1 s ahead that a slow test could see fire by itself: it waits
    // at the commit until the test has looked at the state in between.
    await armPause(s.cart, "stock_commit");

    const res = await completeCheckout(s.cart, "tok_visa", fault("stock_commit"));
    expect(res.status).toBe(201);
    expect(res.body.checkout.state).toBe("committing");
    expect(res.body.order).toMatchObject({ total: 1800, payment: { status: "captured", amount: 1800 } });
    // Paid, so never rolled back: the stock stays held by the reservation meanwhile.
    expect(await stockOf(s.variant)).toMatchObject({ on_hand: 5, reserved: 2 });
    expect((await getCart(s.cart)).checkout).toMatchObject({ locked: true, state: "committing", phase: "stock_commit" });
    expect((await addLine(s.cart, s.variant, 1)).status).toBe(423);
    expect((await storedCheckout(s.cart)).retry.nextAt).not.toBeNull();
    // Between capture and commit the order exists once, awaiting the commit that marks it paid.
    const midway = await checkoutTrace(checkoutId);
    expect(midway.orders).toMatchObject([{ id: res.body.order.id, status: "pending_payment", total: 1800 }]);
    expect(midway.charges).toMatchObject([{ status: "captured", captured_amount: 1800 }]);
    expect(midway.reservations).toEqual([{ variant_id: s.variant, quantity: 2, status: "active" }]);

    await releasePause(s.cart, "stock_commit");
    const rec = await recoverByAlarm(s.cart);
    expect(rec).toMatchObject({ state: "completed", orderId: res.body.order.id, retry: { nextAt: null } });
    expect(await stockOf(s.variant)).toMatchObject({ on_hand: 3, reserved: 0 });
    const trace = await checkoutTrace(checkoutId);
    expect(trace.row).toMatchObject({ state: "completed", order_id: res.body.order.id });
    expect(trace.orders).toMatchObject([{ status: "paid", total: 1800 }]);
    expect(trace.charges).toMatchObject([{ status: "captured", captured_amount: 1800 }]);
    expect(trace.discounts).toEqual([{ code: s.code, status: "consumed" }]);
    expect(await getCart(s.cart)).toMatchObject({ completed: true, locked: false });
    await expectInvariants();
  });
});
