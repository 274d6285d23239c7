import { describe, expect, it } from "vitest";
import { call, cartWith, completeCheckout, createProduct, getCart, startCheckout, stockOf, addLine } from "../support/api";
import { expectInvariants, gatewayCharges } from "../support/invariants";

describe("checkout happy path", () => {
  it("locks the cart with a signed quote, then pays exactly the quote and takes the stock", async () => {
    const [a, b] = await createProduct([
      { prices: { USD: 1999 }, stock: 5 },
      { prices: { USD: 500 }, stock: 3 },
    ]);
    const cart = await cartWith([
      [a!, 2],
      [b!, 1],
    ]);

    const started = await startCheckout(cart, { expected_total: 4498 });
    expect(started.status).toBe(201);
    const checkout = started.body.checkout;
    expect(checkout.state).toBe("locked");
    expect(checkout.quote.total).toBe(4498);
    expect(checkout.quote.signature).toMatch(/^v1\./);
    expect(await stockOf(a!)).toEqual({ variant_id: a, on_hand: 5, reserved: 2, available: 3 });

    // Locked: mutations answer 423 and change nothing.
    const locked = await addLine(cart, b!, 1);
    expect(locked.status).toBe(423);
    expect(locked.body.error.code).toBe("cart_locked");
    expect(locked.body.error.details.checkout_id).toBe(checkout.id);
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(0);

    const completed = await completeCheckout(cart);
    expect(completed.status).toBe(201);
    const order = completed.body.order;
    expect(order.total).toBe(checkout.quote.total);
    expect(order.payment).toMatchObject({ provider: "test", status: "captured", amount: 4498 });
    expect(completed.body.checkout.state).toBe("completed");
    expect(await gatewayCharges(checkout.id)).toEqual([{ status: "captured", amount: 4498, captured_amount: 4498 }]);
    expect(await stockOf(a!)).toEqual({ variant_id: a, on_hand: 3, reserved: 0, available: 3 });

    const after = await getCart(cart);
    expect(after.completed).toBe(true);
    expect(after.checkout).toMatchObject({ locked: false, can_checkout: false, order_id: order.id });
    const readOnly = await addLine(cart, b!, 1);
    expect(readOnly.status).toBe(409);
    expect(readOnly.body.error.code).toBe("cart_completed");

    const fetched = await call("GET", `/v1/orders/${order.id}`, { headers: cart.auth });
    expect(fetched.status).toBe(200);
    expect(fetched.body.order).toMatchObject({ id: order.id, total: 4498, status: "paid", payment: { status: "captured", amount: 4498 } });
    await expectInvariants();
  });
});
