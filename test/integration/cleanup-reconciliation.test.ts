/**
 * Payment reconciliation after the deadline: a hold nobody voided is voided; a payment
 * captured at the gateway whose order was never finished is finished by its own cart
 * object (never by a second order path), or raised as an alert when it cannot be.
 */
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, onTestFinished, vi } from "vitest";
import type { PaymentAttempt } from "../../src/cart/cart-state";
import { upsertCheckoutRow, upsertOrder, upsertPayment } from "../../src/db/checkout-records";
import { createDb, isoNow } from "../../src/db/client";
import { runCleanup } from "../../src/jobs/cleanup";
import { newId } from "../../src/lib/ids";
import { paymentKeys } from "../../src/payments/gateway";
import { TestGateway } from "../../src/payments/test-gateway";
import { ADMIN, call, cartWith, createProduct, startCheckout, stockOf, type TestCart } from "../support/api";
import { recordingQueue } from "../support/events";
import { checkoutRow, expectInvariants, gatewayCharges } from "../support/invariants";
import { cancelOrder, paidOrder, refund } from "../support/orders";
import { makeOverdue } from "../support/overdue";
import { storedCheckout } from "../support/saga";

afterEach(() => vi.restoreAllMocks());

const db = createDb(env.DB);
const gateway = new TestGateway(db);
const cleanup = (overrides: Partial<Cloudflare.Env> = {}) => runCleanup({ ...env, EVENTS: recordingQueue().queue, ...overrides });

async function lockedCheckout(stock = 5, quantity = 2): Promise<{ cart: TestCart; variant: string; checkoutId: string; total: number }> {
  const [variant] = await createProduct([{ prices: { USD: 1800 }, stock }]);
  const cart = await cartWith([[variant!, quantity]]);
  const started = await startCheckout(cart);
  expect(started.status).toBe(201);
  return { cart, variant: variant!, checkoutId: started.body.checkout.id, total: started.body.checkout.quote.total };
}

/** An authorization made at the gateway under the saga's own key for attempt 1. */
async function authorizeAtGateway(checkoutId: string, cartId: string, amount: number): Promise<string> {
  const auth = await gateway.authorize({
    idempotencyKey: paymentKeys.authorize(checkoutId, 1),
    amount,
    currency: "USD",
    method: { method: "test", token: "tok_visa" },
    metadata: { checkout_id: checkoutId, cart_id: cartId, attempt: 1 },
  });
  if (auth.status !== "authorized") throw new Error(`authorize: ${JSON.stringify(auth)}`);
  return auth.reference;
}

async function timeline(checkoutId: string) {
  return (
    await env.DB.prepare("SELECT event, key FROM checkout_events WHERE checkout_id = ? ORDER BY id").bind(checkoutId).all<{ event: string; key: string }>()
  ).results;
}

/**
 * The state a crash leaves when the capture reached the gateway and the object died
 * before recording it: the object in `capturing`, D1 as the order batch wrote it
 * (order pending payment, payment authorized), the gateway holding a capture.
 */
async function crashAfterCapture(cart: TestCart, checkoutId: string, total: number): Promise<void> {
  const reference = await authorizeAtGateway(checkoutId, cart.id, total);
  expect((await gateway.capture({ idempotencyKey: paymentKeys.capture(checkoutId, 1), reference, amount: total, currency: "USD" })).status).toBe("captured");
  await makeOverdue(cart.id, 30, (rec) => {
    const attempt: PaymentAttempt = {
      number: 1,
      paymentId: newId("pay"),
      provider: "test",
      key: paymentKeys.authorize(checkoutId, 1),
      method: { method: "test", token: "tok_visa" },
      status: "authorized",
      reference,
      declineCode: null,
      recorded: true,
    };
    rec.attempts = [attempt];
    rec.orderId = newId("ord");
    rec.state = "capturing";
    rec.phase = "payment_capture";
  });
  const rec = await storedCheckout(cart);
  const now = isoNow();
  await db.batch([upsertPayment(db, rec, rec.attempts[0]!, now), ...upsertOrder(db, rec, rec.quote!, now), upsertCheckoutRow(db, rec, now)]);
}

describe("cleanup: payment reconciliation", () => {
  it("voids an authorization left behind by a checkout that ended, and records it", async () => {
    const { cart, checkoutId, total } = await lockedCheckout();
    expect((await call("POST", `/v1/carts/${cart.id}/checkout/cancel`, { headers: cart.auth })).status).toBe(200);
    // The void of this hold never reached the gateway: it is still authorized, with our record saying so.
    const reference = await authorizeAtGateway(checkoutId, cart.id, total);
    await env.DB.prepare(
      "INSERT INTO payments (id, checkout_id, attempt, provider, reference, status, amount, currency, created_at, updated_at) VALUES (?1, ?2, 1, 'test', ?3, 'authorized', ?4, 'USD', ?5, ?5)",
    )
      .bind(newId("pay"), checkoutId, reference, total, isoNow())
      .run();
    await expect(expectInvariants(), "the leak is visible before cleanup").rejects.toThrow();

    vi.spyOn(console, "warn").mockImplementation(() => {});
    const result = await cleanup();
    expect(result).toMatchObject({ voided_authorizations: 1, errors: 0 });
    expect(await gatewayCharges(checkoutId)).toEqual([{ status: "voided", amount: total, captured_amount: null }]);
    const payment = await env.DB.prepare("SELECT status FROM payments WHERE checkout_id = ?").bind(checkoutId).first();
    expect(payment).toEqual({ status: "voided" });
    expect((await timeline(checkoutId)).map((e) => e.event)).toContain("authorization_voided");
    await expectInvariants();

    expect((await cleanup()).voided_authorizations, "nothing left to void").toBe(0);
  });

  it("rolls a captured checkout forward through its cart object when the capture's record was lost", async () => {
    const { cart, variant, checkoutId, total } = await lockedCheckout(5, 2);
    await crashAfterCapture(cart, checkoutId, total);

    const result = await cleanup();
    expect(result).toMatchObject({ finished: 1, expired: 0, voided_authorizations: 0, released_reservations: 0, errors: 0 });
    expect((await checkoutRow(checkoutId))!.state).toBe("completed");
    const orders = await env.DB.prepare("SELECT status, total FROM orders WHERE checkout_id = ?").bind(checkoutId).all();
    expect(orders.results).toEqual([{ status: "paid", total }]);
    expect(await gatewayCharges(checkoutId), "one capture, no second charge").toEqual([{ status: "captured", amount: total, captured_amount: total }]);
    expect(await stockOf(variant)).toMatchObject({ on_hand: 3, reserved: 0 });
    await expectInvariants();
  });

  it("finds the capture by reconciliation when the sweep failed, and asks the cart object to finish", async () => {
    const { cart, variant, checkoutId, total } = await lockedCheckout(4, 1);
    await crashAfterCapture(cart, checkoutId, total);

    // The first sweep (step 1) fails; reconciliation's void answers "already captured",
    // the quote and stock are intact, and its own request to the object goes through.
    let sweeps = 0;
    const flaky = {
      getByName: (name: string) => ({
        sweep: () => (++sweeps === 1 ? Promise.reject(new Error("blip (test)")) : env.CART.getByName(name).sweep()),
      }),
    };
    const errors: string[] = [];
    vi.spyOn(console, "error").mockImplementation((line: string) => void errors.push(line));
    const result = await cleanup({ CART: flaky as unknown as typeof env.CART });
    expect(result).toMatchObject({ finished: 0, completed_orders: 1, captured_without_order: 0, voided_authorizations: 0 });
    expect(sweeps).toBe(2);
    expect((await checkoutRow(checkoutId))!.state).toBe("completed");
    expect(await gatewayCharges(checkoutId)).toEqual([{ status: "captured", amount: total, captured_amount: total }]);
    expect(await stockOf(variant)).toMatchObject({ on_hand: 3, reserved: 0 });
    // An operator sees it in the logs and on the checkout's timeline.
    expect(errors.map((l) => JSON.parse(l)).some((l) => l.event === "reconcile.captured_without_order" && l.checkout_id === checkoutId)).toBe(true);
    expect((await timeline(checkoutId)).map((e) => e.event)).toContain("reconcile_alert");
    await expectInvariants();
  });

  it("takes a refunded or cancelled order as the sale of its capture: no alert, nothing to finish, its lock diagnosed ok", async () => {
    const refunded = await paidOrder([{ prices: { USD: 1500 }, stock: 4 }], [2]);
    const cancelled = await paidOrder([{ prices: { USD: 900 }, stock: 4 }], [1]);
    expect((await refund(refunded.order.id, { amount: 500 })).status).toBe(201);
    expect((await cancelOrder(cancelled.order.id)).status).toBe(200);
    const errors: string[] = [];
    vi.spyOn(console, "error").mockImplementation((line: string) => void errors.push(line));
    const result = await cleanup();
    expect(result).toMatchObject({ captured_without_order: 0, completed_orders: 0 });
    expect(errors.filter((l) => l.includes("reconcile."))).toEqual([]);
    for (const o of [refunded.order, cancelled.order]) {
      const lock = await call("GET", `/admin/api/diagnostics?lock_id=${o.checkout_id}`, { headers: ADMIN });
      expect(
        lock.body.checks.find((c: { name: string }) => c.name === "order"),
        o.id,
      ).toMatchObject({ status: "ok" });
      expect(lock.body.status, o.id).toBe("ok");
      expect((await timeline(o.checkout_id)).map((e) => e.event)).not.toContain("reconcile_alert");
    }
    await expectInvariants();
  });

  it("raises an alert for a captured payment without an order that cannot be finished", async () => {
    const { cart, checkoutId, total } = await lockedCheckout();
    expect((await call("POST", `/v1/carts/${cart.id}/checkout/cancel`, { headers: cart.auth })).status).toBe(200);
    // A capture recorded after the checkout was rolled back (its quote and stock released).
    const paymentId = newId("pay");
    await env.DB.prepare(
      "INSERT INTO payments (id, checkout_id, attempt, provider, status, amount, captured_amount, currency, created_at, updated_at) VALUES (?1, ?2, 1, 'test', 'captured', ?3, ?3, 'USD', ?4, ?4)",
    )
      .bind(paymentId, checkoutId, total, isoNow())
      .run();
    // The alert it raises would stay for every later run (and test): taken away at the end.
    onTestFinished(async () => {
      await env.DB.prepare("DELETE FROM payments WHERE id = ?").bind(paymentId).run();
    });

    const errors: string[] = [];
    vi.spyOn(console, "error").mockImplementation((line: string) => void errors.push(line));
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const result = await cleanup();
    expect(result).toMatchObject({ captured_without_order: 1, completed_orders: 0 });
    const alerts = errors.map((l) => JSON.parse(l)).filter((l) => l.event === "reconcile.captured_without_order");
    expect(alerts).toEqual([expect.objectContaining({ level: "error", checkout_id: checkoutId, amount: total })]);
    expect((await checkoutRow(checkoutId))!.state, "no second order path: the checkout stays as it ended").toBe("cancelled");

    // Still an alert next time, but the timeline gets it once.
    expect((await cleanup()).captured_without_order).toBe(1);
    expect((await timeline(checkoutId)).filter((e) => e.event === "reconcile_alert")).toHaveLength(1);
  });
});
