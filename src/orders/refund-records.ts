/**
 * The D1 side of refunds: reading an order's refund state, writing a refund's intent
 * (`pending`, before the gateway is asked) and settling it. Triggers of migration 0003
 * make the intent batch raise when it would over-refund; the settle batch is a set of
 * statements that each change something only the first time, so an answer, a webhook
 * and the reconciliation job may all settle one refund and it settles once.
 */
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { inJsonArray, insertJsonRows } from "../db/json-rows";
import { currencies, orderLines, orders, payments, refundLines, refunds } from "../db/schema";
import { recordEventWhen } from "../events/outbox";
import { restockRefund } from "../inventory/stock-ledger";
import type { LineTaken, RefundPlan, RefundState } from "./refund-plan";
import type { Refund } from "../contract/refund";

export type OrderRow = typeof orders.$inferSelect;
export type RefundRow = typeof refunds.$inferSelect;
export type RefundLineRow = typeof refundLines.$inferSelect;
export type CapturedPayment = { provider: string; reference: string | null; amount: number };

/** Order statuses a refund may start from (a cancelled order takes none). */
export const REFUNDABLE_STATUSES = ["paid", "partially_refunded", "refunded"] as const;
/**
 * The statuses of an order that was sold, whatever came after: refunds and cancellation
 * follow the sale. (`cancelled` is also where an unpaid order ends, so a reader pairs it
 * with its capture or its completed checkout.)
 */
export const SOLD_STATUSES = [...REFUNDABLE_STATUSES, "cancelled"] as const;
/** Refund statuses that hold money: a failed refund gives its share back. */
const HOLDING = ["pending", "succeeded"] as const;

/** A refund as the API answers it (the `Refund` schema's output). */
export type RefundJson = Refund;

export function toRefundJson(row: RefundRow, lines: RefundLineRow[]): RefundJson {
  return {
    id: row.id,
    order_id: row.orderId,
    kind: row.kind,
    status: row.status,
    amount: row.amount,
    currency: row.currency,
    lines: lines.filter((l) => l.refundId === row.id).map((l) => ({ line_id: l.lineId, quantity: l.quantity, amount: l.amount })),
    restock: row.restock,
    restocked: row.restock && row.status === "succeeded" && lines.some((l) => l.refundId === row.id),
    reason: row.reason,
    failure: row.failure,
    created_at: row.createdAt,
    settled_at: row.settledAt,
    gateway_reference: row.gatewayReference,
  };
}

/** The refunds of some orders (oldest first) and their lines, for one batch. */
export function refundQueries(db: Database, orderIds: string[]) {
  return [
    db.select().from(refunds).where(inJsonArray(refunds.orderId, orderIds)).orderBy(asc(refunds.createdAt), asc(refunds.id)),
    // Insertion order: a refund's lines in the order it listed them.
    db.select().from(refundLines).where(inJsonArray(refundLines.orderId, orderIds)).orderBy(sql`rowid`),
  ] as const;
}

/** The refunds of some orders, oldest first, as JSON. */
export async function readRefundsOf(db: Database, orderIds: string[]): Promise<Map<string, RefundJson[]>> {
  const out = new Map<string, RefundJson[]>(orderIds.map((id) => [id, []]));
  if (orderIds.length === 0) return out;
  const [rows, lines] = await db.batch([...refundQueries(db, orderIds)]);
  for (const row of rows) out.get(row.orderId)?.push(toRefundJson(row, lines));
  return out;
}

export interface OrderRefundState {
  order: OrderRow;
  payment: CapturedPayment | null;
  exponent: number;
  refunds: RefundRow[];
  lines: RefundLineRow[];
  plan: RefundState;
}

/**
 * The statement reading what paid for an order: its captured payment, or `not_required`
 * for a total of 0 paid without the gateway. No join: D1 keys row values by column name,
 * so same-named columns would collide.
 */
export function orderPaymentQuery(db: Database, orderId: string) {
  return db
    .select()
    .from(payments)
    .where(
      and(
        inArray(payments.checkoutId, db.select({ id: orders.checkoutId }).from(orders).where(eq(orders.id, orderId))),
        inArray(payments.status, ["captured", "not_required"]),
      ),
    );
}

/** The statement reading the exponent of an order's currency. */
export function orderExponentQuery(db: Database, orderId: string) {
  return db
    .select({ exponent: currencies.exponent })
    .from(currencies)
    .where(inArray(currencies.code, db.select({ code: orders.currency }).from(orders).where(eq(orders.id, orderId))));
}

/** Everything a refund decision needs, in one round trip. */
export async function readRefundState(db: Database, orderId: string): Promise<OrderRefundState | null> {
  const [orderRows, paymentRows, lineRows, refundRows, refundLineRows, currencyRows] = await db.batch([
    db.select().from(orders).where(eq(orders.id, orderId)),
    // A total of 0 was paid without the gateway ("not_required"): nothing to refund, but cancellable.
    orderPaymentQuery(db, orderId),
    db.select().from(orderLines).where(eq(orderLines.orderId, orderId)),
    db.select().from(refunds).where(eq(refunds.orderId, orderId)).orderBy(asc(refunds.createdAt)),
    db.select().from(refundLines).where(eq(refundLines.orderId, orderId)).orderBy(sql`rowid`),
    orderExponentQuery(db, orderId),
  ]);
  const order = orderRows[0];
  if (!order) return null;
  const captured = paymentRows.reduce((sum, p) => sum + (p.status === "captured" ? (p.capturedAmount ?? p.amount) : 0), 0);
  const paid = paymentRows[0];
  const holding = new Set(refundRows.filter((r) => (HOLDING as readonly string[]).includes(r.status)).map((r) => r.id));
  const lineTaken = new Map<string, LineTaken>();
  for (const l of refundLineRows) {
    if (!holding.has(l.refundId)) continue;
    const t = lineTaken.get(l.lineId) ?? { units: 0, amount: 0 };
    lineTaken.set(l.lineId, { units: t.units + l.quantity, amount: t.amount + l.amount });
  }
  return {
    order,
    payment: paid ? { provider: paid.provider, reference: paid.reference, amount: captured } : null,
    exponent: currencyRows[0]?.exponent ?? 2,
    refunds: refundRows,
    lines: refundLineRows,
    plan: {
      captured,
      taken: refundRows.filter((r) => holding.has(r.id)).reduce((sum, r) => sum + r.amount, 0),
      // In the order's own line order, so a refund's lines read like the order's.
      lines: lineRows
        .map((l) => ({ line_id: l.lineId, variant_id: l.variantId, quantity: l.quantity, total: l.total }))
        .sort((x, y) => lineIndex(order, x.line_id) - lineIndex(order, y.line_id)),
      lineTaken,
    },
  };
}

function lineIndex(order: OrderRow, lineId: string): number {
  return (order.lines as Array<{ line_id: string }>).findIndex((l) => l.line_id === lineId);
}

export interface NewRefund {
  id: string;
  orderId: string;
  kind: "refund" | "cancel";
  currency: string;
  restock: boolean;
  reason: string | null;
  idempotencyKey: string;
  requestHash: string;
  plan: RefundPlan;
}

/** The intent: one batch, which a trigger rolls back when it would over-refund. */
export function insertPendingRefund(db: Database, r: NewRefund, now: string) {
  const head = db.insert(refunds).values({
    id: r.id,
    orderId: r.orderId,
    kind: r.kind,
    status: "pending",
    amount: r.plan.amount,
    currency: r.currency,
    restock: r.restock,
    reason: r.reason,
    idempotencyKey: r.idempotencyKey,
    requestHash: r.requestHash,
    createdAt: now,
    updatedAt: now,
  });
  if (r.plan.lines.length === 0) return [head] as const;
  const lines = insertJsonRows(
    db,
    refundLines,
    r.plan.lines.map((l) => ({
      refundId: r.id,
      orderId: r.orderId,
      lineId: l.line_id,
      variantId: l.variant_id,
      quantity: l.quantity,
      amount: l.amount,
      unitsBefore: l.units_before,
      amountBefore: l.amount_before,
    })),
  );
  return [head, lines] as const;
}

/** The gateway took the refund but has not confirmed it: remember its reference. */
export function noteGatewayReference(db: Database, refundId: string, reference: string, now: string) {
  return db
    .update(refunds)
    .set({ gatewayReference: reference, updatedAt: now })
    .where(and(eq(refunds.id, refundId), eq(refunds.status, "pending")));
}

export type Settlement = { status: "succeeded"; reference: string | null } | { status: "failed"; reference: string | null; message: string };

/**
 * Settle a pending refund, with everything that follows from it in the same batch: the
 * order's refunded total and status (recomputed from its refunds), the restock through
 * the stock ledger, and the events. Each statement is a no-op the second time.
 */
export function settleRefundStatements(db: Database, refund: RefundRow, lines: RefundLineRow[], order: OrderRow, outcome: Settlement, now: string) {
  const succeeded = sql`EXISTS (SELECT 1 FROM ${refunds} WHERE ${refunds.id} = ${refund.id} AND ${refunds.status} = 'succeeded')`;
  const confirmed = toRefundJson({ ...refund, status: "succeeded", gatewayReference: outcome.reference ?? refund.gatewayReference, settledAt: now }, lines);
  const subject = { order_id: order.id, order_number: order.number, currency: order.currency };
  return [
    db
      .update(refunds)
      .set({
        status: outcome.status,
        gatewayReference: outcome.reference ?? refund.gatewayReference,
        failure: outcome.status === "failed" ? outcome.message.slice(0, 500) : null,
        settledAt: now,
        updatedAt: now,
      })
      .where(and(eq(refunds.id, refund.id), eq(refunds.status, "pending"))),
    recomputeOrder(db, order.id, now),
    restockRefund(db, refund.id, now),
    recordEventWhen(db, "order.refunded", refund.id, { ...subject, refund: confirmed }, now, sql`${succeeded} AND ${refund.amount} > 0`),
    recordEventWhen(
      db,
      "order.cancelled",
      order.id,
      { ...subject, status: "cancelled", refund_id: refund.id, reason: refund.reason, restocked: confirmed.restocked },
      now,
      sql`${succeeded} AND ${refund.kind} = 'cancel'`,
    ),
  ] as const;
}

/** refunded_total and status from the order's succeeded refunds (a succeeded cancellation wins). */
function recomputeOrder(db: Database, orderId: string, now: string) {
  const refunded = sql`(SELECT COALESCE(SUM(${refunds.amount}), 0) FROM ${refunds} WHERE ${refunds.orderId} = ${orders.id} AND ${refunds.status} = 'succeeded')`;
  const cancelled = sql`EXISTS (SELECT 1 FROM ${refunds} WHERE ${refunds.orderId} = ${orders.id} AND ${refunds.kind} = 'cancel' AND ${refunds.status} = 'succeeded')`;
  return db
    .update(orders)
    .set({
      refundedTotal: refunded,
      status: sql`CASE WHEN ${cancelled} THEN 'cancelled' WHEN ${refunded} > 0 AND ${refunded} >= ${orders.total} THEN 'refunded' WHEN ${refunded} > 0 THEN 'partially_refunded' ELSE 'paid' END`,
      updatedAt: now,
    })
    .where(and(eq(orders.id, orderId), inArray(orders.status, [...REFUNDABLE_STATUSES, "cancelled"])));
}
