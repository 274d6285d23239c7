/**
 * A crash between the gateway call and the record: the refund stays pending, and asking
 * the gateway again under the refund's own key (a repeat of the request, or the cleanup
 * job past its bound) settles it exactly once. The crashes are a gateway double around the
 * real test gateway that dies before or after doing the refund.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { PENDING_REFUND_BOUND_MS } from "../../src/jobs/refund-reconciliation";
import { runCleanup } from "../../src/jobs/cleanup";
import { createLogger } from "../../src/lib/logger";
import { cancelOrder as cancelThroughService, requestRefund } from "../../src/orders/refunds";
import type { PaymentGateway, RefundRequest } from "../../src/payments/gateway";
import { TestGateway } from "../../src/payments/test-gateway";
import { requestHashOf } from "../../src/routes/http";
import { call, ADMIN } from "../support/api";
import { expectInvariants } from "../support/invariants";
import { adminOrder, cancelOrder, paidOrder, refund, refundKey } from "../support/orders";
import { expectRefundInvariants } from "../support/refund-invariants";

const db = createDb(env.DB);
const log = createLogger(false);

/** The test gateway, except that the process dies `when` relative to the refund. */
function crashingGateway(when: "before" | "after"): PaymentGateway {
  const real = new TestGateway(db);
  return Object.assign(Object.create(real) as PaymentGateway, {
    async refund(req: RefundRequest) {
      if (when === "after") await real.refund(req);
      throw new Error(`process killed ${when} the gateway refund`);
    },
  });
}

async function gatewayRefundsOf(refundId: string) {
  return (
    await env.DB.prepare("SELECT amount FROM test_gateway_refunds WHERE json_extract(metadata, '$.refund_id') = ?").bind(refundId).all<{ amount: number }>()
  ).results;
}

async function pendingRefundOf(orderId: string) {
  const detail = await adminOrder(orderId);
  const pending = detail.refunds.filter((r: any) => r.status === "pending");
  expect(pending).toHaveLength(1);
  return pending[0];
}

const hash = "test-request-hash";

describe("refund crash recovery", () => {
  it("killed after the gateway refunded: the row stays pending, a repeat with the key settles it once", async () => {
    const { order } = await paidOrder([{ prices: { USD: 2000 } }], [1]);
    const key = refundKey();
    // The admin's request dies mid-flight; the HTTP repeat below sends the same body under the same key.
    const body = { amount: 800 };
    await expect(
      requestRefund(
        { db, gateway: crashingGateway("after"), log },
        order.id,
        { ask: { kind: "amount", amount: 800 }, reason: null, restock: false },
        key,
        await bodyHash(order.id, body),
      ),
    ).rejects.toMatchObject({ status: 502, code: "payment_gateway_error", details: { status: "pending" } });
    const pending = await pendingRefundOf(order.id);
    expect(await gatewayRefundsOf(pending.id)).toEqual([{ amount: 800 }]);
    expect((await adminOrder(order.id)).order.refunded_total).toBe(0);
    await expectRefundInvariants({ allowPending: true });

    const again = await refund(order.id, body, key);
    expect(again.status).toBe(201);
    expect(again.body.refund).toMatchObject({ id: pending.id, status: "succeeded", amount: 800 });
    expect(again.body.order.refunded_total).toBe(800);
    expect(await gatewayRefundsOf(pending.id)).toEqual([{ amount: 800 }]);
    await expectRefundInvariants();
  });

  it("killed before the gateway was asked: the cleanup job past the bound performs it once", async () => {
    const { order, variants } = await paidOrder([{ prices: { USD: 1500 }, stock: 4 }], [2]);
    const line = order.lines[0];
    const crashed = requestRefund(
      { db, gateway: crashingGateway("before"), log },
      order.id,
      { ask: { kind: "lines", lines: [{ line_id: line.line_id, quantity: 2 }] }, reason: null, restock: true },
      refundKey(),
      hash,
    );
    await expect(crashed).rejects.toMatchObject({ status: 502, details: { status: "pending" } });
    const pending = await pendingRefundOf(order.id);
    expect(await gatewayRefundsOf(pending.id)).toEqual([]);
    // Within the bound the job leaves it to its own request.
    expect((await runCleanup(env, { now: Date.now() })).settled_refunds).toBe(0);
    const diagnostics = await call("GET", "/admin/api/diagnostics", { headers: ADMIN });
    expect(diagnostics.body.checks.find((c: any) => c.name === "no_stuck_refunds").status).toBe("ok");

    const swept = await runCleanup(env, { now: Date.now() + PENDING_REFUND_BOUND_MS + 1000 });
    expect(swept.settled_refunds).toBe(1);
    const detail = await adminOrder(order.id);
    expect(detail.refunds).toMatchObject([{ id: pending.id, status: "succeeded", restocked: true }]);
    expect(detail.order).toMatchObject({ status: "refunded", refunded_total: order.total });
    expect(await gatewayRefundsOf(pending.id)).toEqual([{ amount: order.total }]);
    // A second sweep changes nothing: the refund settled once, the stock came back once.
    expect((await runCleanup(env, { now: Date.now() + PENDING_REFUND_BOUND_MS + 1000 })).settled_refunds).toBe(0);
    const stock = await call("GET", `/admin/api/variants/${variants[0]}/stock`, { headers: ADMIN });
    expect(stock.body.on_hand).toBe(4);
    await expectInvariants();
    await expectRefundInvariants();
  });

  it("a cancellation killed after the gateway refunded is finished by the next cancel, once", async () => {
    const { order, variants } = await paidOrder([{ prices: { USD: 900 }, stock: 3 }], [1]);
    await expect(cancelThroughService({ db, gateway: crashingGateway("after"), log }, order.id, { reason: null, restock: true }, hash)).rejects.toMatchObject({
      status: 502,
    });
    expect((await adminOrder(order.id)).order.status).toBe("paid");
    const res = await cancelOrder(order.id);
    expect(res.status).toBe(200);
    expect(res.body.order).toMatchObject({ status: "cancelled", refunded_total: 900 });
    expect(res.body.order.refunds).toHaveLength(1);
    expect(await gatewayRefundsOf(res.body.order.refunds[0].id)).toEqual([{ amount: 900 }]);
    const stock = await call("GET", `/admin/api/variants/${variants[0]}/stock`, { headers: ADMIN });
    expect(stock.body.on_hand).toBe(3);
    await expectInvariants();
    await expectRefundInvariants();
  });
});

/** The hash the route computes for this body, so an HTTP repeat matches the crashed request's key. */
function bodyHash(orderId: string, body: unknown): Promise<string> {
  return requestHashOf("POST", `/admin/api/orders/${orderId}/refunds`, body);
}
