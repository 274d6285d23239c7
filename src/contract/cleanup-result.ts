/** `CleanupResult`: what one round of the cleanup job did (`POST /admin/api/cleanup`, and the cron's log line). */
import { z } from "@hono/zod-openapi";
import { Timestamp } from "./fields";

const Count = z.number().int().min(0);

export const CleanupResultSchema = z
  .object({
    expired: Count.openapi({ description: "Overdue checkouts their cart object expired" }),
    finished: Count.openapi({ description: "Overdue checkouts their cart object ended otherwise (e.g. completed after a capture)" }),
    still_active: Count.openapi({ description: "Overdue checkouts their cart object could not end yet (it retries by itself)" }),
    orphaned_checkouts: Count.openapi({ description: "Checkout rows no cart object holds any more, closed as expired" }),
    released_reservations: Count.openapi({ description: "Stock reservation rows released" }),
    released_discounts: Count.openapi({ description: "Discount usage reservations released" }),
    voided_authorizations: Count.openapi({ description: "Authorizations without an order voided at the gateway" }),
    captured_without_order: Count.openapi({ description: "Captured payments without a paid order that need an operator (logged as errors)" }),
    completed_orders: Count.openapi({ description: "Captured payments whose order the cart object completed when asked" }),
    settled_refunds: Count.openapi({ description: "Refunds stuck pending that the gateway's answer settled" }),
    pending_refunds: Count.openapi({ description: "Refunds stuck pending that the gateway has not settled yet" }),
    relayed_events: Count.openapi({ description: "Outbox events sent to the EVENTS queue" }),
    pruned_events: Count.openapi({ description: "Delivered events past retention deleted" }),
    pruned_deliveries: Count.openapi({ description: "Webhook delivery attempts past retention deleted" }),
    errors: Count.openapi({ description: "Items or steps that failed (logged); the next run retries them" }),
    done: z.boolean().openapi({ description: "false when a step filled its batch: run again" }),
    started_at: Timestamp,
    duration_ms: Count,
  })
  .openapi("CleanupResult");
export type CleanupResult = z.output<typeof CleanupResultSchema>;
