/** Storefront checkout (docs/contract.md): start, complete, status and cancel, each a call into the cart object. */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { CompleteAnswer } from "../cart/cart-rpc";
import { getConfig } from "../lib/config";
import { validationError } from "../lib/errors";
import { type AppEnv, CartId, cartCall } from "./cart-call";
import { BODY_ERRORS, CART_CALL_ERRORS, errorResponses, IDEMPOTENCY_ERRORS } from "./error-responses";
import { jsonBody, jsonResponse } from "./http";
import { CART_SECURITY } from "./openapi-security";
import { CheckoutSchema, CheckoutStatusSchema, CompleteCheckoutBody, IdempotencyKeyHeader, OrderSchema, StartCheckoutBody } from "./schemas";

export const checkoutRoutes = new OpenAPIHono<AppEnv>();

/** What starting a checkout can answer (complete starts one when none is active). */
const START_ERRORS = [
  ...CART_CALL_ERRORS,
  ...IDEMPOTENCY_ERRORS,
  ...BODY_ERRORS,
  "variant_not_found",
  "checkout_in_progress",
  "insufficient_stock",
  "price_changed",
  "cart_completed",
  "purchase_limit",
  "checkout_expired",
  "cart_empty",
  "invalid_discount_code",
  "currency_not_supported",
  "amount_too_small",
  "amount_not_chargeable",
  "email_required",
  "rate_limited",
] as const;

checkoutRoutes.openapi(
  createRoute({
    method: "post",
    path: "/v1/carts/{id}/checkout",
    operationId: "startCheckout",
    tags: ["checkout"],
    summary: "Start checkout: validate, reserve stock, lock prices (phases 1–3)",
    security: CART_SECURITY,
    request: { params: CartId, headers: IdempotencyKeyHeader, ...jsonBody(StartCheckoutBody, false) },
    responses: { 201: jsonResponse(z.object({ checkout: CheckoutSchema }), "The locked checkout and its quote"), ...errorResponses(...START_ERRORS) },
  }),
  async (c) => {
    const body = c.req.valid("json");
    const input = { expectedTotal: body.expected_total, ttlMinutes: body.ttl_minutes };
    const a = await cartCall(c, c.req.valid("param").id, "checkout_start", body, (cart, call) => cart.startCheckout(call, input));
    return c.json(a.body, 201, a.headers);
  },
);

checkoutRoutes.openapi(
  createRoute({
    method: "post",
    path: "/v1/carts/{id}/checkout/complete",
    operationId: "completeCheckout",
    tags: ["checkout"],
    summary: "Pay and complete: authorize, create order, capture, commit stock (phases 4–7)",
    security: CART_SECURITY,
    request: { params: CartId, headers: IdempotencyKeyHeader, ...jsonBody(CompleteCheckoutBody) },
    responses: {
      201: jsonResponse(z.object({ order: OrderSchema, checkout: CheckoutSchema }), "The order"),
      202: jsonResponse(
        z.object({
          checkout: CheckoutSchema,
          next_action: z.object({ type: z.string(), client_secret: z.string() }),
          // The deadline this challenge extended (once per checkout), or null.
          deadline_extension: z.object({ from: z.string(), to: z.string() }).nullable(),
        }),
        "Customer action needed (3-D Secure)",
      ),
      ...errorResponses(...START_ERRORS, "no_active_checkout", "checkout_ended", "payment_declined", "payment_gateway_error"),
    },
  }),
  async (c) => {
    const body = c.req.valid("json");
    const gateway = getConfig(c.env).paymentGateway;
    if (body.payment.method !== gateway) {
      throw validationError(`This store takes '${gateway}' payments.`, [{ path: "payment.method", message: `Must be '${gateway}'` }]);
    }
    const input = { payment: body.payment, expectedTotal: body.expected_total, ttlMinutes: body.ttl_minutes };
    const a = await cartCall(
      c,
      c.req.valid("param").id,
      "checkout_complete",
      body,
      (cart, call): Promise<CompleteAnswer> => cart.completeCheckout(call, input),
    );
    return a.status === 201 ? c.json(a.body, 201, a.headers) : c.json(a.body, 202, a.headers);
  },
);

checkoutRoutes.openapi(
  createRoute({
    method: "get",
    path: "/v1/carts/{id}/checkout",
    operationId: "getCheckout",
    tags: ["checkout"],
    summary: "Checkout status",
    security: CART_SECURITY,
    request: { params: CartId },
    responses: { 200: jsonResponse(CheckoutStatusSchema, "The status"), ...errorResponses(...CART_CALL_ERRORS) },
  }),
  async (c) => {
    const a = await cartCall(c, c.req.valid("param").id, "checkout_status", null, (cart, call) => cart.checkoutStatus(call));
    return c.json(a.body, 200, a.headers);
  },
);

checkoutRoutes.openapi(
  createRoute({
    method: "post",
    path: "/v1/carts/{id}/checkout/cancel",
    operationId: "cancelCheckout",
    tags: ["checkout"],
    summary: "Cancel the active checkout and release everything",
    security: CART_SECURITY,
    request: { params: CartId, headers: IdempotencyKeyHeader },
    responses: {
      200: jsonResponse(z.object({ checkout: CheckoutSchema }), "The cancelled checkout"),
      ...errorResponses(...CART_CALL_ERRORS, ...IDEMPOTENCY_ERRORS, "no_active_checkout", "checkout_in_progress", "cart_completed"),
    },
  }),
  async (c) => {
    const a = await cartCall(c, c.req.valid("param").id, "checkout_cancel", null, (cart, call) => cart.cancelCheckout(call));
    return c.json(a.body, 200, a.headers);
  },
);
