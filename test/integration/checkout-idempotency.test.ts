/**
 * Idempotency-Key on the checkout POSTs (docs/contract.md): the same key and body replay the
 * stored answer (`Idempotent-Replayed: true`) without doing anything again; the same key
 * with another body is `422 idempotency_key_reused`; a repeat while the first is still
 * running is `409 request_in_progress` with Retry-After. Answers that ask the client to
 * try again later are not stored, so the retry they ask for really runs.
 */
import { describe, expect, it } from "vitest";
import { addLine, call, cancelCheckout, cartWith, completeCheckout, createProduct, startCheckout, stockOf } from "../support/api";
import { expectInvariants } from "../support/invariants";
import { armPause, checkoutTrace, releasePause, salesOf, waitUntilPaused } from "../support/saga";

const key = () => ({ "idempotency-key": crypto.randomUUID() });

describe("Idempotency-Key on checkout", () => {
  it("replays a completed payment: the same order, no second authorization or capture", async () => {
    const [v] = await createProduct([{ stock: 3 }]);
    const cart = await cartWith([[v!, 1]]);
    const k = key();
    const first = await completeCheckout(cart, "tok_visa", k);
    expect(first.status).toBe(201);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    const again = await completeCheckout(cart, "tok_visa", k);
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body).toEqual(first.body);
    expect(await salesOf(cart)).toEqual({ orders: [first.body.order.id], captures: [first.body.order.total] });
    expect((await checkoutTrace(first.body.checkout.id)).charges).toHaveLength(1);
    expect(await stockOf(v!)).toMatchObject({ on_hand: 2 });
    await expectInvariants();
  });

  it("replays a start: the same checkout, not a 409 for the checkout it created", async () => {
    const [v] = await createProduct();
    const cart = await cartWith([[v!, 1]]);
    const k = key();
    const first = await startCheckout(cart, { expected_total: 1000 }, k);
    const again = await startCheckout(cart, { expected_total: 1000 }, k);
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body.checkout.id).toBe(first.body.checkout.id);
    expect(await stockOf(v!)).toMatchObject({ reserved: 1 });
  });

  it("replays a decline without asking the gateway again", async () => {
    const [v] = await createProduct();
    const cart = await cartWith([[v!, 1]]);
    const started = await startCheckout(cart);
    const k = key();
    const first = await completeCheckout(cart, "tok_decline", k);
    const again = await completeCheckout(cart, "tok_decline", k);
    expect([first.status, again.status]).toEqual([402, 402]);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect((await checkoutTrace(started.body.checkout.id)).charges).toHaveLength(1);
  });

  it("422 idempotency_key_reused for the same key with another body or on another route", async () => {
    const [v] = await createProduct();
    const cart = await cartWith([[v!, 1]]);
    const k = key();
    expect((await completeCheckout(cart, "tok_decline", k)).status).toBe(402);
    const otherCard = await completeCheckout(cart, "tok_visa", k);
    expect(otherCard.status).toBe(422);
    expect(otherCard.body.error.code).toBe("idempotency_key_reused");
    const otherRoute = await call("POST", `/v1/carts/${cart.id}/checkout/cancel`, { headers: { ...cart.auth, ...k } });
    expect(otherRoute.status).toBe(422);
    // Neither reused request did anything: still locked, unpaid.
    expect(await salesOf(cart)).toEqual({ orders: [], captures: [] });
    expect(await stockOf(v!)).toMatchObject({ reserved: 1 });
  });

  it("409 request_in_progress for a repeat while the first still runs, then the stored answer", async () => {
    const [v] = await createProduct();
    const cart = await cartWith([[v!, 1]]);
    await startCheckout(cart);
    const k = key();
    await armPause(cart, "payment_authorization");
    const first = completeCheckout(cart, "tok_visa", k);
    await waitUntilPaused(cart, "payment_authorization");

    const repeat = await completeCheckout(cart, "tok_visa", k);
    expect(repeat.status).toBe(409);
    expect(repeat.body.error.code).toBe("request_in_progress");
    expect(Number(repeat.headers.get("retry-after"))).toBeGreaterThan(0);

    await releasePause(cart, "payment_authorization");
    const done = await first;
    expect(done.status).toBe(201);
    const replay = await completeCheckout(cart, "tok_visa", k);
    expect(replay.status).toBe(201);
    expect(replay.body.order.id).toBe(done.body.order.id);
    expect(await salesOf(cart)).toEqual({ orders: [done.body.order.id], captures: [done.body.order.total] });
    await expectInvariants();
  });

  it("does not store 'try again later' answers (409 checkout_in_progress, 423): the retry runs", async () => {
    const [v] = await createProduct([{ stock: 5 }]);
    const cart = await cartWith([[v!, 1]]);
    await armPause(cart, "cart_validation");
    const first = startCheckout(cart);
    await waitUntilPaused(cart, "cart_validation");
    const k = key();
    const busy = await startCheckout(cart, {}, k);
    expect(busy.status).toBe(409);
    expect(busy.body.error.code).toBe("checkout_in_progress");
    const editKey = key();
    const addBody = { variant_id: v, quantity: 1 };
    const locked = await call("POST", `/v1/carts/${cart.id}/lines`, { headers: { ...cart.auth, ...editKey }, body: addBody });
    expect(locked.status).toBe(423);
    await releasePause(cart, "cart_validation");
    expect((await first).status).toBe(201);
    expect((await cancelCheckout(cart)).status).toBe(200);

    // The same keys again, now that the cart is free: they run, they are not replays of the refusals.
    const edit = await call("POST", `/v1/carts/${cart.id}/lines`, { headers: { ...cart.auth, ...editKey }, body: addBody });
    expect(edit.status).toBe(200);
    expect(edit.body.cart.lines[0].quantity).toBe(2);
    const retried = await startCheckout(cart, {}, k);
    expect(retried.status).toBe(201);
    expect(retried.headers.get("idempotent-replayed")).toBeNull();
    expect(await stockOf(v!)).toMatchObject({ reserved: 2 });
    expect((await addLine(cart, v!, 1)).status).toBe(423);
    await expectInvariants();
  });
});
