import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, stockOf } from "../support/api";
import { expectInvariants } from "../support/invariants";
import { adminOrder, cancelOrder, paidOrder, refund } from "../support/orders";
import { expectRefundInvariants } from "../support/refund-invariants";

describe("order cancellation", () => {
  it("refunds all that remains, restocks the units not yet refunded, and a repeat is harmless", async () => {
    const { order, variants, cart } = await paidOrder(
      [
        { prices: { USD: 1000 }, stock: 5 },
        { prices: { USD: 250 }, stock: 5 },
      ],
      [3, 2],
    );
    const [a] = order.lines;
    // One unit refunded without restock (the shopper kept it): the cancellation restocks the other units.
    expect((await refund(order.id, { lines: [{ line_id: a.line_id, quantity: 1 }] })).status).toBe(201);
    const res = await cancelOrder(order.id, { reason: "fraud" });
    expect(res.status).toBe(200);
    expect(res.body.order).toMatchObject({ status: "cancelled", refunded_total: order.total });
    const cancellation = res.body.order.refunds.find((r: any) => r.kind === "cancel");
    expect(cancellation).toMatchObject({ status: "succeeded", amount: order.total - 1000, restocked: true, reason: "fraud" });
    expect(await stockOf(variants[0]!)).toMatchObject({ on_hand: 4 });
    expect(await stockOf(variants[1]!)).toMatchObject({ on_hand: 5 });

    const again = await cancelOrder(order.id);
    expect(again.status).toBe(200);
    expect(again.body.order).toEqual(res.body.order);
    expect(await stockOf(variants[0]!)).toMatchObject({ on_hand: 4 });
    const seen = await call("GET", `/v1/orders/${order.id}`, { headers: cart.auth });
    expect(seen.body.order.status).toBe("cancelled");
    const event = await env.DB.prepare("SELECT payload FROM outbox WHERE id = ?").bind(`evt_order_cancelled_${order.id}`).first<{ payload: string }>();
    expect(JSON.parse(event!.payload)).toMatchObject({ order_id: order.id, status: "cancelled", reason: "fraud" });
    const detail = await adminOrder(order.id);
    expect(detail.timeline.map((e: any) => e.event)).toContain("cancellation_succeeded");
    await expectInvariants();
    await expectRefundInvariants();
  });

  it("restock: false keeps the stock; a fully refunded order can still be cancelled without the gateway", async () => {
    const { order, variants } = await paidOrder([{ prices: { USD: 600 }, stock: 3 }], [1]);
    expect((await refund(order.id, { amount: order.total })).status).toBe(201);
    const res = await cancelOrder(order.id, { restock: false });
    expect(res.status).toBe(200);
    expect(res.body.order).toMatchObject({ status: "cancelled", refunded_total: order.total });
    expect(res.body.order.refunds.find((r: any) => r.kind === "cancel")).toMatchObject({ amount: 0, restocked: false });
    expect((await stockOf(variants[0]!)).on_hand).toBe(2);
    await expectRefundInvariants();
  });

  it("a cancellation the gateway refuses leaves the order paid (502)", async () => {
    const { order, variants } = await paidOrder([{ prices: { USD: 700 }, stock: 3 }], [1], "tok_refund_fails");
    const res = await cancelOrder(order.id);
    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe("payment_gateway_error");
    const detail = await adminOrder(order.id);
    expect(detail.order).toMatchObject({ status: "paid", refunded_total: 0 });
    expect((await stockOf(variants[0]!)).on_hand).toBe(2);
    await expectRefundInvariants();
  });
});
