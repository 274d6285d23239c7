/** The `Order` of the contract (docs/contract.md), from the D1 order row, its captured payment, its refunds and its currency. */
import { eq } from "drizzle-orm";
import type { QuoteLine } from "../checkout/quote";
import { type Order, type OrderPayment, orderJson } from "../contract/order";
import type { Refund } from "../contract/refund";
import type { Database } from "../db/client";
import { orders } from "../db/schema";
import { orderExponentQuery, orderPaymentQuery, refundQueries, toRefundJson } from "./refund-records";

export type OrderJson = Order;

/** The order of a D1 row, through the one `Order` serialiser. */
export function toOrderJson(order: typeof orders.$inferSelect, payment: OrderPayment | null, currencyExponent: number, refunds: Refund[] = []): Order {
  return orderJson({ ...order, lines: order.lines as QuoteLine[], currencyExponent, payment, refunds });
}

export async function readOrder(db: Database, orderId: string): Promise<Order | null> {
  const [orderRows, paymentRows, currencyRows, refundRows, refundLineRows] = await db.batch([
    db.select().from(orders).where(eq(orders.id, orderId)),
    orderPaymentQuery(db, orderId),
    orderExponentQuery(db, orderId),
    ...refundQueries(db, [orderId]),
  ]);
  const order = orderRows[0];
  if (!order) return null;
  const paid = paymentRows[0];
  const refunds = refundRows.map((r) => toRefundJson(r, refundLineRows));
  return toOrderJson(
    order,
    paid
      ? {
          provider: paid.provider,
          status: paid.status,
          amount: paid.status === "not_required" ? 0 : (paid.capturedAmount ?? paid.amount),
          reference: paid.reference,
        }
      : null,
    // Currencies are never removed from the catalog, so the order's is there.
    currencyRows[0]?.exponent ?? 0,
    refunds,
  );
}
