import { describe, expect, it } from "vitest";
import { ADMIN, call, cartWith, createVariant, startCheckout } from "../support/api";
import { cancelOrder, paidOrder, refund, refundKey } from "../support/orders";
import { d1Fingerprint } from "../support/state-fingerprint";

/** A refused refund request answers the error envelope and changes no row anywhere. */
async function expectRefused(send: () => Promise<{ status: number; body: any }>, status: number, code: string) {
  const before = await d1Fingerprint();
  const res = await send();
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body.error.code).toBe(code);
  expect(typeof res.body.error.message).toBe("string");
  expect(await d1Fingerprint()).toEqual(before);
  return res.body.error;
}

describe("refund errors change nothing", () => {
  it("refuses bad input with the contract's errors", async () => {
    const { order } = await paidOrder([{ prices: { USD: 1000 } }, { prices: { USD: 400 } }], [2, 1]);
    const [a] = order.lines;
    await expectRefused(() => refund(order.id, {}, null), 400, "validation_error");
    await expectRefused(() => refund(order.id, { amount: -5 }), 400, "validation_error");
    await expectRefused(() => refund(order.id, { amount: 1.5 }), 400, "validation_error");
    await expectRefused(() => refund(order.id, { amount: 0 }), 400, "validation_error");
    await expectRefused(() => refund(order.id, { amount: "100" }), 400, "validation_error");
    await expectRefused(() => refund(order.id, { lines: [{ line_id: a.line_id, quantity: 0 }] }), 400, "validation_error");
    await expectRefused(() => refund(order.id, { lines: [{ line_id: a.line_id, quantity: 1.5 }] }), 400, "validation_error");
    await expectRefused(() => refund(order.id, { surprise: true }), 400, "validation_error");
    const over = await expectRefused(() => refund(order.id, { amount: order.total + 1 }), 409, "refund_exceeds_captured");
    expect(over.details.refundable).toBe(order.total);
    const beyond = await expectRefused(() => refund(order.id, { lines: [{ line_id: a.line_id, quantity: 3 }] }), 422, "invalid_refund");
    expect(beyond.details).toMatchObject({ line_id: a.line_id, requested: 3, remaining: 2 });
    await expectRefused(() => refund(order.id, { lines: [{ line_id: "line_unknown", quantity: 1 }] }), 422, "invalid_refund");
    await expectRefused(
      () =>
        refund(order.id, {
          lines: [
            { line_id: a.line_id, quantity: 1 },
            { line_id: a.line_id, quantity: 1 },
          ],
        }),
      422,
      "invalid_refund",
    );
    await expectRefused(() => refund(order.id, { amount: 100, restock: true }), 422, "invalid_refund");
    await expectRefused(() => refund(order.id, { amount: 100, lines: [{ line_id: a.line_id, quantity: 1 }] }), 422, "invalid_refund");
    await expectRefused(() => refund("ord_00000000000000000000000000", {}), 404, "not_found");
    await expectRefused(
      () => call("POST", `/admin/api/orders/${order.id}/refunds`, { headers: { "idempotency-key": refundKey() }, body: {} }),
      401,
      "unauthorized",
    );
  });

  it("the same key with another body is 422 idempotency_key_reused", async () => {
    const { order } = await paidOrder([{ prices: { USD: 1000 } }], [1]);
    const key = refundKey();
    expect((await refund(order.id, { amount: 100 }, key)).status).toBe(201);
    await expectRefused(() => refund(order.id, { amount: 200 }, key), 422, "idempotency_key_reused");
  });

  it("a line already refunded cannot be refunded again, and a refunded order refunds nothing more", async () => {
    const { order } = await paidOrder([{ prices: { USD: 1000 } }], [2]);
    const [a] = order.lines;
    expect((await refund(order.id, { lines: [{ line_id: a.line_id, quantity: 2 }] })).status).toBe(201);
    await expectRefused(() => refund(order.id, { lines: [{ line_id: a.line_id, quantity: 1 }] }), 422, "invalid_refund");
    const none = await expectRefused(() => refund(order.id, {}), 409, "refund_exceeds_captured");
    expect(none.details.refundable).toBe(0);
    await expectRefused(() => refund(order.id, { amount: 1 }), 409, "refund_exceeds_captured");
  });

  it("an order that is not paid (cancelled, or its payment never finished) is not refundable", async () => {
    const { order } = await paidOrder([{ prices: { USD: 1000 } }], [1]);
    expect((await cancelOrder(order.id)).status).toBe(200);
    await expectRefused(() => refund(order.id, { amount: 1 }), 409, "order_not_refundable");

    // An order whose payment was declined at capture was rolled back: never paid.
    const variant = await createVariant({ prices: { USD: 800 } });
    const cart = await cartWith([[variant, 1]]);
    const started = await startCheckout(cart);
    expect(started.status).toBe(201);
    const failed = await call("POST", `/v1/carts/${cart.id}/checkout/complete`, {
      headers: cart.auth,
      body: { payment: { method: "test", token: "tok_capture_decline" } },
    });
    expect(failed.status).toBeGreaterThanOrEqual(400);
    const lock = await call("GET", `/admin/api/checkout-locks/${started.body.checkout.id}`, { headers: ADMIN });
    expect(lock.body.order).toMatchObject({ status: "cancelled", refunded_total: 0, refunds: [] });
    await expectRefused(() => refund(lock.body.order.id, { amount: 1 }), 409, "order_not_refundable");
    // And it is not an order admins see in the list of sold orders.
    const list = await call("GET", `/admin/api/orders?limit=200`, { headers: ADMIN });
    expect(list.body.data.map((o: any) => o.id)).not.toContain(lock.body.order.id);
  });
});
