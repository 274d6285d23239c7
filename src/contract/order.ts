/**
 * `Order`: what a checkout became, as the saga answers it at completion and as D1 gives
 * it back (`GET /v1/orders/{id}`, the admin): both through `orderJson`.
 */
import { z } from "@hono/zod-openapi";
import { type QuoteLine, QuoteLineSchema } from "./quote";
import { type Refund, RefundSchema } from "./refund";
import { CurrencyExponent, MinorUnits, Timestamp } from "./fields";

export const OrderPaymentSchema = z.object({
  provider: z.string(),
  status: z.string().openapi({ description: "`captured`, or `not_required` for a total of 0" }),
  amount: MinorUnits,
  reference: z.string().nullable().openapi({ description: "The gateway's id of the payment" }),
});
export type OrderPayment = z.output<typeof OrderPaymentSchema>;

export const OrderSchema = z
  .object({
    id: z.string(),
    number: z.number().int().nullable(),
    cart_id: z.string(),
    checkout_id: z.string(),
    status: z.string(),
    currency: z.string(),
    currency_exponent: CurrencyExponent,
    email: z.string().nullable(),
    lines: z.array(QuoteLineSchema),
    subtotal: MinorUnits,
    discount_total: MinorUnits,
    tax_total: MinorUnits,
    total: MinorUnits,
    payment: OrderPaymentSchema.nullable(),
    created_at: Timestamp,
    refunded_total: MinorUnits.openapi({ description: "The sum of the succeeded refunds" }),
    refunds: z.array(RefundSchema),
  })
  .openapi("Order");
export type Order = z.output<typeof OrderSchema>;

/** What an order is made of: the fields of its D1 row (the saga has them before the row exists). */
export interface OrderFacts {
  id: string;
  number: number | null;
  cartId: string;
  checkoutId: string;
  status: string;
  currency: string;
  /** From the catalog (D1 reads), or the quote's frozen one (the saga). */
  currencyExponent: number;
  email: string | null;
  lines: QuoteLine[];
  subtotal: number;
  discountTotal: number;
  taxTotal: number;
  total: number;
  payment: OrderPayment | null;
  createdAt: string;
  refundedTotal: number;
  refunds: Refund[];
}

export function orderJson(order: OrderFacts): Order {
  return {
    id: order.id,
    number: order.number,
    cart_id: order.cartId,
    checkout_id: order.checkoutId,
    status: order.status,
    currency: order.currency,
    currency_exponent: order.currencyExponent,
    email: order.email,
    lines: order.lines,
    subtotal: order.subtotal,
    discount_total: order.discountTotal,
    tax_total: order.taxTotal,
    total: order.total,
    payment: order.payment,
    created_at: order.createdAt,
    // What succeeded refunds returned; pending ones do not count until the gateway confirms them.
    refunded_total: order.refundedTotal,
    refunds: order.refunds,
  };
}
