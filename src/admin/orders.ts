/**
 * Orders as admins see them: the paid orders (an order an interrupted payment left
 * unpaid is the checkout's business, not an order to refund), newest first, and one
 * order with its refunds and a timeline built from the rows that record its life.
 */
import type { OrderDetail, OrderTimelineEntry } from "../contract/admin-order";
import { and, asc, desc, eq, inArray, sql, type SQL } from "drizzle-orm";
import type { Database } from "../db/client";
import { checkoutEvents, currencies, orders, payments } from "../db/schema";
import { readOrder, toOrderJson, type OrderJson } from "../orders/order-view";
import { readRefundsOf } from "../orders/refund-records";
import { afterCursor, toPage } from "./page-cursor";

export const ORDER_STATUSES = ["paid", "partially_refunded", "refunded", "cancelled"] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export interface OrderListQuery {
  status?: OrderStatus;
  email?: string;
  number?: number;
  limit: number;
  cursor?: string;
}

/** An order with a captured payment: the ones that were sold. */
const wasPaid = sql`EXISTS (SELECT 1 FROM ${payments} WHERE ${payments.checkoutId} = ${orders.checkoutId} AND ${payments.status} IN ('captured', 'not_required'))`;

export async function listOrders(db: Database, q: OrderListQuery): Promise<{ data: OrderJson[]; next_cursor: string | null }> {
  const where: SQL[] = [wasPaid];
  if (q.status) where.push(eq(orders.status, q.status));
  // Emails are compared lower-cased: a shopper's address is one address however typed.
  if (q.email) where.push(sql`lower(${orders.email}) = ${q.email.toLowerCase()}`);
  if (q.number !== undefined) where.push(eq(orders.number, q.number));
  if (q.cursor) where.push(afterCursor(q.cursor, { createdAt: orders.createdAt, id: orders.id }));
  const rows = await db
    .select()
    .from(orders)
    .where(and(...where))
    .orderBy(desc(orders.createdAt), desc(orders.id))
    .limit(q.limit + 1);
  const page = rows.slice(0, q.limit);
  const [paid, refundsByOrder, currencyRows] = await Promise.all([
    capturedPayments(
      db,
      page.map((o) => o.checkoutId),
    ),
    readRefundsOf(
      db,
      page.map((o) => o.id),
    ),
    db.select({ code: currencies.code, exponent: currencies.exponent }).from(currencies),
  ]);
  const exponents = new Map(currencyRows.map((c) => [c.code, c.exponent]));
  // Currencies are never removed from the catalog, so each order's is there.
  return toPage(rows, q.limit, (o) => toOrderJson(o, paid.get(o.checkoutId) ?? null, exponents.get(o.currency) ?? 0, refundsByOrder.get(o.id) ?? []));
}

async function capturedPayments(db: Database, checkoutIds: string[]) {
  if (checkoutIds.length === 0) return new Map<string, { provider: string; status: string; amount: number; reference: string | null }>();
  const rows = await db
    .select()
    .from(payments)
    .where(and(inArray(payments.checkoutId, checkoutIds), inArray(payments.status, ["captured", "not_required"])));
  return new Map(
    rows.map((p) => [
      p.checkoutId,
      { provider: p.provider, status: p.status, amount: p.status === "not_required" ? 0 : (p.capturedAmount ?? p.amount), reference: p.reference },
    ]),
  );
}

export type { OrderDetail };

export async function readOrderDetail(db: Database, orderId: string): Promise<OrderDetail | null> {
  const order = await readOrder(db, orderId);
  if (!order) return null;
  const events = await db
    .select()
    .from(checkoutEvents)
    .where(and(eq(checkoutEvents.checkoutId, order.checkout_id), inArray(checkoutEvents.event, ["order_created", "payment_captured", "completed"])))
    .orderBy(asc(checkoutEvents.id));
  return { order, refunds: order.refunds, timeline: orderTimeline(order, events) };
}

/** The order's story, oldest first: its checkout's payment steps, then each refund asked and settled. */
export function orderTimeline(order: OrderJson, events: Array<typeof checkoutEvents.$inferSelect>): OrderTimelineEntry[] {
  const entries: OrderTimelineEntry[] = events.map((e) => ({ at: e.at, event: e.event, detail: e.detail ?? null }));
  if (!entries.some((e) => e.event === "order_created")) entries.push({ at: order.created_at, event: "order_created", detail: null });
  for (const r of order.refunds) {
    const what = r.kind === "cancel" ? "cancellation" : "refund";
    entries.push({
      at: r.created_at,
      event: `${what}_requested`,
      detail: { refund_id: r.id, amount: r.amount, lines: r.lines, restock: r.restock, reason: r.reason },
    });
    if (r.settled_at) {
      entries.push({
        at: r.settled_at,
        event: `${what}_${r.status}`,
        detail: {
          refund_id: r.id,
          amount: r.amount,
          restocked: r.restocked,
          gateway_reference: r.gateway_reference,
          ...(r.failure ? { failure: r.failure } : {}),
        },
      });
    }
  }
  return entries.sort((a, b) => a.at.localeCompare(b.at));
}
