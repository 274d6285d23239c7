/**
 * Refunds serialise in D1: whatever interleaves (admins racing with different keys, one
 * request retried with its key, a cancellation racing a refund, two settles of one
 * refund), the order is refunded at most what was captured and each refund once.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { createLogger } from "../../src/lib/logger";
import { readRefundState } from "../../src/orders/refund-records";
import { settleFromGateway } from "../../src/orders/refunds";
import { paymentKeys } from "../../src/payments/gateway";
import { TestGateway } from "../../src/payments/test-gateway";
import { expectInvariants } from "../support/invariants";
import { adminOrder, cancelOrder, paidOrder, refund, refundKey } from "../support/orders";
import { expectRefundInvariants } from "../support/refund-invariants";

async function gatewayRefundCount(orderId: string): Promise<number> {
  const row = await env.DB.prepare("SELECT COUNT(*) AS n FROM test_gateway_refunds WHERE json_extract(metadata, '$.order_id') = ?")
    .bind(orderId)
    .first<{ n: number }>();
  return row!.n;
}

describe("refund races", () => {
  it("five concurrent full refunds refund once", async () => {
    const { order } = await paidOrder([{ prices: { USD: 4200 } }, { prices: { USD: 99 } }], [2, 3]);
    const answers = await Promise.all(Array.from({ length: 5 }, () => refund(order.id, {})));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409]);
    for (const lost of answers.filter((a) => a.status === 409))
      expect(lost.body.error).toMatchObject({ code: "refund_exceeds_captured", details: { refundable: 0 } });
    const detail = await adminOrder(order.id);
    expect(detail.order).toMatchObject({ status: "refunded", refunded_total: order.total });
    expect(detail.refunds).toHaveLength(1);
    expect(await gatewayRefundCount(order.id)).toBe(1);
    await expectRefundInvariants();
  });

  it("five concurrent repeats of one request (same key) answer one refund", async () => {
    const { order } = await paidOrder([{ prices: { USD: 3100 } }], [1]);
    const key = refundKey();
    const answers = await Promise.all(Array.from({ length: 5 }, () => refund(order.id, { amount: 1000 }, key)));
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201, 201, 201]);
    expect(new Set(answers.map((a) => a.body.refund.id)).size).toBe(1);
    expect((await adminOrder(order.id)).order.refunded_total).toBe(1000);
    expect(await gatewayRefundCount(order.id)).toBe(1);
    await expectRefundInvariants();
  });

  it("two admins refunding the same units: one wins, the other is told what remains; shares stay exact", async () => {
    const { order } = await paidOrder([{ prices: { USD: 1001 } }], [3]);
    const line = order.lines[0];
    const answers = await Promise.all([0, 1].map(() => refund(order.id, { lines: [{ line_id: line.line_id, quantity: 2 }], restock: true })));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 422]);
    const rest = await refund(order.id, { lines: [{ line_id: line.line_id, quantity: 1 }] });
    expect(rest.status).toBe(201);
    expect(rest.body.order).toMatchObject({ status: "refunded", refunded_total: order.total });
    await expectInvariants();
    await expectRefundInvariants();
  });

  it("many small refunds of different lines racing add up to exactly the total", async () => {
    const { order } = await paidOrder([{ prices: { USD: 333 } }, { prices: { USD: 1007 } }], [4, 3]);
    const asks = order.lines.flatMap((l: any) => Array.from({ length: l.quantity }, () => ({ lines: [{ line_id: l.line_id, quantity: 1 }] })));
    let answers = await Promise.all(asks.map((body: unknown) => refund(order.id, body as Record<string, unknown>)));
    // A share computed from a view another refund changed is recomputed; a request that kept losing says so (503) and is repeated.
    for (let round = 0; round < 5 && answers.some((a) => a.status === 503); round++) {
      answers = [...answers.filter((a) => a.status !== 503), ...(await Promise.all(answers.filter((a) => a.status === 503).map(() => refund(order.id, {}))))];
    }
    expect(answers.every((a) => a.status === 201 || a.status === 409)).toBe(true);
    const detail = await adminOrder(order.id);
    expect(detail.order).toMatchObject({ status: "refunded", refunded_total: order.total });
    await expectRefundInvariants();
  });

  it("a cancellation racing a refund never refunds more than was captured", async () => {
    const { order } = await paidOrder([{ prices: { USD: 2500 } }], [2]);
    const [r, c] = await Promise.all([refund(order.id, { amount: 1000 }), cancelOrder(order.id)]);
    expect([201, 409]).toContain(r.status);
    expect([200, 409]).toContain(c.status);
    if (c.status === 409) expect((await cancelOrder(order.id)).status).toBe(200);
    const detail = await adminOrder(order.id);
    expect(detail.order).toMatchObject({ status: "cancelled", refunded_total: order.total });
    await expectInvariants();
    await expectRefundInvariants();
  });

  it("the gateway's answer and its notification settling one refund at once settle it once", async () => {
    const { order } = await paidOrder([{ prices: { USD: 1800 } }], [1]);
    const db = createDb(env.DB);
    const deps = { db, gateway: new TestGateway(db), log: createLogger(false) };
    // A pending refund whose gateway refund happened (as after a crash), settled twice at once.
    const key = refundKey();
    const id = `ref_racedsettle${crypto.randomUUID().replaceAll("-", "").slice(0, 14)}`;
    await env.DB.prepare(
      "INSERT INTO refunds (id, order_id, kind, status, amount, currency, restock, idempotency_key, request_hash, created_at, updated_at) VALUES (?, ?, 'refund', 'pending', 1800, 'USD', 0, ?, 'h', ?, ?)",
    )
      .bind(id, order.id, key, new Date().toISOString(), new Date().toISOString())
      .run();
    // The gateway did refund it, under the refund's key, before the crash.
    const payment = await env.DB.prepare(
      "SELECT p.reference FROM payments p JOIN orders o ON o.checkout_id = p.checkout_id WHERE o.id = ? AND p.status = 'captured'",
    )
      .bind(order.id)
      .first<{ reference: string }>();
    const atGateway = await deps.gateway.refund({
      idempotencyKey: paymentKeys.orderRefund(id),
      reference: payment!.reference,
      amount: 1800,
      currency: "USD",
      metadata: { refund_id: id, order_id: order.id },
    });
    expect(atGateway).toMatchObject({ status: "refunded" });
    const state = (await readRefundState(db, order.id))!;
    const row = state.refunds.find((x) => x.id === id)!;
    const results = await Promise.all([0, 1].map(() => settleFromGateway(deps, state, row, { status: "refunded", amount: 1800, reference: "re_same" })));
    expect(results).toEqual(["succeeded", "succeeded"]);
    const detail = await adminOrder(order.id);
    expect(detail.order).toMatchObject({ status: "refunded", refunded_total: 1800 });
    const events = await env.DB.prepare("SELECT COUNT(*) AS n FROM outbox WHERE type = 'order.refunded' AND id = ?")
      .bind(`evt_order_refunded_${id}`)
      .first<{ n: number }>();
    expect(events!.n).toBe(1);
    await expectRefundInvariants();
  });
});
