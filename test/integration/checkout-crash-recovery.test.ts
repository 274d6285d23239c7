/**
 * Crash recovery (docs/architecture.md, crash safety): the cart object may die between any two
 * awaits. Each case stops a real checkout at a pause point (the test-only hook of
 * src/cart/saga/probe.ts), so the object has recorded its intent in storage and the
 * side effect has — or has not — reached D1 or the gateway; then every object is aborted
 * (abortAllDurableObjects: nothing in memory survives), and the alarm the new instance
 * sets for itself resumes the saga. The recovered state is what `recover()` promises:
 * before the payment, roll back; during it, void the payment and reopen the lock; after
 * capture, commit. Then the shopper's retry with the same Idempotency-Key ends in
 * exactly one order and one capture.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { PausePoint } from "../../src/cart/saga/probe";
import { createDb } from "../../src/db/client";
import { paymentKeys } from "../../src/payments/gateway";
import { TestGateway } from "../../src/payments/test-gateway";
import { completeCheckout, createProduct, fault, getCart, startCheckout, stockOf, type TestCart } from "../support/api";
import { expectInvariants } from "../support/invariants";
import {
  armPause,
  cartWithCodes,
  checkoutTrace,
  crash,
  createDiscount,
  inCartObject,
  recoverByAlarm,
  salesOf,
  storedCheckout,
  uniqueCode,
  waitUntilPaused,
} from "../support/saga";

interface Setup {
  cart: TestCart;
  variant: string;
  code: string;
}

/** 2 units of a 1000-cent variant (stock 5) with a 10% code limited to 3 uses: quote total 1800. */
async function setup(): Promise<Setup> {
  const [variant] = await createProduct([{ prices: { USD: 1000 }, stock: 5 }]);
  const code = uniqueCode("CRASH");
  await createDiscount({ code, type: "percentage", percent: 10, usage_limit: 3 });
  return { cart: await cartWithCodes([[variant!, 2]], [code]), variant: variant!, code };
}

type Recovered = "failed" | "locked" | "completed";
type Trace = Awaited<ReturnType<typeof checkoutTrace>>;

interface CrashCase {
  point: PausePoint;
  /** The state the object had recorded when it died. */
  crashedIn: string;
  recovered: Recovered;
  /** Whether the shopper had started checkout before paying (else complete starts it). */
  started: boolean;
  /** A fault that sends the saga into a rollback, to crash inside the rollback. */
  headers?: Record<string, string>;
  /** What reached D1 and the gateway before the crash, as the trace must show it after recovery. */
  reached: (s: Setup) => { [K in keyof Trace]?: unknown };
}

// What recovery leaves behind, by where the crash was.
const nothingReserved = () => ({ reservations: [] });
const released = (s: Setup) => ({ reservations: [{ variant_id: s.variant, quantity: 2, status: "released" }] });
const discount = (s: Setup, status: string) => ({ discounts: [{ code: s.code, status }] });
const VOIDED = { charges: [{ status: "voided" }] };
const VOIDED_ORDER_CANCELLED = { ...VOIDED, orders: [{ status: "cancelled" }] };
const COMMITTED = { orders: [{ status: "paid", total: 1800 }], reservations: [{ quantity: 2, status: "committed" }] };
const CAPTURED = { ...COMMITTED, charges: [{ status: "captured", captured_amount: 1800 }] };
const rollingBack = { started: true, recovered: "failed", crashedIn: "rolling_back", headers: fault("payment_capture") } as const;

const CASES: CrashCase[] = [
  { point: "cart_validation", crashedIn: "validating", recovered: "failed", started: false, reached: nothingReserved },
  { point: "inventory_reservation", crashedIn: "reserving", recovered: "failed", started: false, reached: nothingReserved },
  // The reservation batch committed in D1, the object never heard back.
  {
    point: "inventory_reservation:sent",
    crashedIn: "reserving",
    recovered: "failed",
    started: false,
    reached: (s) => ({ ...released(s), quote: { status: "released" }, ...discount(s, "released") }),
  },
  // Never reached the gateway: the void leaves a tombstone so a late authorization is refused.
  {
    point: "payment_authorization",
    crashedIn: "authorizing",
    recovered: "locked",
    started: true,
    reached: () => ({ charges: [{ status: "void_requested" }] }),
  },
  // Authorized at the gateway, the answer lost.
  { point: "payment_authorization:sent", crashedIn: "authorizing", recovered: "locked", started: true, reached: () => VOIDED },
  { point: "order_creation", crashedIn: "creating_order", recovered: "locked", started: true, reached: () => ({ ...VOIDED, orders: [] }) },
  // The order batch committed (order pending, discount use consumed), the answer lost. The
  // checkout is open again and keeps its discount: the consumed use is a reservation again.
  {
    point: "order_creation:sent",
    crashedIn: "creating_order",
    recovered: "locked",
    started: true,
    reached: (s) => ({ ...VOIDED_ORDER_CANCELLED, ...discount(s, "active") }),
  },
  // The capture never reached the gateway: the void succeeds, so we were before the pivot.
  { point: "payment_capture", crashedIn: "capturing", recovered: "locked", started: true, reached: () => VOIDED_ORDER_CANCELLED },
  // The capture reached the gateway: the void says "already captured", so forward.
  { point: "payment_capture:sent", crashedIn: "capturing", recovered: "completed", started: true, reached: () => CAPTURED },
  { point: "stock_commit", crashedIn: "committing", recovered: "completed", started: true, reached: () => COMMITTED },
  // The commit batch reached D1 (order paid, stock taken, events written), the object never heard back.
  { point: "stock_commit:sent", crashedIn: "committing", recovered: "completed", started: true, reached: () => CAPTURED },
  // A rollback (of an injected capture failure) dies after the void, before its D1 batch.
  { point: "rollback", ...rollingBack, reached: (s) => ({ ...VOIDED_ORDER_CANCELLED, ...released(s) }) },
  // The rollback's batch reached D1 (stock, quote and discount released), the object never heard back.
  { point: "rollback:sent", ...rollingBack, reached: (s) => ({ ...VOIDED_ORDER_CANCELLED, ...released(s), ...discount(s, "released") }) },
];

describe("crash at each step of the saga, recovered by the alarm", () => {
  it.each(CASES)("$point: dies in $crashedIn, recovers to $recovered", async (c) => {
    const s = await setup();
    if (c.started) expect((await startCheckout(s.cart)).status).toBe(201);
    await armPause(s.cart, c.point);
    let key = crypto.randomUUID();
    const pending = completeCheckout(s.cart, "tok_visa", { "idempotency-key": key, ...c.headers });
    await waitUntilPaused(s.cart, c.point);
    const inFlight = await storedCheckout(s.cart);
    expect(inFlight.state).toBe(c.crashedIn);
    // Nobody has to come back for it: the alarm is already close (not at the deadline),
    // so after a crash the next instance resumes the saga within seconds.
    const alarm = await inCartObject(s.cart, (_, state) => state.storage.getAlarm());
    expect(alarm).not.toBeNull();
    expect(alarm!).toBeLessThanOrEqual(Date.now() + 30_000);
    expect(alarm!).toBeLessThan(Date.parse(inFlight.expiresAt) - 60_000);

    await crash(pending);
    const rec = await recoverByAlarm(s.cart);
    expect(rec.id).toBe(inFlight.id);
    expect(rec.state).toBe(c.recovered);
    expect(rec.retry.nextAt).toBeNull();

    const trace = await checkoutTrace(rec.id);
    expect(trace.row?.state).toBe(c.recovered);
    expect(trace).toMatchObject(c.reached(s));
    const view = await getCart(s.cart);
    switch (c.recovered) {
      case "failed":
        // A rollback that was under way keeps the failure it was rolling back for.
        expect(rec.failure).toMatchObject({ code: c.point.startsWith("rollback") ? "payment_gateway_error" : "interrupted" });
        expect(await stockOf(s.variant)).toMatchObject({ on_hand: 5, reserved: 0 });
        expect(view).toMatchObject({ locked: false, checkout: { can_checkout: true } });
        break;
      case "locked":
        // The payment was undone; the checkout keeps its stock, quote and deadline.
        expect(await stockOf(s.variant)).toMatchObject({ on_hand: 5, reserved: 2 });
        expect(view.checkout).toMatchObject({ locked: true, state: "locked", can_resume: true });
        expect(trace.timeline).toContain("payment_reset");
        break;
      case "completed":
        expect(await stockOf(s.variant)).toMatchObject({ on_hand: 3, reserved: 0 });
        expect(view).toMatchObject({ completed: true });
        break;
    }
    await expectInvariants();

    // The shopper's client retries the request that died, with its Idempotency-Key. That key
    // belongs to the checkout it ran against: a rolled-back one is over, and the key never
    // starts another (its price could differ); a new key is a new decision.
    let retry = await completeCheckout(s.cart, "tok_visa", { "idempotency-key": key });
    if (c.recovered === "failed") {
      expect(retry.status).toBe(409);
      expect(retry.body.error).toMatchObject({ code: "checkout_ended", details: { checkout_id: rec.id, state: "failed" } });
      expect(await stockOf(s.variant)).toMatchObject({ on_hand: 5, reserved: 0 });
      key = crypto.randomUUID();
      retry = await completeCheckout(s.cart, "tok_visa", { "idempotency-key": key });
    }
    expect(retry.status).toBe(201);
    expect(retry.body.order).toMatchObject({ total: 1800, payment: { status: "captured", amount: 1800 } });
    if (c.recovered === "completed") expect(retry.body.order.id).toBe(rec.orderId);
    const sales = await salesOf(s.cart);
    expect(sales.orders).toEqual([retry.body.order.id]);
    expect(sales.captures).toEqual([1800]);
    expect(await stockOf(s.variant)).toMatchObject({ on_hand: 3, reserved: 0 });
    // And again: the stored answer, replayed.
    const replay = await completeCheckout(s.cart, "tok_visa", { "idempotency-key": key });
    expect(replay.status).toBe(201);
    expect(replay.body.order.id).toBe(retry.body.order.id);
    await expectInvariants();
  });
});

describe("a late authorization after a void request", () => {
  it("is refused by the void's tombstone: the authorization the dead instance sent arrives after recovery and holds nothing", async () => {
    const s = await setup();
    expect((await startCheckout(s.cart)).status).toBe(201);
    await armPause(s.cart, "payment_authorization");
    const pending = completeCheckout(s.cart, "tok_visa", { "idempotency-key": crypto.randomUUID() });
    await waitUntilPaused(s.cart, "payment_authorization");
    const attempt = (await storedCheckout(s.cart)).attempts.at(-1)!;
    await crash(pending);
    const rec = await recoverByAlarm(s.cart);
    expect(rec.state).toBe("locked");
    // The request the dead instance was about to send reaches the gateway only now, under its key.
    const late = await new TestGateway(createDb(env.DB)).authorize({
      idempotencyKey: paymentKeys.authorize(rec.id, attempt.number),
      amount: 1800,
      currency: "USD",
      method: { method: "test", token: "tok_visa" },
      metadata: { checkout_id: rec.id, cart_id: s.cart.id, attempt: attempt.number },
    });
    expect(late).toMatchObject({ status: "error", retryable: false });
    expect((await checkoutTrace(rec.id)).charges).toEqual([expect.objectContaining({ status: "void_requested", captured_amount: null })]);
    expect(await stockOf(s.variant)).toMatchObject({ on_hand: 5, reserved: 2 });
    await expectInvariants();
  });
});
