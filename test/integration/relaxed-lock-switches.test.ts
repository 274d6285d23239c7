/**
 * With CHECKOUT_PREVENT_CONCURRENT=false and CHECKOUT_ENABLE_CART_PROTECTION=false (this
 * file runs in the "relaxed-lock" project), a checkout waiting for payment gives way:
 * a new checkout or a cart edit cancels it and releases everything. The quote is never
 * changed, and nothing mid-payment gives way, so the invariants still hold.
 */
import { describe, expect, it } from "vitest";
import { addLine, completeCheckout, createProduct, cartWith, getCart, startCheckout, stockOf } from "../support/api";
import { checkoutRow, expectInvariants } from "../support/invariants";

describe("lock switches turned off", () => {
  it("a second checkout supersedes a locked one: the first is cancelled and its stock released", async () => {
    const [v] = await createProduct([{ stock: 3 }]);
    const cart = await cartWith([[v!, 2]]);
    const first = await startCheckout(cart);
    expect(first.status).toBe(201);
    const second = await startCheckout(cart);
    expect(second.status).toBe(201);
    expect(second.body.checkout.id).not.toBe(first.body.checkout.id);
    expect(await checkoutRow(first.body.checkout.id)).toMatchObject({ state: "cancelled" });
    expect(JSON.parse((await checkoutRow(first.body.checkout.id))!.failure_reason)).toMatchObject({ cancel_reason: "superseded" });
    expect(await stockOf(v!)).toMatchObject({ on_hand: 3, reserved: 2 });
    expect((await completeCheckout(cart)).status).toBe(201);
    await expectInvariants();
  });

  it("a cart edit cancels the locked checkout and applies; the cancelled quote is not paid", async () => {
    const [a, b] = await createProduct([{ stock: 5 }, { stock: 5 }]);
    const cart = await cartWith([[a!, 1]]);
    const started = await startCheckout(cart);
    const edited = await addLine(cart, b!, 1);
    expect(edited.status).toBe(200);
    expect(edited.body.cart.lines).toHaveLength(2);
    expect(edited.body.cart.locked).toBe(false);
    expect(await checkoutRow(started.body.checkout.id)).toMatchObject({ state: "cancelled" });
    expect(await stockOf(a!)).toMatchObject({ reserved: 0 });
    // Paying now locks the new contents, not the cancelled quote.
    const paid = await completeCheckout(cart);
    expect(paid.status).toBe(201);
    expect(paid.body.order.lines).toHaveLength(2);
    expect((await getCart(cart)).completed).toBe(true);
    await expectInvariants();
  });
});
