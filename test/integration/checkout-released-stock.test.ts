/**
 * An authorization that hangs past the checkout's deadline and a full cleanup interval:
 * the cleanup job releases the checkout's stock meanwhile (its D1 row still reads
 * `locked`). When the gateway finally answers, the order-creation batch must refuse to
 * run without the checkout's reservations, so the checkout rolls back (the authorization
 * voided) instead of capturing a payment and committing no stock.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createDb, isoNow } from "../../src/db/client";
import { releaseStockOf } from "../../src/inventory/stock-ledger";
import { cartWith, completeCheckout, createProduct, startCheckout, stockOf } from "../support/api";
import { expectInvariants } from "../support/invariants";
import { moveDeadline } from "../support/overdue";
import { armPause, checkoutTrace, releasePause, salesOf, storedCheckout, waitUntilPaused } from "../support/saga";

describe("stock released under a hung authorization", () => {
  it("rolls the checkout back when its order would be created: nothing captured, nothing committed", async () => {
    const [v] = await createProduct([{ prices: { USD: 2200 }, stock: 2 }]);
    const cart = await cartWith([[v!, 1]]);
    const started = await startCheckout(cart);
    const checkoutId: string = started.body.checkout.id;
    await armPause(cart, "payment_authorization");
    const paying = completeCheckout(cart, "tok_visa", { "idempotency-key": crypto.randomUUID() });
    await waitUntilPaused(cart, "payment_authorization");

    // The gateway hangs past the deadline and a full cleanup interval (5 minutes), and the
    // cleanup job releases the checkout's stock as overdue (its own release statement).
    await moveDeadline(cart.id, new Date(Date.now() - 6 * 60_000).toISOString());
    const [released] = await createDb(env.DB).batch([releaseStockOf(createDb(env.DB), [checkoutId], isoNow()).returning()]);
    expect(released).toHaveLength(1);
    expect(await stockOf(v!)).toMatchObject({ on_hand: 2, reserved: 0 });

    await releasePause(cart, "payment_authorization");
    const res = await paying;
    expect(res.status, JSON.stringify(res.body)).toBe(410);
    expect(res.body.error).toMatchObject({ code: "checkout_expired", details: { checkout_id: checkoutId } });
    expect(await storedCheckout(cart)).toMatchObject({ state: "expired" });
    const trace = await checkoutTrace(checkoutId);
    expect(trace.charges.map((c) => c.status)).toEqual(["voided"]);
    expect(trace.orders.every((o) => o.status !== "paid")).toBe(true);
    expect(trace.reservations.map((r) => r.status)).toEqual(["released"]);
    expect(await salesOf(cart)).toEqual({ orders: [], captures: [] });
    expect(await stockOf(v!)).toMatchObject({ on_hand: 2, reserved: 0 });
    await expectInvariants();
  });
});
