/**
 * One deadline per checkout, enforced by one alarm per cart. A test cannot move the
 * Durable Object's clock, so it moves the deadline instead: it rewrites the stored
 * checkout's `expiresAt` into the past through `runInDurableObject`, with its D1 rows, so
 * the checkout keeps one deadline everywhere (the alarm handler
 * decides from stored state only, never from memory or from when it fires) and then runs
 * the alarm with `runDurableObjectAlarm`, or calls `alarm()` directly to prove that an
 * alarm delivered twice does no harm.
 */
import { runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { addLine, call, cartWith, completeCheckout, createCart, createProduct, getCart, startCheckout, stockOf, type TestCart } from "../support/api";
import { expectInvariants } from "../support/invariants";
import { moveDeadline } from "../support/overdue";
import { cartObject, cartWithCodes, checkoutTrace, createDiscount, inCartObject, storedCheckout, uniqueCode } from "../support/saga";

const alarmOf = (cart: TestCart) => inCartObject(cart, (_, state) => state.storage.getAlarm());
const runAlarmDirectly = (cart: TestCart) => inCartObject(cart, (obj) => obj.alarm());
const pastDeadline = (cart: TestCart) => moveDeadline(cart.id, new Date(Date.now() - 1_000).toISOString());

describe("checkout expiry by alarm", () => {
  it("expires a locked checkout at its deadline: stock, quote and discount released, cart editable", async () => {
    const [v] = await createProduct([{ prices: { USD: 1500 }, stock: 4 }]);
    const code = uniqueCode("EXP");
    await createDiscount({ code, type: "fixed", amount: 500, currency: "USD", usage_limit: 2 });
    const cart = await cartWithCodes([[v!, 3]], [code]);
    const version = (await getCart(cart)).version;
    const started = await startCheckout(cart, { ttl_minutes: 1 });
    expect(started.status).toBe(201);
    const checkout = started.body.checkout;
    const expiresAt = Date.parse(checkout.expires_at);
    expect(expiresAt - Date.parse(checkout.created_at)).toBe(60_000);
    // One alarm, at the deadline.
    expect(await alarmOf(cart)).toBe(expiresAt);

    // Fired early (alarms may), it changes nothing and stays armed for the deadline.
    expect(await runDurableObjectAlarm(cartObject(cart))).toBe(true);
    expect((await storedCheckout(cart)).state).toBe("locked");
    expect(await alarmOf(cart)).toBe(expiresAt);

    await pastDeadline(cart);
    expect(await runDurableObjectAlarm(cartObject(cart))).toBe(true);

    const rec = await storedCheckout(cart);
    expect(rec).toMatchObject({ state: "expired", failure: { code: "checkout_expired" } });
    expect(await stockOf(v!)).toMatchObject({ on_hand: 4, reserved: 0 });
    const trace = await checkoutTrace(checkout.id);
    expect(trace.row).toMatchObject({ state: "expired" });
    expect(trace.row!.expired_at).not.toBeNull();
    expect(trace.row!.failure_reason).toMatchObject({ code: "checkout_expired" });
    expect(trace.quote).toMatchObject({ status: "released" });
    expect(trace.discounts).toEqual([{ code, status: "released" }]);
    expect(trace.events).toEqual(["checkout.started", "checkout.expired"]);
    const view = await getCart(cart);
    expect(view).toMatchObject({ version, locked: false, checkout: { state: "expired", can_checkout: true, can_resume: false } });
    // Nothing left to wait for: no alarm.
    expect(await alarmOf(cart)).toBeNull();
    await expectInvariants();

    // Delivered again (alarms fire at least once): nothing changes, nothing is written twice.
    await runAlarmDirectly(cart);
    await runAlarmDirectly(cart);
    expect((await storedCheckout(cart)).state).toBe("expired");
    const again = await checkoutTrace(checkout.id);
    expect(again.timeline.filter((e) => e === "rolled_back")).toHaveLength(1);
    expect(again.events).toEqual(["checkout.started", "checkout.expired"]);
    expect(await stockOf(v!)).toMatchObject({ on_hand: 4, reserved: 0 });
    expect((await addLine(cart, v!, 1)).status).toBe(200);
    await expectInvariants();
  });

  it("an alarm with nothing active does nothing: no cart, an open cart, a completed cart", async () => {
    const [v] = await createProduct();
    const unknown = { id: "cart_00000000000000000000000000", token: "", auth: {} };
    await runAlarmDirectly(unknown);
    expect(await inCartObject(unknown, (obj) => obj.checkout())).toBeNull();

    const open = await cartWith([[v!, 1]]);
    await runAlarmDirectly(open);
    expect((await getCart(open)).checkout).toBeNull();

    const done = await cartWith([[v!, 1]]);
    expect((await completeCheckout(done)).status).toBe(201);
    await runAlarmDirectly(done);
    await runAlarmDirectly(done);
    expect((await storedCheckout(done)).state).toBe("completed");
    expect(await stockOf(v!)).toMatchObject({ on_hand: 9, reserved: 0 });
    await expectInvariants();
  });
});

describe("paying after the deadline", () => {
  it("410 checkout_expired after the alarm expired it; the shopper starts again and pays the new quote", async () => {
    const [v] = await createProduct([{ prices: { USD: 800 }, stock: 2 }]);
    const cart = await cartWith([[v!, 1]]);
    const first = await startCheckout(cart, { ttl_minutes: 1 });
    await pastDeadline(cart);
    await runDurableObjectAlarm(cartObject(cart));

    const late = await completeCheckout(cart, "tok_visa");
    expect(late.status).toBe(410);
    expect(late.body.error).toMatchObject({ code: "checkout_expired", details: { checkout_id: first.body.checkout.id } });
    // Nothing was charged for the expired quote, and nothing was started behind the shopper's back.
    expect((await checkoutTrace(first.body.checkout.id)).charges).toEqual([]);
    expect((await storedCheckout(cart)).id).toBe(first.body.checkout.id);

    const second = await startCheckout(cart);
    expect(second.status).toBe(201);
    const paid = await completeCheckout(cart, "tok_visa");
    expect(paid.status).toBe(201);
    expect(paid.body.checkout.id).toBe(second.body.checkout.id);
    await expectInvariants();
  });

  it("410 when the deadline passed before the alarm ran: complete expires it itself", async () => {
    const [v] = await createProduct([{ prices: { USD: 800 }, stock: 2 }]);
    const cart = await cartWith([[v!, 2]]);
    const started = await startCheckout(cart);
    await pastDeadline(cart);

    const late = await completeCheckout(cart, "tok_visa");
    expect(late.status).toBe(410);
    expect(late.body.error.code).toBe("checkout_expired");
    expect((await storedCheckout(cart)).state).toBe("expired");
    expect(await stockOf(v!)).toMatchObject({ reserved: 0 });
    const trace = await checkoutTrace(started.body.checkout.id);
    expect(trace.charges).toEqual([]);
    expect(trace.row).toMatchObject({ state: "expired" });
    await expectInvariants();
  });

  it("a cart changed after its checkout expired is a new look: complete starts afresh", async () => {
    const [v] = await createProduct([{ prices: { USD: 800 }, stock: 5 }]);
    const cart = await cartWith([[v!, 1]]);
    const first = await startCheckout(cart, { ttl_minutes: 1 });
    await pastDeadline(cart);
    await runDurableObjectAlarm(cartObject(cart));
    expect((await addLine(cart, v!, 1)).status).toBe(200);

    const paid = await completeCheckout(cart, "tok_visa");
    expect(paid.status).toBe(201);
    expect(paid.body.checkout.id).not.toBe(first.body.checkout.id);
    expect(paid.body.order.total).toBe(1600);
    await expectInvariants();
  });

  it("a new checkout can start at once on an overdue one whose alarm has not run", async () => {
    const [v] = await createProduct([{ stock: 1 }]);
    const cart = await createCart();
    expect((await addLine(cart, v!, 1)).status).toBe(200);
    const first = await startCheckout(cart);
    await pastDeadline(cart);
    // The overdue checkout still holds the only unit until something expires it: the start does.
    const second = await startCheckout(cart);
    expect(second.status).toBe(201);
    expect((await checkoutTrace(first.body.checkout.id)).row).toMatchObject({ state: "expired" });
    expect(await stockOf(v!)).toMatchObject({ on_hand: 1, reserved: 1 });
    const status = await call("GET", `/v1/carts/${cart.id}/checkout`, { headers: cart.auth });
    expect(status.body).toMatchObject({ lock_id: second.body.checkout.id, state: "locked" });
    await expectInvariants();
  });
});
