/**
 * A rollback before the pivot whose void finds the payment already captured (the merchant
 * captured it in the gateway's dashboard, or a capture from another process landed): the
 * saga gives the money back with a refund under its own key before the checkout ends, and a
 * refund the gateway refuses keeps the checkout rolling back, cart locked and stock held,
 * until the refund goes through; it never ends `failed` with the shopper's money kept.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { completeCheckout, createProduct, fault, getCart, startCheckout, stockOf, type TestCart } from "../support/api";
import { expectInvariants } from "../support/invariants";
import { armPause, cartWithCodes, checkoutTrace, recoverByAlarm, releasePause, storedCheckout, waitUntilPaused } from "../support/saga";

/** The gateway's ledger changed behind the saga's back, while it is paused after the authorization. */
async function chargeCapturedAtGateway(checkoutId: string, token: string) {
  const changed = await env.DB.prepare(
    `UPDATE test_gateway_charges SET status = 'captured', captured_amount = amount, token = ?
     WHERE authorization_key LIKE ? AND status = 'authorized'`,
  )
    .bind(token, `%${checkoutId}%`)
    .run();
  expect(changed.meta.changes).toBe(1);
}

/** An authorized checkout paused after its authorization, captured at the gateway, then failing at order creation. */
async function rollbackOfACapturedPayment(tokenAtGateway: string) {
  const [variant] = await createProduct([{ prices: { USD: 1000 }, stock: 5 }]);
  const cart: TestCart = await cartWithCodes([[variant!, 2]], []);
  const checkoutId: string = (await startCheckout(cart)).body.checkout.id;
  await armPause(cart, "payment_authorization:sent");
  const completing = completeCheckout(cart, "tok_visa", fault("order_creation"));
  await waitUntilPaused(cart, "payment_authorization:sent");
  await chargeCapturedAtGateway(checkoutId, tokenAtGateway);
  await releasePause(cart, "payment_authorization:sent");
  return { cart, variant: variant!, checkoutId, answer: await completing };
}

describe("a void that finds the payment captured during a rollback", () => {
  it("refunds the captured amount, then ends the checkout failed with everything given back", async () => {
    const { cart, variant, checkoutId, answer } = await rollbackOfACapturedPayment("tok_visa");
    expect(answer.status).toBe(503);
    expect(answer.body.error).toMatchObject({ code: "unavailable", details: { phase: "order_creation", checkout_id: checkoutId } });

    const trace = await checkoutTrace(checkoutId);
    expect(trace.row).toMatchObject({ state: "failed", phase: "order_creation" });
    expect(trace.charges).toEqual([{ token: "tok_visa", status: "refunded", amount: 2000, captured_amount: 2000 }]);
    expect(trace.payments).toMatchObject([{ attempt: 1, status: "refunded", amount: 2000 }]);
    const refunds = await env.DB.prepare(
      `SELECT r.amount, r.currency FROM test_gateway_refunds r JOIN test_gateway_charges c ON c.id = r.charge_id WHERE c.authorization_key LIKE ?`,
    )
      .bind(`%${checkoutId}%`)
      .all<{ amount: number; currency: string }>();
    expect(refunds.results).toEqual([{ amount: 2000, currency: "USD" }]);
    expect(trace.orders.filter((o) => o.status !== "cancelled")).toEqual([]);
    expect(await stockOf(variant)).toMatchObject({ on_hand: 5, reserved: 0 });
    expect(await getCart(cart)).toMatchObject({ locked: false, completed: false });
    await expectInvariants();
  });

  it("keeps rolling back while the refund is refused (cart locked, stock held), and ends once the refund goes through", async () => {
    const { cart, variant, checkoutId, answer } = await rollbackOfACapturedPayment("tok_refund_fails");
    expect(answer.status).toBe(503);
    expect(answer.body.error).toMatchObject({ code: "unavailable", details: { phase: "order_creation", checkout_id: checkoutId } });

    const stuck = await storedCheckout(cart);
    expect(stuck.state).toBe("rolling_back");
    expect((await checkoutTrace(checkoutId)).charges).toMatchObject([{ status: "captured", captured_amount: 2000 }]);
    expect(await stockOf(variant)).toMatchObject({ on_hand: 5, reserved: 2 });
    expect(await getCart(cart)).toMatchObject({ locked: true });

    // A retry while the gateway still refuses changes nothing.
    await recoverByAlarm(cart, () => true);
    expect((await storedCheckout(cart)).state).toBe("rolling_back");
    expect((await checkoutTrace(checkoutId)).charges).toMatchObject([{ status: "captured" }]);

    // The gateway takes refunds again: the next retry refunds and finishes the rollback.
    await env.DB.prepare("UPDATE test_gateway_charges SET token = 'tok_visa' WHERE authorization_key LIKE ?").bind(`%${checkoutId}%`).run();
    const ended = await recoverByAlarm(cart);
    expect(ended.state).toBe("failed");
    const trace = await checkoutTrace(checkoutId);
    expect(trace.charges).toMatchObject([{ status: "refunded", captured_amount: 2000 }]);
    expect(trace.payments).toMatchObject([{ attempt: 1, status: "refunded" }]);
    expect(await stockOf(variant)).toMatchObject({ on_hand: 5, reserved: 0 });
    expect(await getCart(cart)).toMatchObject({ locked: false });
    await expectInvariants();
  });
});
