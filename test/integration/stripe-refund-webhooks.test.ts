/**
 * Stripe's refund webhooks: `refund.updated`, `refund.failed` and `charge.refund.updated`
 * settle a refund Stripe left pending through the same path as the refund's own answer,
 * once, whatever is replayed or races; a refund Stripe reports that matches none of ours
 * is recorded and shown by diagnostics; only signed events are taken.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ADMIN, call, cartWith, createProduct } from "../support/api";
import { adminOrder, cancelOrder, refund, refundKey } from "../support/orders";
import { expectRefundInvariants } from "../support/refund-invariants";
import { PM, postStripeEvent, type StripeDouble, payWithStripe, useStripeDouble } from "../support/stripe-double";

let stripe: StripeDouble;
useStripeDouble((double) => (stripe = double));

/** A paid Stripe order of two units at 1500 (USD), and its PaymentIntent. */
async function paidStripeOrder() {
  const [variant] = await createProduct([{ prices: { USD: 1500 }, stock: 5 }]);
  const paid = await payWithStripe(await cartWith([[variant!, 2]]), PM.visa);
  expect(paid.status, JSON.stringify(paid.body)).toBe(201);
  return { order: paid.body.order, variant: variant!, intent: paid.body.order.payment.reference as string };
}

/** A refund Stripe took but left pending (answered 202), and its Stripe id. */
async function pendingAtStripe(orderId: string, body: Record<string, unknown>) {
  stripe.refundsSettleLater = true;
  const res = await refund(orderId, body);
  stripe.refundsSettleLater = false;
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  expect(res.body.refund).toMatchObject({ status: "pending" });
  return { refund: res.body.refund, stripeId: res.body.refund.gateway_reference as string };
}

async function outboxOf(type: string, subject: string) {
  return (await env.DB.prepare("SELECT id FROM outbox WHERE type = ? AND json_extract(payload, '$.refund.id') = ?").bind(type, subject).all()).results;
}

async function onHand(variantId: string): Promise<number> {
  return (await env.DB.prepare("SELECT on_hand FROM inventory WHERE variant_id = ?").bind(variantId).first<{ on_hand: number }>())!.on_hand;
}

async function gatewayRefundsCheck() {
  const res = await call("GET", "/admin/api/diagnostics", { headers: ADMIN });
  expect(res.status).toBe(200);
  return res.body.checks.find((c: any) => c.name === "gateway_refunds_recorded");
}

describe("Stripe refund webhooks", () => {
  it("refund.updated settles a pending refund (restock, refunded total, event) once; a replay changes nothing", async () => {
    const { order, variant } = await paidStripeOrder();
    const stockBefore = await onHand(variant);
    const { refund: pending, stripeId } = await pendingAtStripe(order.id, { lines: [{ line_id: order.lines[0].line_id, quantity: 1 }], restock: true });
    expect(stripeId).toMatch(/^re_/);
    expect((await adminOrder(order.id)).order).toMatchObject({ status: "paid", refunded_total: 0 });
    expect(await onHand(variant)).toBe(stockBefore);

    const event = stripe.refundEvent("refund.updated", stripe.settleRefund(stripeId, "succeeded").id);
    const res = await postStripeEvent(event);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ received: true, handled: true, result: "applied", refund_id: pending.id, refund_status: "succeeded", order_id: order.id });
    const after = await adminOrder(order.id);
    expect(after.order).toMatchObject({ status: "partially_refunded", refunded_total: 1500 });
    expect(after.refunds[0]).toMatchObject({ id: pending.id, status: "succeeded", restocked: true, gateway_reference: stripeId });
    expect(await onHand(variant)).toBe(stockBefore + 1);
    expect(await outboxOf("order.refunded", pending.id)).toHaveLength(1);

    const replay = await postStripeEvent(event);
    expect(replay.body).toMatchObject({ handled: false, result: "ignored", reason: "refund_already_settled", refund_status: "succeeded" });
    expect((await adminOrder(order.id)).order.refunded_total).toBe(1500);
    expect(await onHand(variant)).toBe(stockBefore + 1);
    expect(await outboxOf("order.refunded", pending.id)).toHaveLength(1);
    expect(stripe.requestsTo("refund")).toHaveLength(1);
    await expectRefundInvariants();
  });

  it("refund.failed settles it failed: nothing refunded, nothing restocked, the amount refundable again", async () => {
    const { order, variant } = await paidStripeOrder();
    const stockBefore = await onHand(variant);
    const { refund: pending, stripeId } = await pendingAtStripe(order.id, { lines: [{ line_id: order.lines[0].line_id, quantity: 2 }], restock: true });
    // While pending, its amount is held: no second refund of the same units.
    expect((await refund(order.id, { amount: 1 })).body.error).toMatchObject({ code: "refund_exceeds_captured" });

    const res = await postStripeEvent(stripe.refundEvent("refund.failed", stripe.settleRefund(stripeId, "failed").id));
    expect(res.body).toMatchObject({ handled: true, refund_id: pending.id, refund_status: "failed" });
    const after = await adminOrder(order.id);
    expect(after.order).toMatchObject({ status: "paid", refunded_total: 0 });
    expect(after.refunds[0]).toMatchObject({ status: "failed", restocked: false });
    expect(after.refunds[0].failure).toContain(stripeId);
    expect(await onHand(variant)).toBe(stockBefore);
    expect(await outboxOf("order.refunded", pending.id)).toHaveLength(0);

    const again = await refund(order.id, {});
    expect(again.status, JSON.stringify(again.body)).toBe(201);
    expect(again.body.order).toMatchObject({ status: "refunded", refunded_total: 3000 });
    await expectRefundInvariants();
  });

  it("charge.refund.updated settles a pending cancellation: the order becomes cancelled and is restocked", async () => {
    const { order, variant } = await paidStripeOrder();
    const stockBefore = await onHand(variant);
    stripe.refundsSettleLater = true;
    const cancelled = await cancelOrder(order.id);
    stripe.refundsSettleLater = false;
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(202);
    const stripeId = (await adminOrder(order.id)).refunds[0].gateway_reference;
    const res = await postStripeEvent(stripe.refundEvent("charge.refund.updated", stripe.settleRefund(stripeId, "succeeded").id));
    expect(res.body).toMatchObject({ handled: true, refund_status: "succeeded" });
    expect((await adminOrder(order.id)).order).toMatchObject({ status: "cancelled", refunded_total: 3000 });
    expect(await onHand(variant)).toBe(stockBefore + 2);
    // A repeat of the cancel is harmless.
    expect((await cancelOrder(order.id)).status).toBe(200);
    expect(stripe.requestsTo("refund")).toHaveLength(1);
    await expectRefundInvariants();
  });

  it("an answer lost after Stripe refunded: the webhook (by the metadata we sent) and the repeated request race, and settle it once", async () => {
    const { order } = await paidStripeOrder();
    const key = refundKey();
    stripe.fail("refund", "timeout");
    const lost = await refund(order.id, { amount: 700 }, key);
    expect(lost.status).toBe(502);
    const ours = (await adminOrder(order.id)).refunds[0];
    expect(ours).toMatchObject({ status: "pending", gateway_reference: null });
    const [made] = [...stripe.refundObjects.values()];
    expect(made!.metadata).toMatchObject({ refund_id: ours.id, order_id: order.id });

    const [hook, repeat] = await Promise.all([postStripeEvent(stripe.refundEvent("refund.updated", made!.id)), refund(order.id, { amount: 700 }, key)]);
    expect(hook.status).toBe(200);
    expect(hook.body.refund_id).toBe(ours.id);
    expect(repeat.status, JSON.stringify(repeat.body)).toBe(201);
    expect(repeat.body.refund).toMatchObject({ id: ours.id, status: "succeeded", gateway_reference: made!.id });
    expect((await adminOrder(order.id)).order.refunded_total).toBe(700);
    expect(stripe.refunds).toEqual([{ intent: order.payment.reference, amount: 700 }]);
    expect(await outboxOf("order.refunded", ours.id)).toHaveLength(1);
    await expectRefundInvariants();
  });

  it("a refund made outside this service is recorded (once per event, its latest state shown) and flagged by diagnostics; no order changes", async () => {
    const { order, intent } = await paidStripeOrder();
    const outside = stripe.outsideRefund(intent, 1000);
    // Not flagged before its event arrives (other tests' outside refunds may be).
    expect(((await gatewayRefundsCheck()).details.refunds ?? []).filter((r: any) => r.reference === outside.id)).toEqual([]);
    const created = stripe.refundEvent("refund.created", outside.id);
    const res = await postStripeEvent(created);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ received: true, handled: false, result: "recorded", reason: "no_matching_refund" });
    expect((await postStripeEvent(created)).body.result).toBe("recorded");
    outside.status = "canceled";
    await postStripeEvent(stripe.refundEvent("refund.updated", outside.id));

    const rows = await env.DB.prepare(
      "SELECT event_id, status, amount, currency, payment_reference FROM unmatched_gateway_refunds WHERE reference = ? ORDER BY received_at",
    )
      .bind(outside.id)
      .all();
    expect(rows.results).toHaveLength(2);
    expect(rows.results[0]).toMatchObject({ event_id: created.id, status: "succeeded", amount: 1000, currency: "USD", payment_reference: intent });
    const check = await gatewayRefundsCheck();
    expect(check.status).toBe("warn");
    const shown = check.details.refunds.filter((r: any) => r.reference === outside.id);
    expect(shown).toEqual([expect.objectContaining({ status: "canceled", amount: 1000 })]);
    expect((await adminOrder(order.id)).order).toMatchObject({ status: "paid", refunded_total: 0, refunds: [] });
  });

  it("metadata naming a refund of ours on another PaymentIntent is not ours: recorded as unmatched, our refund untouched", async () => {
    const first = await paidStripeOrder();
    const second = await paidStripeOrder();
    const { refund: pending, stripeId } = await pendingAtStripe(first.order.id, { amount: 500 });
    const foreign = stripe.outsideRefund(second.intent, 500);
    foreign.metadata = { refund_id: pending.id, order_id: first.order.id };
    const res = await postStripeEvent(stripe.refundEvent("refund.updated", foreign.id));
    expect(res.body).toMatchObject({ result: "recorded", reason: "no_matching_refund" });
    expect((await adminOrder(first.order.id)).refunds[0]).toMatchObject({ status: "pending" });
    // Settle ours so the suite's invariants (nothing left pending) hold.
    expect((await postStripeEvent(stripe.refundEvent("refund.updated", stripe.settleRefund(stripeId, "succeeded").id))).body.refund_status).toBe("succeeded");
    await expectRefundInvariants();
  });

  it("a failure Stripe reports for a refund already succeeded here is not applied: the record stands and the answer says so", async () => {
    const { order } = await paidStripeOrder();
    const done = await refund(order.id, { amount: 300 });
    expect(done.status).toBe(201);
    const stripeRefund = stripe.refundObject(done.body.refund.gateway_reference);
    stripeRefund.status = "failed";
    const res = await postStripeEvent(stripe.refundEvent("refund.failed", stripeRefund.id));
    expect(res.body).toMatchObject({ handled: false, reason: "refund_already_settled", refund_status: "succeeded" });
    expect((await adminOrder(order.id)).order.refunded_total).toBe(300);
  });

  it("refuses an unsigned or tampered refund event and one that carries no Refund, changing nothing", async () => {
    const { order } = await paidStripeOrder();
    const { stripeId } = await pendingAtStripe(order.id, { amount: 800 });
    const event = stripe.refundEvent("refund.updated", stripe.settleRefund(stripeId, "succeeded").id);
    const unsigned = await postStripeEvent(event, { header: null });
    expect(unsigned.status).toBe(400);
    expect(unsigned.body.error).toMatchObject({ code: "invalid_signature", details: { reason: "missing_header" } });
    const tampered = await postStripeEvent(event, { tamper: (b) => b.replace(`"amount":800`, `"amount":1`) });
    expect(tampered.body.error).toMatchObject({ code: "invalid_signature", details: { reason: "no_matching_signature" } });
    const shapeless = await postStripeEvent({ ...event, data: { object: { id: stripeId, amount: 800 } } });
    expect(shapeless.status).toBe(400);
    expect(shapeless.body.error.code).toBe("validation_error");
    expect(shapeless.body.error.details.issues.map((i: any) => i.path)).toContain("data.object.status");
    expect((await adminOrder(order.id)).refunds[0]).toMatchObject({ status: "pending" });
    expect((await env.DB.prepare("SELECT COUNT(*) AS n FROM unmatched_gateway_refunds WHERE reference = ?").bind(stripeId).first<{ n: number }>())!.n).toBe(0);
    expect((await postStripeEvent(event)).body.refund_status).toBe("succeeded");
  });
});
