/**
 * Admin JSON API for orders: list, one order with its refunds and timeline, refunds
 * (with a required Idempotency-Key) and cancellation. Authenticated by `requireAdmin`.
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from "../admin/checkout-locks";
import { forgetStatistics } from "../admin/checkout-statistics";
import { listOrders, ORDER_STATUSES, readOrderDetail } from "../admin/orders";
import { OrderAnswerSchema, OrderDetailSchema, RefundAnswerSchema } from "../contract/admin-order";
import { pageOf } from "../contract/page";
import { createDb } from "../db/client";
import { AppError, notFound } from "../lib/errors";
import { isId } from "../lib/ids";
import { refundDeps } from "../orders/refund-deps";
import { cancelOrder, requestRefund } from "../orders/refunds";
import type { RefundAsk } from "../orders/refund-plan";
import type { AppEnv } from "./carts";
import { idempotencyKey, jsonBody, jsonResponse, requestHash } from "./http";
import { ADMIN_ERRORS, BODY_ERRORS, errorResponses } from "./error-responses";
import { OrderSchema, Quantity } from "./schemas";
import { ADMIN_SECURITY } from "./openapi-security";

export const adminOrderRoutes = new OpenAPIHono<AppEnv>();

const adminErrors = errorResponses(...ADMIN_ERRORS);
const OrderId = z
  .string()
  .min(1)
  .max(64)
  .openapi({ param: { name: "id", in: "path" } });
const Reason = z.string().trim().min(1).max(500);

const ListQuery = z.object({
  status: z.enum(ORDER_STATUSES).optional(),
  email: z.string().trim().min(1).max(254).optional(),
  // Digits only: z.coerce would take "+5" or "1e1".
  number: z
    .string()
    .regex(/^[0-9]{1,15}$/, "An order number")
    .transform(Number)
    .optional(),
  limit: z
    .string()
    .regex(/^[0-9]{1,4}$/, "An integer")
    .transform(Number)
    .pipe(z.number().int().min(1).max(MAX_PAGE_SIZE))
    .default(DEFAULT_PAGE_SIZE),
  cursor: z.string().min(1).max(512).optional().openapi({ description: "next_cursor of the previous page" }),
});

export const RefundBody = z
  .strictObject({
    lines: z
      .array(z.strictObject({ line_id: z.string().min(1).max(64), quantity: Quantity }))
      .min(1)
      .max(100)
      .optional(),
    amount: z.number().int().min(1).max(1_000_000_000_000).optional(),
    reason: Reason.optional(),
    restock: z.boolean().optional(),
  })
  .openapi("RefundRequest");

export const CancelBody = z.strictObject({ reason: Reason.optional(), restock: z.boolean().optional() }).openapi("CancelOrderRequest");

const deps = (c: Context<AppEnv>) => refundDeps(c.env);

adminOrderRoutes.openapi(
  createRoute({
    method: "get",
    path: "/admin/api/orders",
    operationId: "listOrders",
    tags: ["admin"],
    summary: "Paid orders, newest first, with cursor pagination",
    security: ADMIN_SECURITY,
    request: { query: ListQuery },
    responses: { 200: jsonResponse(pageOf(OrderSchema), "A page of orders"), ...adminErrors },
  }),
  async (c) => {
    const q = c.req.valid("query");
    return c.json(await listOrders(createDb(c.env.DB), q), 200);
  },
);

adminOrderRoutes.openapi(
  createRoute({
    method: "get",
    path: "/admin/api/orders/{id}",
    operationId: "getAdminOrder",
    tags: ["admin"],
    summary: "One order with its refunds and timeline",
    security: ADMIN_SECURITY,
    request: { params: z.object({ id: OrderId }) },
    responses: {
      200: jsonResponse(OrderDetailSchema, "The order"),
      ...errorResponses(...ADMIN_ERRORS, "not_found"),
    },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const detail = isId("ord", id) ? await readOrderDetail(createDb(c.env.DB), id) : null;
    if (!detail) throw notFound("Order", { order_id: id });
    return c.json(detail, 200);
  },
);

adminOrderRoutes.openapi(
  createRoute({
    method: "post",
    path: "/admin/api/orders/{id}/refunds",
    operationId: "refundOrder",
    tags: ["admin"],
    summary: "Refund lines (their exact share, discount and tax included), an amount, or everything that remains",
    description:
      "Needs an Idempotency-Key: a repeat answers the same refund, the same key with another body is 422. 201 once the gateway confirmed the refund, 202 while it has not.",
    security: ADMIN_SECURITY,
    request: {
      params: z.object({ id: OrderId }),
      headers: z.object({ "idempotency-key": z.string().min(1).max(255).optional() }),
      ...jsonBody(RefundBody, false),
    },
    responses: {
      201: jsonResponse(RefundAnswerSchema, "Refunded"),
      202: jsonResponse(RefundAnswerSchema, "Taken by the gateway, not yet confirmed"),
      ...errorResponses(
        ...ADMIN_ERRORS,
        ...BODY_ERRORS,
        "not_found",
        "refund_exceeds_captured",
        "order_not_refundable",
        "invalid_refund",
        "idempotency_key_reused",
        "payment_gateway_error",
      ),
    },
  }),
  async (c) => {
    const key = idempotencyKey(c);
    if (key === undefined) {
      throw new AppError("validation_error", "A refund needs an Idempotency-Key header.", { issues: [{ path: "Idempotency-Key", message: "Required" }] });
    }
    const { id } = c.req.valid("param");
    const body = c.req.valid("json") ?? {};
    if (!isId("ord", id)) throw notFound("Order", { order_id: id });
    if (body.lines && body.amount !== undefined) throw new AppError("invalid_refund", "Give lines or an amount, not both.");
    const ask: RefundAsk = body.lines
      ? { kind: "lines", lines: body.lines }
      : body.amount !== undefined
        ? { kind: "amount", amount: body.amount }
        : { kind: "remaining" };
    const outcome = await requestRefund(deps(c), id, { ask, reason: body.reason ?? null, restock: body.restock ?? false }, key, await requestHash(c, body));
    forgetStatistics(c.env.DB);
    return outcome.status === 201 ? c.json(outcome.body, 201) : c.json(outcome.body, 202);
  },
);

adminOrderRoutes.openapi(
  createRoute({
    method: "post",
    path: "/admin/api/orders/{id}/cancel",
    operationId: "cancelOrder",
    tags: ["admin"],
    summary: "Cancel an order: refund all that remains and (by default) restock every unit not yet refunded; a repeat is harmless",
    security: ADMIN_SECURITY,
    request: { params: z.object({ id: OrderId }), ...jsonBody(CancelBody, false) },
    responses: {
      200: jsonResponse(OrderAnswerSchema, "The cancelled order"),
      202: jsonResponse(OrderAnswerSchema, "The cancellation's refund is not yet confirmed by the gateway"),
      ...errorResponses(...ADMIN_ERRORS, ...BODY_ERRORS, "not_found", "order_not_refundable", "request_in_progress", "payment_gateway_error"),
    },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json") ?? {};
    if (!isId("ord", id)) throw notFound("Order", { order_id: id });
    const outcome = await cancelOrder(deps(c), id, { reason: body.reason ?? null, restock: body.restock ?? true }, await requestHash(c, body));
    forgetStatistics(c.env.DB);
    return outcome.status === 200 ? c.json(outcome.body, 200) : c.json(outcome.body, 202);
  },
);
