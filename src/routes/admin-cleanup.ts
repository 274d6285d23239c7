/**
 * `POST /admin/api/cleanup`: runs the cleanup job (the cron's job) now, one bounded
 * round. `done: false` means a step filled its batch: call again for the rest.
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { CleanupResultSchema } from "../contract/cleanup-result";
import { DEFAULT_BATCH_SIZE, logCleanup, MAX_BATCH_SIZE, runCleanup } from "../jobs/cleanup";
import type { AppEnv } from "./carts";
import { jsonResponse } from "./http";
import { ADMIN_ERRORS, errorResponses } from "./error-responses";
import { ADMIN_SECURITY } from "./openapi-security";

export const adminCleanupRoutes = new OpenAPIHono<AppEnv>();

const CleanupQuery = z.object({
  batch_size: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_BATCH_SIZE)
    .default(DEFAULT_BATCH_SIZE)
    .openapi({ description: `Items per step (default ${DEFAULT_BATCH_SIZE}, at most ${MAX_BATCH_SIZE})` }),
});

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
