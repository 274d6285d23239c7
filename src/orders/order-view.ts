/** The `Order` of the contract (docs/contract.md), from the D1 order row, its captured payment, its refunds and its currency. */
import { and, eq, inArray } from "drizzle-orm";
import type { Database } from "../db/client";
import { currencies, orders, payments } from "../db/schema";
import type { QuoteLine } from "../checkout/quote";
import { refundQueries, toRefundJson, type RefundJson } from "./refund-records";

export interface OrderJson {
  id: string;
  number: number;
  cart_id: string;
  checkout_id: string;
  status: string;
  currency: string;
  currency_exponent: number;
  email: string | null;
  lines: QuoteLine[];
  subtotal: number;
  discount_total: number;
  tax_total: number;
  total: number;
  payment: { provider: string; status: string; amount: number; reference: string | null } | null;
  created_at: string;
  /** What succeeded refunds returned; pending ones do not count until the gateway confirms them. */
  refunded_total: number;
  refunds: RefundJson[];
}

export function toOrderJson(
  order: typeof orders.$inferSelect,
  payment: { provider: string; status: string; amount: number; reference: string | null } | null,
  currencyExponent: number,
  refunds: RefundJson[] = [],
): OrderJson {
  return {
    id: order.id,
    number: order.number,
    cart_id: order.cartId,
    checkout_id: order.checkoutId,
    status: order.status,
    currency: order.currency,
    currency_exponent: currencyExponent,
    email: order.email,
    lines: order.lines as QuoteLine[],
    subtotal: order.subtotal,
    discount_total: order.discountTotal,
    tax_total: order.taxTotal,
    total: order.total,
    payment,
    created_at: order.createdAt,
    refunded_total: order.refundedTotal,
    refunds,
  };
}

export async function readOrder(db: Database, orderId: string): Promise<OrderJson | null> {
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
    paid ? { provider: paid.provider, status: paid.status, amount: paid.status === "not_required" ? 0 : (paid.capturedAmount ?? paid.amount), reference: paid.reference } : null,
    // Currencies are never removed from the catalog, so the order's is there.
    currencyRows[0]?.exponent ?? 0,
    refunds,
  );
}
