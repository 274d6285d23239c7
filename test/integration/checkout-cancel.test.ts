/**
 * Cancelling a checkout (docs/contract.md): everything released, the cart editable again, and
 * `409 no_active_checkout` when there is nothing to cancel. A paid checkout cannot be
 * cancelled: past the pivot the saga only goes forward.
 */
import { describe, expect, it } from "vitest";
import { addLine, cancelCheckout, cartWith, completeCheckout, createProduct, fault, getCart, startCheckout, stockOf } from "../support/api";
import { expectInvariants } from "../support/invariants";
import { cartWithCodes, checkoutTrace, createDiscount, storedCheckout, uniqueCode } from "../support/saga";

describe("cancel", () => {
  it("releases stock, quote and discount, records why, and leaves the cart editable and unchanged", async () => {
    const [a, b] = await createProduct([
      { prices: { USD: 1000 }, stock: 3 },
      { prices: { USD: 250 }, stock: 8 },
    ]);
    const code = uniqueCode("BYE");
    await createDiscount({ code, type: "percentage", percent: 20, usage_limit: 1 });
    const cart = await cartWithCodes(
      [
        [a!, 3],
        [b!, 4],
      ],
      [code],
    );
    const version = (await getCart(cart)).version;
    const started = await startCheckout(cart);
    const checkoutId = started.body.checkout.id;
    expect(await stockOf(a!)).toMatchObject({ reserved: 3 });

    const res = await cancelCheckout(cart);
    expect(res.status).toBe(200);
    expect(res.body.checkout).toMatchObject({ id: checkoutId, state: "cancelled", cancel_reason: "customer", can_resume: false });

    expect(await stockOf(a!)).toMatchObject({ on_hand: 3, reserved: 0 });
    expect(await stockOf(b!)).toMatchObject({ on_hand: 8, reserved: 0 });
    const trace = await checkoutTrace(checkoutId);
    expect(trace.row).toMatchObject({ state: "cancelled" });
    expect(trace.row!.cancelled_at).not.toBeNull();
    expect(trace.row!.failure_reason).toMatchObject({ cancel_reason: "customer" });
    expect(trace.quote).toMatchObject({ status: "released" });
    expect(trace.discounts).toEqual([{ code, status: "released" }]);
    expect(trace.events).toEqual(["checkout.started", "checkout.cancelled"]);
    expect(await getCart(cart)).toMatchObject({ version, locked: false, checkout: { state: "cancelled", can_checkout: true } });
    expect((await addLine(cart, b!, 1)).status).toBe(200);
    await expectInvariants();

    // The code's only use went back with it: another start can take it.
    const again = await startCheckout(cart);
    expect(again.status).toBe(201);
    expect(again.body.checkout.quote.discount_total).toBeGreaterThan(0);
    await expectInvariants();
  });

  it("409 no_active_checkout for a second cancel", async () => {
    const [v] = await createProduct();
    const cart = await cartWith([[v!, 1]]);
    await startCheckout(cart);
    expect((await cancelCheckout(cart)).status).toBe(200);
    const second = await cancelCheckout(cart);
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe("no_active_checkout");
    expect((await storedCheckout(cart)).state).toBe("cancelled");
  });

  it("cancels a checkout whose card was declined; the declined attempt stays on record", async () => {
    const [v] = await createProduct([{ stock: 2 }]);
    const cart = await cartWith([[v!, 2]]);
    const started = await startCheckout(cart);
    expect((await completeCheckout(cart, "tok_decline")).status).toBe(402);
    expect((await cancelCheckout(cart)).status).toBe(200);
    const trace = await checkoutTrace(started.body.checkout.id);
    expect(trace.payments).toMatchObject([{ attempt: 1, status: "declined" }]);
    expect(trace.charges.map((c) => c.status)).toEqual(["declined"]);
    expect(await stockOf(v!)).toMatchObject({ reserved: 0 });
    await expectInvariants();
  });

  it("never cancels a captured payment: a cancel while the stock commit waits finishes the sale first", async () => {
    const [v] = await createProduct([{ stock: 2 }]);
    const cart = await cartWith([[v!, 1]]);
    await startCheckout(cart);
    const paid = await completeCheckout(cart, "tok_visa", fault("stock_commit"));
    expect(paid.status).toBe(201);
    expect(paid.body.checkout.state).toBe("committing");

    // The pending commit is finished before the cancel is considered, so there is nothing to cancel.
    const refused = await cancelCheckout(cart);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: "cart_completed", details: { order_id: paid.body.order.id } });
    expect((await storedCheckout(cart)).state).toBe("completed");
    expect(await stockOf(v!)).toMatchObject({ on_hand: 1, reserved: 0 });
    const trace = await checkoutTrace(paid.body.checkout.id);
    expect(trace.orders).toMatchObject([{ status: "paid" }]);
    expect(trace.charges).toMatchObject([{ status: "captured" }]);
    await expectInvariants();
  });
});
