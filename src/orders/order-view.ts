/** The `Order` of the contract (docs/contract.md), from the D1 order row, its captured payment, its refunds and its currency. */
import { and, eq, inArray } from "drizzle-orm";
import type { QuoteLine } from "../checkout/quote";
import { type Order, type OrderPayment, orderJson } from "../contract/order";
import type { Refund } from "../contract/refund";
import type { Database } from "../db/client";
import { currencies, orders, payments } from "../db/schema";
import { refundQueries, toRefundJson } from "./refund-records";

export type OrderJson = Order;

/** The order of a D1 row, through the one `Order` serialiser. */
export function toOrderJson(order: typeof orders.$inferSelect, payment: OrderPayment | null, currencyExponent: number, refunds: Refund[] = []): Order {
  return orderJson({ ...order, lines: order.lines as QuoteLine[], currencyExponent, payment, refunds });
}

export async function readOrder(db: Database, orderId: string): Promise<Order | null> {
  const [orderRows, paymentRows, currencyRows, refundRows, refundLineRows] = await db.batch([
    db.select().from(orders).where(eq(orders.id, orderId)),
    // No join: D1 keys row values by column name, so same-named columns would collide.
    db
      .select()
      .from(payments)
      .where(
        and(
          inArray(payments.checkoutId, db.select({ id: orders.checkoutId }).from(orders).where(eq(orders.id, orderId))),
          // A total of 0 was paid without the gateway ("not_required").
          inArray(payments.status, ["captured", "not_required"]),
        ),
      ),
    db
      .select({ exponent: currencies.exponent })
      .from(currencies)
      .where(inArray(currencies.code, db.select({ code: orders.currency }).from(orders).where(eq(orders.id, orderId)))),
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
