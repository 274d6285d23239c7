/**
 * Refunds and cancellation of paid orders. Refunds serialise in D1, not in any object:
 * the refund is written `pending` first (a trigger refuses it when the order's pending
 * and succeeded refunds would pass what was captured, or a line's units its quantity),
 * then the gateway is asked under a key derived from the refund id, and its answer
 * settles the row once, from `pending` only. A crash in between leaves the refund
 * pending; asking again (a repeat of the request, the cleanup job, a gateway webhook)
 * reaches the same gateway refund under the same key and settles it the same way.
 */
import type { OrderAnswer, RefundAnswer } from "../contract/admin-order";
import type { Order } from "../contract/order";
import { isoNow, type Database } from "../db/client";
import { AppError } from "../lib/errors";
import { newId } from "../lib/ids";
import type { Logger } from "../lib/logger";
import { availabilityCache } from "../inventory/availability-cache";
import { errorText } from "../lib/error-text";
import { paymentKeys, type PaymentGateway, type RefundResult } from "../payments/gateway";
import { catalogAmount, gatewayRefundAmount } from "../payments/gateway-units";
import { readOrder } from "./order-view";
import { planRefund, type RefundAsk, type RefundPlan } from "./refund-plan";
import {
  insertPendingRefund,
  noteGatewayReference,
  readRefundState,
  REFUNDABLE_STATUSES,
  settleRefundStatements,
  toRefundJson,
  type OrderRefundState,
  type RefundRow,
  type Settlement,
} from "./refund-records";

export interface RefundDeps {
  db: Database;
  gateway: PaymentGateway;
  log: Logger;
}

export interface RefundInput {
  ask: RefundAsk;
  reason: string | null;
  restock: boolean;
}

/** Rounds of read, plan and write before giving up on a refund that keeps racing others. */
const MAX_ROUNDS = 5;

export type DriveResult = "succeeded" | "failed" | "pending" | "unknown";

/** A refund's answer: 201 once the gateway confirmed it, 202 while it has not. */
export type RefundOutcome = { status: 201 | 202; body: RefundAnswer };
/** A cancellation's answer: 200 once its refund is confirmed, 202 while it is not. */
export type CancelOutcome = { status: 200 | 202; body: OrderAnswer };

/** POST /admin/api/orders/{id}/refunds. */
export async function requestRefund(deps: RefundDeps, orderId: string, input: RefundInput, key: string, requestHash: string): Promise<RefundOutcome> {
  assertRestockable(input);
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const state = await readRefundState(deps.db, orderId);
    if (!state) throw new AppError("not_found", "Order not found.");
    const earlier = state.refunds.find((r) => r.idempotencyKey === key);
    if (earlier) {
      if (earlier.requestHash !== requestHash)
        throw new AppError("idempotency_key_reused", "This Idempotency-Key was used with another request for this order.");
      return answerRefund(deps, state, earlier);
    }
    const plan = refundPlanOf(state, input.ask);
    const id = newId("ref");
    const written = await writeIntent(deps, state, {
      id,
      orderId,
      kind: "refund",
      currency: state.order.currency,
      restock: input.restock,
      reason: input.reason,
      idempotencyKey: key,
      requestHash,
      plan,
    });
    if (written) return answerRefund(deps, await mustRead(deps.db, orderId), null, id);
  }
  throw busy();
}

/** What a refund of `input` would return now (a confirmation step shows it), or the error the refund would answer. */
export async function previewRefund(db: Database, orderId: string, input: RefundInput): Promise<RefundPlan> {
  assertRestockable(input);
  return refundPlanOf(await mustRead(db, orderId), input.ask);
}

/** What a cancellation would refund now (all that remains), or the error it would answer. */
export async function previewCancel(db: Database, orderId: string): Promise<RefundPlan> {
  const state = await mustRead(db, orderId);
  assertRefundable(state);
  const plan = planRefund(state.plan, { kind: "remaining" });
  if (!plan.ok) throw new AppError("order_not_refundable", "The order cannot be cancelled.");
  return plan.plan;
}

function assertRestockable(input: RefundInput): void {
  if (input.restock && input.ask.kind !== "lines") throw new AppError("invalid_refund", "restock needs lines: an amount alone returns money, not units.");
}

/** The refund `ask` makes of the order as it stands, or the API error that refuses it. */
function refundPlanOf(state: OrderRefundState, ask: RefundAsk): RefundPlan {
  assertRefundable(state);
  const plan = planRefund(state.plan, ask);
  if (!plan.ok) {
    if (plan.code === "refund_exceeds_captured")
      throw new AppError("refund_exceeds_captured", "The refund would exceed what was captured.", { refundable: plan.refundable });
    throw new AppError("invalid_refund", plan.message, plan.details);
  }
  if (plan.plan.amount === 0) throw new AppError("refund_exceeds_captured", "Nothing is left to refund.", { refundable: 0 });
  assertExpressible(state, plan.plan.amount);
  return plan.plan;
}

/** POST /admin/api/orders/{id}/cancel: refund all that remains, restock what was not refunded. */
export async function cancelOrder(
  deps: RefundDeps,
  orderId: string,
  input: { reason: string | null; restock: boolean },
  requestHash: string,
): Promise<CancelOutcome> {
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const state = await readRefundState(deps.db, orderId);
    if (!state) throw new AppError("not_found", "Order not found.");
    if (state.order.status === "cancelled" && state.refunds.some((r) => r.kind === "cancel" && r.status === "succeeded"))
      return cancelAnswer(deps, orderId, 200);
    assertRefundable(state);
    const pending = state.refunds.filter((r) => r.status === "pending");
    if (pending.length > 0) {
      // A pending refund's money may still come back to the order: settle it first, so a
      // cancellation always refunds exactly what remains.
      for (const r of pending) await driveRefund(deps, state, r);
      const again = await mustRead(deps.db, orderId);
      const cancelling = again.refunds.find((r) => r.kind === "cancel" && r.status === "pending");
      if (cancelling) return cancelAnswer(deps, orderId, 202);
      if (again.refunds.some((r) => r.status === "pending")) {
        throw new AppError("request_in_progress", "A refund of this order is still pending at the gateway; try the cancellation again later.", undefined, {
          "Retry-After": "5",
        });
      }
      continue;
    }
    const plan = planRefund(state.plan, { kind: "remaining" });
    if (!plan.ok) throw new AppError("order_not_refundable", "The order cannot be cancelled.");
    assertExpressible(state, plan.plan.amount);
    const id = newId("ref");
    const written = await writeIntent(deps, state, {
      id,
      orderId,
      kind: "cancel",
      currency: state.order.currency,
      restock: input.restock,
      reason: input.reason,
      idempotencyKey: `cancel:${id}`,
      requestHash,
      plan: plan.plan,
    });
    if (!written) continue;
    const fresh = await mustRead(deps.db, orderId);
    const result = await driveRefund(deps, fresh, fresh.refunds.find((r) => r.id === id)!);
    if (result === "succeeded") return cancelAnswer(deps, orderId, 200);
    if (result === "failed") throw gatewayError(await mustRead(deps.db, orderId), id);
    if (result === "pending") return cancelAnswer(deps, orderId, 202);
    throw gatewayError(await mustRead(deps.db, orderId), id);
  }
  throw busy();
}

/**
 * Ask the gateway for a pending refund (again: the key is the refund's, so asking twice
 * refunds once) and settle it with the answer. Anything but pending is left as it is.
 */
export async function driveRefund(deps: RefundDeps, state: OrderRefundState, refund: RefundRow): Promise<DriveResult> {
  if (refund.status !== "pending") return refund.status;
  if (refund.amount === 0) {
    // Nothing to return at the gateway (a cancellation of a fully refunded order).
    await settleRefund(deps.db, state, refund, { status: "succeeded", reference: null });
    return "succeeded";
  }
  const payment = state.payment;
  const amount = gatewayRefundAmount(deps.gateway.provider, refund.currency, refund.amount, state.exponent);
  if (!payment?.reference || !amount.ok) {
    await settleRefund(deps.db, state, refund, {
      status: "failed",
      reference: null,
      message: payment?.reference ? "The amount is not expressible at the gateway." : "The order has no captured payment to refund.",
    });
    return "failed";
  }
  const answer: RefundResult = await deps.gateway
    .refund({
      idempotencyKey: paymentKeys.orderRefund(refund.id),
      reference: payment.reference,
      amount: amount.amount,
      currency: refund.currency,
      metadata: { refund_id: refund.id, order_id: refund.orderId },
    })
    .catch((error: unknown) => ({ status: "error" as const, message: errorText(error) }));
  return settleFromGateway(deps, state, refund, answer);
}

/** The one path from a gateway's word about a refund (its answer or its webhook) to our record. */
export async function settleFromGateway(deps: RefundDeps, state: OrderRefundState, refund: RefundRow, answer: RefundResult): Promise<DriveResult> {
  const fields = { refund_id: refund.id, order_id: refund.orderId, amount: refund.amount };
  switch (answer.status) {
    case "refunded": {
      const back = catalogAmount(deps.gateway.provider, refund.currency, answer.amount, state.exponent);
      if (!back.ok || back.amount !== refund.amount) deps.log.error("refund.amount_mismatch", { ...fields, gateway_amount: answer.amount });
      await settleRefund(deps.db, state, refund, { status: "succeeded", reference: answer.reference ?? null });
      deps.log.info("refund.succeeded", fields);
      return "succeeded";
    }
    case "pending":
      await noteGatewayReference(deps.db, refund.id, answer.reference, isoNow());
      deps.log.info("refund.pending_at_gateway", { ...fields, reference: answer.reference });
      return "pending";
    case "error":
      if (answer.final) {
        await settleRefund(deps.db, state, refund, { status: "failed", reference: answer.reference ?? null, message: answer.message });
        deps.log.warn("refund.failed", { ...fields, message: answer.message });
        return "failed";
      }
      // Unknown outcome (a timeout): the refund stays pending; asking again finds out.
      deps.log.warn("refund.gateway_unreachable", { ...fields, message: answer.message });
      return "unknown";
  }
}

export async function settleRefund(db: Database, state: OrderRefundState, refund: RefundRow, outcome: Settlement): Promise<void> {
  await db.batch([...settleRefundStatements(db, refund, state.lines, state.order, outcome, isoNow())]);
  // Restocked units are sellable at once in this isolate, not only when "sold out" ages out.
  if (outcome.status === "succeeded" && refund.restock) availabilityCache.forget(state.lines.filter((l) => l.refundId === refund.id).map((l) => l.variantId));
}

async function writeIntent(deps: RefundDeps, state: OrderRefundState, refund: Parameters<typeof insertPendingRefund>[1]): Promise<boolean> {
  try {
    await deps.db.batch([...insertPendingRefund(deps.db, refund, isoNow())]);
    deps.log.info("refund.requested", { refund_id: refund.id, order_id: refund.orderId, amount: refund.plan.amount, kind: refund.kind });
    return true;
  } catch (error) {
    const text = errorText(error);
    // Another refund (or the same key) got there first: read again and decide again.
    if (/refund_exceeds_captured|refund_exceeds_quantity|refund_stale|UNIQUE constraint failed/.test(text)) return false;
    if (text.includes("order_not_refundable")) throw notRefundable(state.order.status);
    throw error;
  }
}

async function answerRefund(deps: RefundDeps, state: OrderRefundState, refund: RefundRow | null, id?: string): Promise<RefundOutcome> {
  let row = refund ?? state.refunds.find((r) => r.id === id)!;
  if (row.status === "pending") {
    await driveRefund(deps, state, row);
    state = await mustRead(deps.db, row.orderId);
    row = state.refunds.find((r) => r.id === row.id)!;
  }
  if (row.status === "failed" || (row.status === "pending" && !row.gatewayReference)) throw gatewayError(state, row.id);
  return { status: row.status === "succeeded" ? 201 : 202, body: { refund: toRefundJson(row, state.lines), order: await mustReadOrder(deps.db, row.orderId) } };
}

async function cancelAnswer(deps: RefundDeps, orderId: string, status: 200 | 202): Promise<CancelOutcome> {
  return { status, body: { order: await mustReadOrder(deps.db, orderId) } };
}

function gatewayError(state: OrderRefundState, refundId: string): AppError {
  const row = state.refunds.find((r) => r.id === refundId)!;
  return new AppError(
    "payment_gateway_error",
    row.status === "failed"
      ? `The gateway refused the refund: ${row.failure ?? "no reason given"}. Nothing was refunded.`
      : "The gateway did not answer; the refund is pending and will be settled. Repeat the request to ask again.",
    {
      refund_id: row.id,
      status: row.status,
    },
  );
}

function assertRefundable(state: OrderRefundState): void {
  if (!(REFUNDABLE_STATUSES as readonly string[]).includes(state.order.status) || !state.payment) throw notRefundable(state.order.status);
}

function assertExpressible(state: OrderRefundState, amount: number): void {
  if (amount === 0 || !state.payment) return;
  const provider = state.payment.provider === "stripe" ? "stripe" : "test";
  if (!gatewayRefundAmount(provider, state.order.currency, amount, state.exponent).ok) {
    throw new AppError("invalid_refund", "The amount cannot be expressed in the gateway's units for this currency.", {
      amount,
      currency: state.order.currency,
    });
  }
}

function notRefundable(status: string): AppError {
  return new AppError("order_not_refundable", `An order that is ${status.replace("_", " ")} cannot be refunded.`, { status });
}

function busy(): AppError {
  return new AppError("unavailable", "Other refunds of this order kept changing it; try again.", undefined, { "Retry-After": "1" });
}

async function mustRead(db: Database, orderId: string): Promise<OrderRefundState> {
  const state = await readRefundState(db, orderId);
  if (!state) throw new AppError("not_found", "Order not found.");
  return state;
}

/** The order as the answer shows it; it was read a moment ago and orders are never deleted. */
async function mustReadOrder(db: Database, orderId: string): Promise<Order> {
  const order = await readOrder(db, orderId);
  if (!order) throw new AppError("not_found", "Order not found.");
  return order;
}
