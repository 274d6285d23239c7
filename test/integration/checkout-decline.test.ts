/**
 * Payment outcomes of the test gateway (docs/contract.md): a decline at authorization is not a
 * failure — the checkout stays locked with its stock and quote and may be paid again —
 * while a capture decline or a gateway error rolls the checkout back.
 */
import { describe, expect, it } from "vitest";
import { addLine, call, cartWith, completeCheckout, createProduct, getCart, startCheckout, stockOf } from "../support/api";
import { expectInvariants } from "../support/invariants";
import { checkoutTrace } from "../support/saga";

describe("declined payments", () => {
  it("keeps the checkout locked after tok_decline and tok_insufficient_funds, then pays once with tok_visa", async () => {
    const [v] = await createProduct([{ prices: { USD: 2500 }, stock: 4 }]);
    const cart = await cartWith([[v!, 1]]);
    const started = await startCheckout(cart);
    const checkoutId = started.body.checkout.id;

    for (const [token, declineCode] of [
      ["tok_decline", "card_declined"],
      ["tok_insufficient_funds", "insufficient_funds"],
    ] as const) {
      const declined = await completeCheckout(cart, token);
      expect(declined.status).toBe(402);
      expect(declined.body.error).toMatchObject({
        code: "payment_declined",
        details: { decline_code: declineCode, can_resume: true, phase: "payment_authorization", checkout_id: checkoutId },
      });
      // Still locked, with its stock, quote and deadline: the shopper can pay again.
      const status = await call("GET", `/v1/carts/${cart.id}/checkout`, { headers: cart.auth });
      expect(status.body).toMatchObject({ locked: true, can_checkout: false, lock_id: checkoutId, state: "locked", can_resume: true });
      expect(status.body.expires_at).toBe(started.body.checkout.expires_at);
      expect(await stockOf(v!)).toMatchObject({ on_hand: 4, reserved: 1 });
      expect((await addLine(cart, v!, 1)).status).toBe(423);
      await expectInvariants();
    }

    const paid = await completeCheckout(cart, "tok_visa");
    expect(paid.status).toBe(201);
    expect(paid.body.checkout).toMatchObject({ id: checkoutId, state: "completed" });
    expect(paid.body.checkout.payment_attempts.map((a: { status: string }) => a.status)).toEqual(["declined", "declined", "captured"]);
    expect(paid.body.order).toMatchObject({ total: 2500, payment: { status: "captured", amount: 2500 } });

    const trace = await checkoutTrace(checkoutId);
    expect(trace.orders).toHaveLength(1);
    expect(trace.payments.map((p) => [p.attempt, p.status])).toEqual([
      [1, "declined"],
      [2, "declined"],
      [3, "captured"],
    ]);
    expect(trace.charges.map((c) => [c.token, c.status])).toEqual([
      ["tok_decline", "declined"],
      ["tok_insufficient_funds", "declined"],
      ["tok_visa", "captured"],
    ]);
    expect(trace.timeline).toEqual(["stock_reserved", "price_locked", "payment_declined", "payment_declined", "order_created", "completed"]);
    expect(await stockOf(v!)).toMatchObject({ on_hand: 3, reserved: 0 });
    await expectInvariants();
  });

  it("declines at once when complete has to start the checkout itself, leaving it locked", async () => {
    const [v] = await createProduct([{ prices: { USD: 700 }, stock: 2 }]);
    const cart = await cartWith([[v!, 2]]);
    const declined = await completeCheckout(cart, "tok_decline");
    expect(declined.status).toBe(402);
    expect(declined.body.error.details.can_resume).toBe(true);
    expect((await getCart(cart)).checkout).toMatchObject({ locked: true, state: "locked", can_resume: true });
    expect(await stockOf(v!)).toMatchObject({ reserved: 2 });
    await expectInvariants();
  });

  it("treats an unknown test token as a declined card", async () => {
    const [v] = await createProduct([{ prices: { USD: 700 }, stock: 2 }]);
    const cart = await cartWith([[v!, 1]]);
    const declined = await completeCheckout(cart, "tok_made_up");
    expect(declined.status).toBe(402);
    expect(declined.body.error.details).toMatchObject({ decline_code: "invalid_token", can_resume: true });
    await expectInvariants();
  });
});

describe("payment failures that roll back", () => {
  it("tok_capture_decline: authorized, capture declined, authorization voided, checkout failed", async () => {
    const [v] = await createProduct([{ prices: { USD: 1200 }, stock: 3 }]);
    const cart = await cartWith([[v!, 2]]);
    const version = (await getCart(cart)).version;
    const started = await startCheckout(cart);
    const checkoutId = started.body.checkout.id;

    const res = await completeCheckout(cart, "tok_capture_decline");
    expect(res.status).toBe(402);
    expect(res.body.error).toMatchObject({ code: "payment_declined", details: { phase: "payment_capture", can_resume: false, checkout_id: checkoutId } });

    const trace = await checkoutTrace(checkoutId);
    expect(trace.charges).toEqual([{ token: "tok_capture_decline", status: "voided", amount: 2400, captured_amount: null }]);
    expect(trace.payments).toMatchObject([{ attempt: 1, status: "voided" }]);
    expect(trace.orders).toMatchObject([{ status: "cancelled" }]);
    expect(trace.quote).toMatchObject({ status: "released" });
    expect(trace.row).toMatchObject({ state: "failed", phase: "payment_capture" });
    expect(trace.row!.failure_reason).toMatchObject({ phase: "payment_capture", code: "payment_declined", attempts: 1 });
    expect(await stockOf(v!)).toMatchObject({ on_hand: 3, reserved: 0 });
    expect(await getCart(cart)).toMatchObject({ version, locked: false, checkout: { state: "failed", can_checkout: true } });
    await expectInvariants();
  });

  it("tok_gateway_error: 502 with can_resume, the checkout stays locked with its stock, and another card pays the same checkout", async () => {
    const [v] = await createProduct([{ prices: { USD: 900 }, stock: 1 }]);
    const cart = await cartWith([[v!, 1]]);
    const started = await startCheckout(cart);
    const checkoutId = started.body.checkout.id;

    const res = await completeCheckout(cart, "tok_gateway_error");
    expect(res.status).toBe(502);
    expect(res.body.error).toMatchObject({
      code: "payment_gateway_error",
      details: { phase: "payment_authorization", checkout_id: checkoutId, can_resume: true },
    });
    const trace = await checkoutTrace(checkoutId);
    expect(trace.row).toMatchObject({ state: "locked" });
    expect(trace.charges.filter((c) => c.status === "authorized" || c.status === "captured")).toEqual([]);
    expect(trace.timeline).toContain("payment_reset");
    // The only unit stays held for this checkout.
    expect(await stockOf(v!)).toMatchObject({ on_hand: 1, reserved: 1 });
    expect((await getCart(cart)).checkout).toMatchObject({ state: "locked", can_resume: true });
    await expectInvariants();

    const retry = await completeCheckout(cart, "tok_visa");
    expect(retry.status).toBe(201);
    expect(retry.body.checkout.id).toBe(checkoutId);
    expect(await stockOf(v!)).toMatchObject({ on_hand: 0, reserved: 0 });
    await expectInvariants();
  });
});
