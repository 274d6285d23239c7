/**
 * The admin's answers about an order (`/admin/api/orders/{id}` and its refunds and
 * cancellation): the order with its refunds and its story, a refund with the order as it
 * stands after it, and the order a cancellation left.
 */
import { z } from "@hono/zod-openapi";
import { OrderSchema } from "./order";
import { RefundSchema } from "./refund";
import { Timestamp } from "./fields";
import { JsonObject } from "./json";

export const OrderTimelineEntrySchema = z.object({
  at: Timestamp,
  event: z.string().openapi({
    description: "A payment step of its checkout (order_created, payment_captured, completed) or a refund's (refund_requested, refund_succeeded, …)",
  }),
  detail: JsonObject.nullable().openapi({ description: "The facts of this step (`order_id`, `refund_id`, `amount`…); its fields depend on the event" }),
});
export type OrderTimelineEntry = z.output<typeof OrderTimelineEntrySchema>;

export const OrderDetailSchema = z
  .object({ order: OrderSchema, refunds: z.array(RefundSchema), timeline: z.array(OrderTimelineEntrySchema) })
  .openapi("AdminOrderDetail");
export type OrderDetail = z.output<typeof OrderDetailSchema>;

export const RefundAnswerSchema = z.object({ refund: RefundSchema, order: OrderSchema });
export type RefundAnswer = z.output<typeof RefundAnswerSchema>;

export const OrderAnswerSchema = z.object({ order: OrderSchema });
export type OrderAnswer = z.output<typeof OrderAnswerSchema>;
