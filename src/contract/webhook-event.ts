/**
 * Webhook events as the admin API answers them (`/admin/api/events`): a summary per line
 * of the list, one event with its body and delivery attempts, and what a redelivery sent.
 */
import { z } from "@hono/zod-openapi";
import { Timestamp } from "./fields";
import { JsonObject } from "./json";

export const EVENT_TYPES = [
  "checkout.started",
  "checkout.completed",
  "checkout.failed",
  "checkout.expired",
  "checkout.cancelled",
  "order.created",
  "order.refunded",
  "order.cancelled",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Where an event is on its way to the receiver (the outbox row's status). */
export const EVENT_STATUSES = ["pending", "enqueued", "delivered", "undeliverable", "dead"] as const;
export type EventStatus = (typeof EVENT_STATUSES)[number];

export const EventSummarySchema = z
  .object({
    id: z.string(),
    type: z.enum(EVENT_TYPES),
    status: z.enum(EVENT_STATUSES),
    attempts: z.number().int().openapi({ description: "Delivery attempts so far (they keep counting across redeliveries)" }),
    last_error: z.string().nullable(),
    created_at: Timestamp,
    enqueued_at: Timestamp.nullable(),
    delivered_at: Timestamp.nullable(),
  })
  .openapi("EventSummary");
export type EventSummary = z.output<typeof EventSummarySchema>;

export const DeliverySchema = z.object({
  attempt: z.number().int(),
  status: z.number().int().nullable().openapi({ description: "The receiver's HTTP status; null when no answer came" }),
  ok: z.boolean(),
  error: z.string().nullable(),
  duration_ms: z.number().int().nullable(),
  at: Timestamp,
});

/** The JSON a webhook receiver gets: the same for every attempt of one event. */
export const WebhookEventBodySchema = z.object({
  id: z.string(),
  type: z.enum(EVENT_TYPES),
  created_at: Timestamp,
  data: JsonObject.openapi({ description: "The subject as it was: `checkout`, `order`, or `order` and `refund`" }),
});
export type WebhookEventBody = z.output<typeof WebhookEventBodySchema>;

export const EventDetailSchema = z.object({
  event: EventSummarySchema.extend({ payload: WebhookEventBodySchema }),
  deliveries: z.array(DeliverySchema),
});
export type EventDetail = z.output<typeof EventDetailSchema>;

export const BulkRedeliveryResultSchema = z.object({ redelivered: z.number().int(), more: z.boolean() });
export type BulkRedeliveryResult = z.output<typeof BulkRedeliveryResultSchema>;
