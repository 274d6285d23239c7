/**
 * Outages in the middle of a saga: D1 or the gateway stops answering between two steps.
 * The saga must neither lose nor invent anything: a step that cannot finish is retried
 * by the alarm with backoff until it does, the cart stays locked meanwhile, and a
 * capture whose outcome is unknown is decided only once the gateway can say which side
 * of the pivot we are on.
 *
 * The outage is simulated inside the cart's object: its `db` (what the saga writes
 * through) is swapped for one whose batches fail, or its `gateway` for one that loses
 * answers. The test gateway keeps its own D1 handle, so the money side stays truthful.
 */
import { runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { CheckoutRecord } from "../../src/cart/cart-state";
import { isInFlight } from "../../src/checkout/state-machine";
import type { Database } from "../../src/db/client";
import type { PaymentGateway } from "../../src/payments/gateway";
import { ADMIN, addLine, call, cancelCheckout, cartWith, completeCheckout, createProduct, startCheckout, stockOf, type TestCart } from "../support/api";
import { expectInvariants } from "../support/invariants";
import {
  armPause,
  cartObject,
  checkoutTrace,
  crash,
  inCartObject,
  recoverByAlarm,
  releasePause,
  salesOf,
  storedCheckout,
  waitUntilPaused,
} from "../support/saga";

type Swappable = { db: Database; gateway: PaymentGateway; realDb?: Database; realGateway?: PaymentGateway };

/** Every D1 batch of the cart's saga fails (reads outside batches still work) until `up`. */
async function d1(cart: TestCart, state: "down" | "up") {
  await inCartObject(cart, (obj) => {
    const o = obj as unknown as Swappable;
    o.realDb ??= o.db;
    o.db =
      state === "up"
        ? o.realDb
        : new Proxy(o.realDb, {
            get(target, prop) {
              if (prop === "batch") return () => Promise.reject(new Error("D1_ERROR: Network connection lost. (simulated outage)"));
              const value = Reflect.get(target, prop, target);
              return typeof value === "function" ? value.bind(target) : value;
            },
          });
  });
}

/** The gateway captures but the answer is lost, and voids cannot get through, until `up`. */
async function gatewayLosingAnswers(cart: TestCart, state: "down" | "up") {
  await inCartObject(cart, (obj) => {
    const o = obj as unknown as Swappable;
    o.realGateway ??= o.gateway;
    const real = o.realGateway;
    o.gateway =
      state === "up"
        ? real
        : new Proxy(real, {
            get(target, prop) {
              if (prop === "capture") {
                return async (req: Parameters<PaymentGateway["capture"]>[0]) => {
                  await real.capture(req);
                  throw new Error("The gateway timed out (simulated)");
                };
              }
              if (prop === "void") return async () => ({ status: "error", message: "The gateway is unreachable (simulated)" });
              const value = Reflect.get(target, prop, target);
              return typeof value === "function" ? value.bind(target) : value;
            },
          });
  });
}

const alarmOf = (cart: TestCart) => inCartObject(cart, (_, state) => state.storage.getAlarm());

describe("D1 stops answering after the capture", () => {
  it("answers the order, retries the stock commit with backoff, refuses a cancel, and completes when D1 is back", async () => {
    const [v] = await createProduct([{ prices: { USD: 1500 }, stock: 3 }]);
    const cart = await cartWith([[v!, 1]]);
    await startCheckout(cart);
    await armPause(cart, "payment_capture:sent");
    const paying = completeCheckout(cart, "tok_visa");
    await waitUntilPaused(cart, "payment_capture:sent");
    await d1(cart, "down");
    await releasePause(cart, "payment_capture:sent");

    const paid = await paying;
    expect(paid.status).toBe(201);
    expect(paid.body.checkout.state).toBe("committing");
    let rec = await storedCheckout(cart);
    expect(rec.retry.attempts).toBe(1);
    expect(rec.retry.lastError).toContain("simulated outage");
    // The next try is the alarm, at the retry time, well before the deadline.
    const firstRetry = Date.parse(rec.retry.nextAt!);
    expect(await alarmOf(cart)).toBe(firstRetry);
    expect(firstRetry).toBeLessThan(Date.parse(rec.expiresAt));

    // (On a slow machine the runtime may fire that 1 s retry itself first: then this is the third.)
    const retriedAt = Date.now();
    await runDurableObjectAlarm(cartObject(cart));
    rec = await storedCheckout(cart);
    expect(rec.state).toBe("committing");
    expect(rec.retry.attempts).toBeGreaterThanOrEqual(2);
    // Backoff: the second wait (2 s) is longer than the first (1 s).
    expect(Date.parse(rec.retry.nextAt!) - retriedAt).toBeGreaterThanOrEqual(2_000);

    // Paid is paid: no cancel, no edit, while the commit waits.
    const cancel = await cancelCheckout(cart);
    expect(cancel.status).toBe(409);
    expect(cancel.body.error.code).toBe("checkout_in_progress");
    expect((await addLine(cart, v!, 1)).status).toBe(423);
    expect(await stockOf(v!)).toMatchObject({ on_hand: 3, reserved: 1 });

    await d1(cart, "up");
    await runDurableObjectAlarm(cartObject(cart));
    rec = await storedCheckout(cart);
    expect(rec).toMatchObject({ state: "completed", retry: { attempts: 0, nextAt: null } });
    expect(await stockOf(v!)).toMatchObject({ on_hand: 2, reserved: 0 });
    expect(await salesOf(cart)).toEqual({ orders: [paid.body.order.id], captures: [1500] });
    await expectInvariants();
  });
});

describe("D1 stops answering during a rollback", () => {
  it("keeps the cart locked in rolling_back until the retried rollback releases everything", async () => {
    const [v] = await createProduct([{ stock: 2 }]);
    const cart = await cartWith([[v!, 2]]);
    const started = await startCheckout(cart);
    await armPause(cart, "rollback");
    const paying = completeCheckout(cart, "tok_capture_decline");
    await waitUntilPaused(cart, "rollback");
    await d1(cart, "down");
    await releasePause(cart, "rollback");

    const declined = await paying;
    expect(declined.status).toBe(402);
    expect(await storedCheckout(cart)).toMatchObject({ state: "rolling_back", retry: { attempts: 1 } });
    // Half rolled back is still locked: the stock is not yet given back.
    expect((await addLine(cart, v!, 1)).status).toBe(423);
    const busy = await startCheckout(cart);
    expect(busy.status).toBe(409);
    expect(busy.body.error).toMatchObject({ code: "checkout_in_progress", details: { state: "rolling_back" } });
    expect(await stockOf(v!)).toMatchObject({ reserved: 2 });
    // The authorization itself was voided before the outage.
    expect((await checkoutTrace(started.body.checkout.id)).charges.map((c) => c.status)).toEqual(["voided"]);

    await d1(cart, "up");
    await runDurableObjectAlarm(cartObject(cart));
    expect(await storedCheckout(cart)).toMatchObject({ state: "failed", retry: { nextAt: null } });
    expect(await stockOf(v!)).toMatchObject({ on_hand: 2, reserved: 0 });
    expect((await checkoutTrace(started.body.checkout.id)).row).toMatchObject({ state: "failed", phase: "payment_capture" });
    expect(await alarmOf(cart)).toBeNull();
    await expectInvariants();
  });
});

describe("D1 stops answering while a crashed payment is undone", () => {
  it("retries the payment reset, then rests until the deadline instead of re-firing", async () => {
    const [v] = await createProduct([{ stock: 2 }]);
    const cart = await cartWith([[v!, 1]]);
    await startCheckout(cart);
    // The restarted object sets its recovery alarm for "now", and the runtime may deliver
    // it before the call that takes D1 down: then that round recovered too early to see
    // the outage, and the crash is repeated (the checkout is locked again, so it can be).
    // A recovery still running reads as "authorizing" with no failed try yet: wait it out.
    const triedOrSettled = (r: CheckoutRecord) => r.retry.attempts >= 1 || !isInFlight(r.state);
    let rec = await storedCheckout(cart);
    for (let round = 0; round < 3; round++) {
      await armPause(cart, "payment_authorization:sent");
      const paying = completeCheckout(cart, "tok_visa");
      await waitUntilPaused(cart, "payment_authorization:sent");
      await crash(paying);
      // The new instance finds the payment in flight; D1 fails its first recovery.
      await d1(cart, "down");
      rec = await recoverByAlarm(cart, triedOrSettled);
      if (rec.state === "authorizing") break;
      await d1(cart, "up");
    }
    expect(rec.state).toBe("authorizing");
    expect(rec.retry.attempts).toBeGreaterThanOrEqual(1);

    await d1(cart, "up");
    await runDurableObjectAlarm(cartObject(cart));
    rec = await storedCheckout(cart);
    expect(rec).toMatchObject({ state: "locked", retry: { attempts: 0, nextAt: null } });
    // Settled: the one alarm is the deadline again (a stale retry time would re-fire it forever).
    expect(await alarmOf(cart)).toBe(Date.parse(rec.expiresAt));
    expect(await runDurableObjectAlarm(cartObject(cart))).toBe(true);
    expect((await storedCheckout(cart)).state).toBe("locked");
    expect(await alarmOf(cart)).toBe(Date.parse(rec.expiresAt));

    expect((await completeCheckout(cart, "tok_visa")).status).toBe(201);
    expect((await salesOf(cart)).captures).toHaveLength(1);
    await expectInvariants();
  });
});

describe("the gateway loses the answer to a capture", () => {
  it("decides nothing while the gateway is unreachable, then goes forward because the capture happened", async () => {
    const [v] = await createProduct([{ prices: { USD: 4200 }, stock: 2 }]);
    const cart = await cartWith([[v!, 1]]);
    const started = await startCheckout(cart);
    await gatewayLosingAnswers(cart, "down");

    const res = await completeCheckout(cart, "tok_visa");
    expect(res.status).toBe(502);
    expect(res.body.error).toMatchObject({ code: "payment_gateway_error", details: { phase: "payment_capture" } });
    // Not rolled back (the money may have moved), not completed (we do not know that it did).
    const rec = await storedCheckout(cart);
    expect(rec).toMatchObject({ state: "capturing", retry: { attempts: 1 } });
    expect((await checkoutTrace(started.body.checkout.id)).charges).toMatchObject([{ status: "captured" }]);
    expect(await stockOf(v!)).toMatchObject({ reserved: 1 });

    // Still unreachable: the alarm asks again and still decides nothing.
    await runDurableObjectAlarm(cartObject(cart));
    const again = await storedCheckout(cart);
    expect(again.state).toBe("capturing");
    expect(again.retry.attempts).toBeGreaterThanOrEqual(2);

    await gatewayLosingAnswers(cart, "up");
    await runDurableObjectAlarm(cartObject(cart));
    const done = await storedCheckout(cart);
    expect(done.state).toBe("completed");
    const trace = await checkoutTrace(started.body.checkout.id);
    expect(trace.orders).toMatchObject([{ status: "paid", total: 4200 }]);
    expect(trace.charges).toMatchObject([{ status: "captured", captured_amount: 4200 }]);
    expect(await stockOf(v!)).toMatchObject({ on_hand: 1, reserved: 0 });
    await expectInvariants();
  });

  it("refuses a cancel and an admin release with 409 checkout_in_progress while the outcome is unknown, instead of rolling back what may have been captured", async () => {
    const [v] = await createProduct([{ prices: { USD: 3100 }, stock: 2 }]);
    const cart = await cartWith([[v!, 1]]);
    const started = await startCheckout(cart);
    const checkoutId: string = started.body.checkout.id;
    await gatewayLosingAnswers(cart, "down");
    expect((await completeCheckout(cart, "tok_visa")).status).toBe(502);
    expect(await storedCheckout(cart)).toMatchObject({ state: "capturing" });

    const cancel = await cancelCheckout(cart);
    expect(cancel.status).toBe(409);
    expect(cancel.body.error).toMatchObject({ code: "checkout_in_progress", details: { checkout_id: checkoutId, state: "capturing" } });
    const release = await call("POST", `/admin/api/checkout-locks/${checkoutId}/release`, { headers: ADMIN });
    expect(release.status).toBe(409);
    expect(release.body.error).toMatchObject({ code: "checkout_in_progress", details: { checkout_id: checkoutId } });
    // Nothing was undone: the capture stands at the gateway and the stock is still held.
    expect(await storedCheckout(cart)).toMatchObject({ state: "capturing" });
    expect((await checkoutTrace(checkoutId)).charges).toMatchObject([{ status: "captured", captured_amount: 3100 }]);
    expect(await stockOf(v!)).toMatchObject({ reserved: 1 });

    // Once the gateway answers, the capture it made is the sale: one order, nothing refunded.
    await gatewayLosingAnswers(cart, "up");
    await runDurableObjectAlarm(cartObject(cart));
    expect((await storedCheckout(cart)).state).toBe("completed");
    expect(await salesOf(cart)).toEqual({ orders: [expect.any(String)], captures: [3100] });
    expect(await stockOf(v!)).toMatchObject({ on_hand: 1, reserved: 0 });
    await expectInvariants();
  });
});
