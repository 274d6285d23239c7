/**
 * Crash recovery seen from the shopper's side: after the object died mid-payment, the
 * client's retry (same Idempotency-Key) does the recovery itself when it arrives before
 * the alarm, and an object evicted between phases loses nothing.
 */
import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { addLine, completeCheckout, createProduct, getCart, startCheckout, type TestCart } from "../support/api";
import { expectInvariants } from "../support/invariants";
import { armPause, cartObject, cartWithCodes, crash, createDiscount, salesOf, uniqueCode, waitUntilPaused } from "../support/saga";

/** 2 units of a 1000-cent variant (stock 5) with a 10% code: quote total 1800. */
async function setup(): Promise<{ cart: TestCart; variant: string }> {
  const [variant] = await createProduct([{ prices: { USD: 1000 }, stock: 5 }]);
  const code = uniqueCode("RETRY");
  await createDiscount({ code, type: "percentage", percent: 10, usage_limit: 3 });
  return { cart: await cartWithCodes([[variant!, 2]], [code]), variant: variant! };
}

describe("recovery needs no alarm when the shopper retries first", () => {
  it("a retry that reaches the new instance before (or while) its alarm recovers gets the captured payment's order", async () => {
    const s = await setup();
    await startCheckout(s.cart);
    await armPause(s.cart, "payment_capture:sent");
    const key = crypto.randomUUID();
    const pending = completeCheckout(s.cart, "tok_visa", { "idempotency-key": key });
    await waitUntilPaused(s.cart, "payment_capture:sent");
    await crash(pending);

    // The new instance's alarm may already be recovering: then the answer is 409 with
    // Retry-After, and the client retries under the same key, as a storefront does.
    let retry = await completeCheckout(s.cart, "tok_visa", { "idempotency-key": key });
    for (let i = 0; i < 100 && retry.status === 409 && retry.body.error.code === "checkout_in_progress"; i++) {
      expect(retry.headers.get("retry-after")).toBe("1");
      await scheduler.wait(20);
      retry = await completeCheckout(s.cart, "tok_visa", { "idempotency-key": key });
    }
    expect(retry.status).toBe(201);
    expect(retry.body.checkout.state).toBe("completed");
    expect(await salesOf(s.cart)).toEqual({ orders: [retry.body.order.id], captures: [1800] });
    // Another key is another request: the cart is an order now.
    const other = await completeCheckout(s.cart, "tok_visa", { "idempotency-key": crypto.randomUUID() });
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe("cart_completed");
    await expectInvariants();
  });
});

describe("eviction between phases", () => {
  it("loses nothing: a locked, then declined, checkout is paid by a fresh instance each time", async () => {
    const s = await setup();
    const started = await startCheckout(s.cart);
    await evictDurableObject(cartObject(s.cart));
    expect((await addLine(s.cart, s.variant, 1)).status).toBe(423);
    expect((await completeCheckout(s.cart, "tok_decline")).status).toBe(402);
    await evictDurableObject(cartObject(s.cart));

    const paid = await completeCheckout(s.cart, "tok_visa");
    expect(paid.status).toBe(201);
    expect(paid.body.checkout).toMatchObject({ id: started.body.checkout.id, state: "completed" });
    await evictDurableObject(cartObject(s.cart));
    expect(await getCart(s.cart)).toMatchObject({ completed: true, checkout: { order_id: paid.body.order.id } });
    expect((await addLine(s.cart, s.variant, 1)).status).toBe(409);
    await expectInvariants();
  });
});
