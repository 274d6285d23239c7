/**
 * Admin JSON API for checkout locks (docs/contract.md, Admin): list, statistics, one lock in
 * full, release, and diagnostics. Authenticated by `requireAdmin` on `/admin/api/*`.
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { DEFAULT_PAGE_SIZE, LOCK_STATE_FILTERS, MAX_PAGE_SIZE, listLocks, readLock, releaseLock } from "../admin/checkout-locks";
import { cachedStatistics, DEFAULT_WINDOW_HOURS, forgetStatistics, MAX_WINDOW_HOURS, STATISTICS_TTL_SECONDS } from "../admin/checkout-statistics";
import { runDiagnostics } from "../admin/diagnostics";
import { diagnoseLock } from "../admin/lock-diagnostics";
import { CheckoutSchema } from "../contract/checkout";
import { LockDetailSchema, LockSummarySchema } from "../contract/checkout-lock";
import { CheckoutStatisticsSchema } from "../contract/checkout-statistics";
import { DiagnosticsSchema } from "../contract/diagnostics";
import { pageOf } from "../contract/page";
import { createDb } from "../db/client";
import { getConfig } from "../lib/config";
import { notFound } from "../lib/errors";
import type { AppEnv } from "./carts";
import { answered, jsonResponse } from "./http";
import { ADMIN_ERRORS, errorResponses } from "./error-responses";
import { ADMIN_SECURITY } from "./openapi-security";

export const adminLockRoutes = new OpenAPIHono<AppEnv>();

const adminErrors = errorResponses(...ADMIN_ERRORS);
const LockId = z.string().min(1).max(64);

const ListQuery = z.object({
  state: z.enum(LOCK_STATE_FILTERS).optional().openapi({ description: "A checkout state, or `active` for every non-terminal one" }),
  cart_id: z.string().min(1).max(64).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE),
  cursor: z.string().min(1).max(512).optional().openapi({ description: "next_cursor of the previous page" }),
});

adminLockRoutes.openapi(
  createRoute({
    method: "get",
    path: "/admin/api/checkout-locks",
    operationId: "listCheckoutLocks",
    tags: ["admin"],
    summary: "Checkout locks, newest first, with cursor pagination",
    security: ADMIN_SECURITY,
    request: { query: ListQuery },
    responses: {
      200: jsonResponse(pageOf(LockSummarySchema), "A page of checkout summaries"),
      ...adminErrors,
    },
  }),
  async (c) => {
    const q = c.req.valid("query");
    const page = await listLocks(createDb(c.env.DB), { state: q.state, cartId: q.cart_id, limit: q.limit, cursor: q.cursor }, Date.now());
    return c.json(page, 200);
  },
);

adminLockRoutes.openapi(
  createRoute({
    method: "get",
    path: "/admin/api/checkout-locks/statistics",
    operationId: "getCheckoutStatistics",
    tags: ["admin"],
    summary: `Checkout statistics over a window (cached ${STATISTICS_TTL_SECONDS} s; send Cache-Control: no-cache for fresh numbers)`,
    security: ADMIN_SECURITY,
    request: { query: z.object({ hours: z.coerce.number().int().min(1).max(MAX_WINDOW_HOURS).default(DEFAULT_WINDOW_HOURS) }) },
    responses: { 200: jsonResponse(CheckoutStatisticsSchema, "The statistics"), ...adminErrors },
  }),
  async (c) => {
    const { hours } = c.req.valid("query");
    const fresh = /no-cache|no-store|max-age=0/i.test(c.req.header("cache-control") ?? "");
    const { value, cached, age } = await cachedStatistics(c.env.DB, hours, { fresh });
    c.header("Cache-Control", `private, max-age=${STATISTICS_TTL_SECONDS}`);
    c.header("X-Cache", cached ? "hit" : "miss");
    c.header("Age", String(age));
    return c.json(value, 200);
  },
);

adminLockRoutes.openapi(
  createRoute({
    method: "get",
    path: "/admin/api/checkout-locks/{id}",
    operationId: "getCheckoutLock",
    tags: ["admin"],
    summary: "One checkout lock in full: checkout with quote, timeline, reservations, payments, order",
    security: ADMIN_SECURITY,
    request: { params: z.object({ id: LockId.openapi({ param: { name: "id", in: "path" } }) }) },
    responses: { 200: jsonResponse(LockDetailSchema, "The lock"), ...errorResponses(...ADMIN_ERRORS, "not_found") },
  }),
  async (c) => {
    const lock = await readLock(createDb(c.env.DB), c.req.valid("param").id, Date.now());
    if (!lock) throw notFound("Checkout");
    return c.json(lock, 200);
  },
);

adminLockRoutes.openapi(
  createRoute({
    method: "post",
    path: "/admin/api/checkout-locks/{id}/release",
    operationId: "releaseCheckoutLock",
    tags: ["admin"],
    summary: "Release an active checkout: cancelled with reason admin_release, everything given back",
    security: ADMIN_SECURITY,
    request: { params: z.object({ id: LockId.openapi({ param: { name: "id", in: "path" } }) }) },
    responses: {
      200: jsonResponse(z.object({ checkout: CheckoutSchema }), "The cancelled checkout"),
      ...errorResponses(...ADMIN_ERRORS, "not_found", "checkout_not_active", "checkout_in_progress"),
    },
  }),
  async (c) => {
    const released = answered(await releaseLock(c.env, createDb(c.env.DB), c.req.valid("param").id));
    forgetStatistics(c.env.DB);
    return c.json(released.body, 200, released.headers);
  },
);

adminLockRoutes.openapi(
  createRoute({
    method: "get",
    path: "/admin/api/diagnostics",
    operationId: "getDiagnostics",
    tags: ["admin"],
    summary: "Invariant checks (ok / warn / fail); lock_id narrows them to one checkout and explains its state",
    security: ADMIN_SECURITY,
    request: { query: z.object({ lock_id: LockId.optional() }) },
    responses: { 200: jsonResponse(DiagnosticsSchema, "The checks"), ...errorResponses(...ADMIN_ERRORS, "not_found") },
  }),
  async (c) => {
    const { lock_id } = c.req.valid("query");
    const config = getConfig(c.env);
    c.header("Cache-Control", "no-store");
    if (lock_id) {
      const report = await diagnoseLock(createDb(c.env.DB), c.env.DB, config, c.env.QUOTE_SIGNING_SECRET, lock_id, Date.now());
      if (!report) throw notFound("Checkout", { checkout_id: lock_id });
      return c.json(report, 200);
    }
    return c.json(await runDiagnostics(c.env.DB, config, Date.now()), 200);
  },
);
