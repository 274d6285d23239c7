/**
 * `POST /admin/api/cleanup`: runs the cleanup job (the cron's job) now, one bounded
 * round. `done: false` means a step filled its batch: call again for the rest.
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { Timestamp } from "../contract/fields";
import { DEFAULT_BATCH_SIZE, logCleanup, MAX_BATCH_SIZE, runCleanup } from "../jobs/cleanup";
import type { AppEnv } from "./carts";
import { jsonResponse } from "./http";
import { ADMIN_ERRORS, errorResponses } from "./error-responses";
import { ADMIN_SECURITY } from "./openapi-security";

export const adminCleanupRoutes = new OpenAPIHono<AppEnv>();

const Count = z.number().int().min(0);

const CleanupQuery = z.object({
  batch_size: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_BATCH_SIZE)
    .default(DEFAULT_BATCH_SIZE)
    .openapi({ description: `Items per step (default ${DEFAULT_BATCH_SIZE}, at most ${MAX_BATCH_SIZE})` }),
});

const CleanupResultSchema = z
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

adminCleanupRoutes.openapi(
  createRoute({
    method: "post",
    path: "/admin/api/cleanup",
    operationId: "runCleanup",
    tags: ["admin"],
    summary: "Run the cleanup job now: expire overdue checkouts, release orphaned reservations, reconcile payments, relay and prune events",
    security: ADMIN_SECURITY,
    request: { query: CleanupQuery },
    responses: {
      200: jsonResponse(CleanupResultSchema, "What the job did"),
      ...errorResponses(...ADMIN_ERRORS),
    },
  }),
  async (c) => {
    const { batch_size } = c.req.valid("query");
    const result = await runCleanup(c.env, { batchSize: batch_size });
    logCleanup(c.env, { trigger: "admin" }, result);
    return c.json(result, 200);
  },
);
