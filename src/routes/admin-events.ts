/**
 * Admin JSON API for webhook events (README, Admin API): the list, one event with its
 * delivery attempts, and redelivery of one event or of every dead / undeliverable one.
 * Authenticated by `requireAdmin` on `/admin/api/*`.
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import {
  BULK_REDELIVER_STATUSES,
  DEFAULT_BULK_REDELIVER_LIMIT,
  DEFAULT_EVENT_PAGE_SIZE,
  listEvents,
  MAX_BULK_REDELIVER_LIMIT,
  MAX_EVENT_PAGE_SIZE,
  readEventDetail,
  redeliverEvent,
  redeliverEvents,
} from "../admin/webhook-events";
import { pageOf } from "../contract/page";
import { BulkRedeliveryResultSchema, EventDetailSchema, EventSummarySchema } from "../contract/webhook-event";
import { createDb } from "../db/client";
import { EVENT_STATUSES, EVENT_TYPES } from "../events/outbox";
import { notFound } from "../lib/errors";
import type { AppEnv } from "./carts";
import { jsonBody, jsonResponse } from "./http";
import { ADMIN_ERRORS, BODY_ERRORS, errorResponses } from "./error-responses";
import { ADMIN_SECURITY } from "./openapi-security";

export const adminEventRoutes = new OpenAPIHono<AppEnv>();

const adminErrors = errorResponses(...ADMIN_ERRORS);
const EventId = z.string().min(1).max(128);
const IdParam = z.object({ id: EventId.openapi({ param: { name: "id", in: "path" }, example: "evt_checkout_completed_chk_wsp15g91fhpvz7ejd2yqcje3xj" }) });

const ListQuery = z.object({
  status: z.enum(EVENT_STATUSES).optional(),
  type: z.enum(EVENT_TYPES).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_EVENT_PAGE_SIZE).default(DEFAULT_EVENT_PAGE_SIZE),
  cursor: z.string().min(1).max(512).optional().openapi({ description: "next_cursor of the previous page" }),
});

const BulkRedeliverBody = z.strictObject({
  status: z.enum(BULK_REDELIVER_STATUSES),
  limit: z
    .number()
    .int()
    .min(1)
    .max(MAX_BULK_REDELIVER_LIMIT)
    .default(DEFAULT_BULK_REDELIVER_LIMIT)
    .openapi({ description: `The oldest events of that status to send (default ${DEFAULT_BULK_REDELIVER_LIMIT})` }),
});

adminEventRoutes.openapi(
  createRoute({
    method: "get",
    path: "/admin/api/events",
    operationId: "listEvents",
    tags: ["admin"],
    summary: "Webhook events, newest first, with cursor pagination",
    security: ADMIN_SECURITY,
    request: { query: ListQuery },
    responses: { 200: jsonResponse(pageOf(EventSummarySchema), "A page of events"), ...adminErrors },
  }),
  async (c) => {
    const q = c.req.valid("query");
    return c.json(await listEvents(createDb(c.env.DB), { status: q.status, type: q.type, limit: q.limit, cursor: q.cursor }), 200);
  },
);

adminEventRoutes.openapi(
  createRoute({
    method: "post",
    path: "/admin/api/events/redeliver",
    operationId: "redeliverDeadEvents",
    tags: ["admin"],
    summary: "Send the oldest dead (or undeliverable) events again now; `more`: call again for the rest",
    security: ADMIN_SECURITY,
    request: jsonBody(BulkRedeliverBody),
    responses: {
      200: jsonResponse(BulkRedeliveryResultSchema, "How many were sent"),
      ...errorResponses(...ADMIN_ERRORS, ...BODY_ERRORS),
    },
  }),
  async (c) => {
    const body = c.req.valid("json");
    return c.json(await redeliverEvents(c.env, createDb(c.env.DB), body, Date.now()), 200);
  },
);

adminEventRoutes.openapi(
  createRoute({
    method: "get",
    path: "/admin/api/events/{id}",
    operationId: "getEvent",
    tags: ["admin"],
    summary: "One event: its summary, the body its receiver gets, and every delivery attempt (oldest first)",
    security: ADMIN_SECURITY,
    request: { params: IdParam },
    responses: {
      200: jsonResponse(EventDetailSchema, "The event"),
      ...errorResponses(...ADMIN_ERRORS, "not_found"),
    },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const detail = await readEventDetail(createDb(c.env.DB), id);
    if (!detail) throw notFound("Event", { event_id: id });
    return c.json(detail, 200);
  },
);

adminEventRoutes.openapi(
  createRoute({
    method: "post",
    path: "/admin/api/events/{id}/redeliver",
    operationId: "redeliverEvent",
    tags: ["admin"],
    summary: "Send a dead, undeliverable or delivered event again now (same webhook-id); its attempts keep counting",
    security: ADMIN_SECURITY,
    request: { params: IdParam },
    responses: {
      200: jsonResponse(z.object({ event: EventSummarySchema }), "The event, enqueued"),
      ...errorResponses(...ADMIN_ERRORS, "not_found", "event_in_flight"),
    },
  }),
  async (c) => c.json(await redeliverEvent(c.env, createDb(c.env.DB), c.req.valid("param").id, Date.now()), 200),
);
