/**
 * The money rule: a completion charges exactly the quote of the checkout it runs
 * against, and never a total the shopper was not quoted. A gateway outage keeps the
 * checkout (and its quote) for the retry; `expected_total` refuses a drifted total; an
 * Idempotency-Key of `complete` never starts a second checkout.
 */
import { describe, expect, it } from "vitest";
import type { PaymentGateway } from "../../src/payments/gateway";
import { ADMIN, call, cancelCheckout, cartWith, completeCheckout, createProduct, fault, getCart, startCheckout, stockOf, type TestCart } from "../support/api";
import { expectInvariants } from "../support/invariants";
import { checkoutTrace, inCartObject, salesOf, storedCheckout } from "../support/saga";

/** The cart's gateway fails the next `times` authorizations (as an outage would), then works. */
async function authorizationOutage(cart: TestCart, times: number): Promise<void> {
  await inCartObject(cart, (obj) => {
    const o = obj as unknown as { gateway: PaymentGateway };
    const real = o.gateway;
    let left = times;
    o.gateway = new Proxy(real, {
      get(target, prop) {
        if (prop === "authorize" && left > 0) {
          left--;
          return async () => ({ status: "error", message: "The gateway timed out (simulated)", retryable: true });
        }
        const value = Reflect.get(target, prop, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  });
}

const setPrice = async (variant: string, usd: number) =>
  expect((await call("PUT", `/admin/api/variants/${variant}/prices`, { headers: ADMIN, body: { USD: usd } })).status).toBe(200);

describe("a completion charges exactly the quote of its checkout", () => {
  it("an outage longer than one try keeps the checkout locked; the client's retries with the same key pay the quoted 10.00, not the new 15.00", async () => {
    const [v] = await createProduct([{ prices: { USD: 1000 }, stock: 2 }]);
    const cart = await cartWith([[v!, 1]]);
    const started = await startCheckout(cart, { expected_total: 1000 });
    const checkoutId = started.body.checkout.id;
    await setPrice(v!, 1500);
    await authorizationOutage(cart, 3);

    const key = { "idempotency-key": crypto.randomUUID() };
    for (let i = 0; i < 3; i++) {
      const failed = await completeCheckout(cart, "tok_visa", key);
      expect(failed.status).toBe(502);
      expect(failed.body.error).toMatchObject({
        code: "payment_gateway_error",
        details: { phase: "payment_authorization", checkout_id: checkoutId, can_resume: true },
      });
      // Still locked with its stock and quote: nothing rolled back, nothing charged.
      expect(await storedCheckout(cart)).toMatchObject({ id: checkoutId, state: "locked" });
      expect(await stockOf(v!)).toMatchObject({ reserved: 1 });
    }
    const paid = await completeCheckout(cart, "tok_visa", key);
    expect(paid.status, JSON.stringify(paid.body)).toBe(201);
    expect(paid.body.checkout.id).toBe(checkoutId);
    expect(paid.body.order).toMatchObject({ total: 1000, payment: { amount: 1000 } });
    expect((await salesOf(cart)).captures).toEqual([1000]);
    const trace = await checkoutTrace(checkoutId);
    expect(trace.payments.map((p) => p.status)).toEqual(["failed", "failed", "failed", "captured"]);
    expect(trace.timeline.filter((e) => e === "payment_reset")).toHaveLength(3);
    await expectInvariants();
  });

  it("complete with expected_total refuses a locked checkout whose quote differs (409, nothing charged, still held), and pays it when it matches", async () => {
    const [v] = await createProduct([{ prices: { USD: 1000 }, stock: 2 }]);
    const cart = await cartWith([[v!, 1]]);
    const checkoutId = (await startCheckout(cart)).body.checkout.id;

    const drifted = await completeCheckout(cart, "tok_visa", {}, { expected_total: 1500 });
    expect(drifted.status).toBe(409);
    expect(drifted.body.error).toMatchObject({ code: "price_changed", details: { expected_total: 1500, actual_total: 1000 } });
    expect((await checkoutTrace(checkoutId)).charges).toEqual([]);
    expect(await storedCheckout(cart)).toMatchObject({ id: checkoutId, state: "locked", attempts: [] });

    // Within CHECKOUT_PRICE_DRIFT_TOLERANCE (1 minor unit) it pays the quote, never the shown figure.
    const paid = await completeCheckout(cart, "tok_visa", {}, { expected_total: 1001 });
    expect(paid.status).toBe(201);
    expect(paid.body.order.total).toBe(1000);
    await expectInvariants();
  });

  it("complete with expected_total that would start a checkout at a changed price refuses with nothing held", async () => {
    const [v] = await createProduct([{ prices: { USD: 1000 }, stock: 2 }]);
    const cart = await cartWith([[v!, 1]]);
    await setPrice(v!, 1500);
    const res = await completeCheckout(cart, "tok_visa", {}, { expected_total: 1000 });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: "price_changed", details: { expected_total: 1000, actual_total: 1500 } });
    expect(await stockOf(v!)).toMatchObject({ reserved: 0 });
    expect((await getCart(cart)).locked).toBe(false);
    expect(await salesOf(cart)).toEqual({ orders: [], captures: [] });
  });
});

describe("an Idempotency-Key of complete is bound to its checkout", () => {
  it("a repeat after that checkout rolled back answers 409 checkout_ended and never starts another", async () => {
    const [v] = await createProduct([{ prices: { USD: 1000 }, stock: 2 }]);
    const cart = await cartWith([[v!, 1]]);
    const key = { "idempotency-key": crypto.randomUUID() };
    // No checkout yet: complete starts one, then a capture failure rolls it back (502, not a stored answer).
    const first = await completeCheckout(cart, "tok_visa", { ...key, ...fault("payment_capture") });
    expect(first.status).toBe(502);
    const checkoutId = first.body.error.details.checkout_id;
    expect((await storedCheckout(cart)).state).toBe("failed");
    await setPrice(v!, 1500);

    const repeat = await completeCheckout(cart, "tok_visa", key);
    expect(repeat.status).toBe(409);
    expect(repeat.body.error).toMatchObject({ code: "checkout_ended", details: { checkout_id: checkoutId, state: "failed" } });
    // No new checkout, nothing held, nothing charged; the same answer on every repeat.
    expect((await storedCheckout(cart)).id).toBe(checkoutId);
    expect(await stockOf(v!)).toMatchObject({ reserved: 0 });
    expect((await salesOf(cart)).captures).toEqual([]);
    expect((await completeCheckout(cart, "tok_visa", key)).body.error.code).toBe("checkout_ended");

    // A new key is a new decision: it starts a checkout at today's price.
    const fresh = await completeCheckout(cart, "tok_visa", { "idempotency-key": crypto.randomUUID() });
    expect(fresh.status).toBe(201);
    expect(fresh.body.order.total).toBe(1500);
    await expectInvariants();
  });

  it("a repeat after the shopper cancelled the checkout it was paying answers checkout_ended with state cancelled", async () => {
    const [v] = await createProduct([{ prices: { USD: 1000 }, stock: 2 }]);
    const cart = await cartWith([[v!, 1]]);
    const checkoutId = (await startCheckout(cart)).body.checkout.id;
    const key = { "idempotency-key": crypto.randomUUID() };
    expect((await completeCheckout(cart, "tok_gateway_error", key)).status).toBe(502);
    expect((await cancelCheckout(cart)).status).toBe(200);
    // The cart is open again, and an unrelated checkout starts on it.
    expect((await startCheckout(cart)).status).toBe(201);

    const repeat = await completeCheckout(cart, "tok_gateway_error", key);
    expect(repeat.status).toBe(409);
    expect(repeat.body.error).toMatchObject({ code: "checkout_ended", details: { checkout_id: checkoutId, state: "cancelled" } });
    expect((await storedCheckout(cart)).state).toBe("locked");
    await expectInvariants();
  });

  it("keys of complete live until their checkout is terminal, plus 24 h", async () => {
    const [v] = await createProduct([{ prices: { USD: 1000 }, stock: 2 }]);
    const cart = await cartWith([[v!, 1]]);
    const key = crypto.randomUUID();
    expect((await completeCheckout(cart, "tok_gateway_error", { "idempotency-key": key })).status).toBe(502);
    const day = 24 * 60 * 60 * 1000;
    const prune = (recordAgeMs: number, endedAgeMs: number | null) =>
      inCartObject(cart, async (obj, state) => {
        const record = state.storage.kv.get<Record<string, unknown>>(`idem:${key}`)!;
        state.storage.kv.put(`idem:${key}`, { ...record, expiresAt: new Date(Date.now() - recordAgeMs).toISOString() });
        if (endedAgeMs !== null) {
          const rec = obj.checkout()!;
          obj.saveCheckout({ ...rec, endedAt: new Date(Date.now() - endedAgeMs).toISOString() });
        }
        await obj.alarm();
        return state.storage.kv.get(`idem:${key}`) !== undefined;
      });
    // Past its own 24 h while the checkout is open: kept.
    expect(await prune(1_000, null)).toBe(true);
    expect((await cancelCheckout(cart)).status).toBe(200);
    // Ended 23 h ago: kept; ended 25 h ago: gone.
    expect(await prune(1_000, day - 3_600_000)).toBe(true);
    expect(await prune(1_000, day + 3_600_000)).toBe(false);
  });

  it("keys of a cart that never checks out set no alarm, and go with the next keyed request once past 24 h", async () => {
    const [v] = await createProduct([{ prices: { USD: 1000 }, stock: 5 }]);
    const cart = await cartWith([[v!, 1]]);
    const old = crypto.randomUUID();
    const addLine = (idem: string) =>
      call("POST", `/v1/carts/${cart.id}/lines`, { headers: { ...cart.auth, "idempotency-key": idem }, body: { variant_id: v, quantity: 1 } });
    expect((await addLine(old)).status).toBe(200);
    const stored = (idem: string) => inCartObject(cart, (_obj, state) => state.storage.kv.get(`idem:${idem}`) !== undefined);
    const alarm = () => inCartObject(cart, (_obj, state) => state.storage.getAlarm());
    expect(await stored(old)).toBe(true);
    expect(await alarm()).toBeNull();
    // Still within 24 h: the replay answers from it.
    expect((await addLine(old)).headers.get("idempotent-replayed")).toBe("true");
    // 25 h later (its record and the next-expiry mark moved back), the next keyed request prunes it.
    await inCartObject(cart, (_obj, state) => {
      const past = Date.now() - 3_600_000;
      const record = state.storage.kv.get<Record<string, unknown>>(`idem:${old}`)!;
      state.storage.kv.put(`idem:${old}`, { ...record, expiresAt: new Date(past).toISOString() });
      state.storage.kv.put("idem_next_expiry", past);
    });
    const fresh = crypto.randomUUID();
    expect((await addLine(fresh)).status).toBe(200);
    expect(await stored(old)).toBe(false);
    expect(await stored(fresh)).toBe(true);
    expect(await alarm()).toBeNull();
    // Once the cart has a checkout, its alarm covers the keys too (after it ends, for them alone).
    expect((await startCheckout(cart)).status).toBe(201);
    expect((await cancelCheckout(cart)).status).toBe(200);
    const nextExpiry = await inCartObject(cart, (_obj, state) => state.storage.kv.get<number>("idem_next_expiry"));
    expect(nextExpiry).toBeGreaterThan(Date.now() + 23 * 3_600_000);
    expect(await alarm()).toBe(nextExpiry);
  });
});
