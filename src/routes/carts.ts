/** Storefront carts and checkout (docs/contract.md): validate, authenticate, hand over to the cart object. */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { CartObject } from "../cart/cart-object";
import { type CartCall, type CartCreated, type CompleteAnswer, isRefusal, type Refusal } from "../cart/cart-rpc";
import { knownCurrencyExponent } from "../db/catalog";
import { createDb } from "../db/client";
import { getConfig } from "../lib/config";
import { randomBytes, sha256Hex, toBase64Url } from "../lib/crypto";
import { AppError, isObjectInterruption, validationError } from "../lib/errors";
import { derivedId, isId, newId } from "../lib/ids";
import { createLogger, errorFields } from "../lib/logger";
import { currentRequestId } from "../lib/request-id";
import { BODY_ERRORS, CART_CALL_ERRORS, errorResponses, IDEMPOTENCY_ERRORS } from "./error-responses";
import { answered, bearerToken, idempotencyKey, jsonBody, jsonResponse, requestHash } from "./http";
import {
  AddLineBody,
  ApplyDiscountBody,
  CartSchema,
  CheckoutSchema,
  CheckoutStatusSchema,
  CompleteCheckoutBody,
  CreateCartBody,
  IdempotencyKeyHeader,
  OrderSchema,
  StartCheckoutBody,
  UpdateCartBody,
  UpdateLineBody,
} from "./schemas";
import { CART_SECURITY, PUBLIC_SECURITY } from "./openapi-security";

export type AppEnv = { Bindings: Env };

const CartId = z.object({
  id: z
    .string()
    .max(64)
    .openapi({ param: { name: "id", in: "path" }, example: "cart_..." }),
});
const LineParams = CartId.extend({
  line_id: z
    .string()
    .max(64)
    .openapi({ param: { name: "line_id", in: "path" } }),
});
const CodeParams = CartId.extend({
  code: z
    .string()
    .max(64)
    .openapi({ param: { name: "code", in: "path" } }),
});
const cartResponses = {
  200: jsonResponse(z.object({ cart: CartSchema }), "The cart with live prices"),
  ...errorResponses(
    ...CART_CALL_ERRORS,
    ...IDEMPOTENCY_ERRORS,
    ...BODY_ERRORS,
    "variant_not_found",
    "cart_completed",
    "quantity_limit",
    "invalid_discount_code",
    "cart_locked",
  ),
};

type CartStub = DurableObjectStub<CartObject>;

/**
 * Calls one operation of the cart object with the request's token, idempotency key and
 * request id (`body`: what the request's hash covers); answers its result, a refusal thrown.
 */
async function cartCall<A extends { status: number; body: unknown; headers?: Record<string, string> }>(
  c: Context<AppEnv>,
  cartId: string,
  operation: string,
  body: unknown,
  send: (cart: CartStub, call: CartCall) => Promise<A>,
): Promise<Exclude<A, Refusal>> {
  const token = bearerToken(c);
  // Malformed ids cannot name a cart: answer as for an unknown one, without waking an object.
  if (!isId("cart", cartId)) throw new AppError("not_found", "Cart not found.");
  const key = idempotencyKey(c);
  const idempotency = key ? { key, hash: await requestHash(c, body) } : undefined;
  let answer: A;
  try {
    answer = await send(c.env.CART.getByName(cartId), { token, idempotency, requestId: currentRequestId() });
  } catch (error) {
    // The object was interrupted (reset, restarted, overloaded). It resumes from storage
    // and every step is idempotent, so the client may retry (same Idempotency-Key).
    if (isObjectInterruption(error)) {
      createLogger(true).error("cart.object_failed", { cart_id: cartId, op: operation, ...errorFields(error) });
      throw new AppError("unavailable", "The cart was interrupted; retrying is safe.", { cart_id: cartId }, { "Retry-After": "1" });
    }
    throw error; // a bug: app.onError logs it and answers 500 internal_error
  }
  return answered(answer);
}

export const cartRoutes = new OpenAPIHono<AppEnv>();

cartRoutes.openapi(
  createRoute({
    method: "post",
    path: "/v1/carts",
    operationId: "createCart",
    security: PUBLIC_SECURITY,
    tags: ["carts"],
    summary: "Create a cart; the token is returned once",
    request: { headers: IdempotencyKeyHeader, ...jsonBody(CreateCartBody) },
    responses: {
      201: jsonResponse(z.object({ cart: CartSchema, token: z.string() }), "The new cart and its token"),
      ...errorResponses("validation_error", ...BODY_ERRORS, ...IDEMPOTENCY_ERRORS, "cart_exists", "unavailable", "internal_error"),
    },
  }),
  async (c) => {
    const body = c.req.valid("json");
    const db = createDb(c.env.DB);
    const exponent = await knownCurrencyExponent(db, body.currency);
    if (exponent === null) {
      throw validationError(`The currency ${body.currency} is not supported.`, [{ path: "currency", message: "Unsupported currency" }]);
    }
    const key = idempotencyKey(c);
    const secret = c.env.QUOTE_SIGNING_SECRET ?? "";
    // With a key the cart id is derived from it, so a retried create lands on the same object.
    const cartId = key ? await derivedId("cart", `idempotent-cart:${secret}`, key) : newId("cart");
    const token = toBase64Url(randomBytes(32));
    const created = await c.env.CART.getByName(cartId).create({
      cartId,
      token,
      tokenHash: await sha256Hex(token),
      currency: body.currency,
      currencyExponent: exponent,
      country: body.country ?? null,
      email: body.email ?? null,
      idempotency: key ? { key, hash: await requestHash(c, body) } : undefined,
    });
    const answer = answered(withoutReplayedToken(created, cartId));
    return c.json(answer.body, 201, answer.headers);
  },
);

/**
 * A cart's token is answered once, to the request that made the cart. A repeat of that
 * creation (same Idempotency-Key, found stored or the cart already there) answers
 * 409 cart_exists naming the cart, never its token: an Idempotency-Key travels through
 * logs and proxies, so knowing one must not grant a cart (docs/contract.md).
 */
function withoutReplayedToken(outcome: CartCreated, cartId: string): CartCreated {
  const replayed = outcome.headers?.["Idempotent-Replayed"] === "true";
  const exists = isRefusal(outcome) && outcome.body.error.code === "cart_exists";
  if (!(replayed && outcome.status === 201) && !exists) return outcome;
  const refusal = new AppError(
    "cart_exists",
    "A cart was already created with this Idempotency-Key; its token was answered only to that request. Create a new cart with a new key.",
    { cart_id: cartId },
  ).toOutcome();
  return replayed ? { ...refusal, headers: { "Idempotent-Replayed": "true" } } : refusal;
}

cartRoutes.openapi(
  createRoute({
    method: "get",
    path: "/v1/carts/{id}",
    operationId: "getCart",
    tags: ["carts"],
    summary: "Read a cart",
    security: CART_SECURITY,
    request: { params: CartId },
    responses: cartResponses,
  }),
  async (c) => {
    const a = await cartCall(c, c.req.valid("param").id, "get", null, (cart, call) => cart.getCart(call));
    return c.json(a.body, 200, a.headers);
  },
);

cartRoutes.openapi(
  createRoute({
    method: "post",
    path: "/v1/carts/{id}/lines",
    operationId: "addCartLine",
    tags: ["carts"],
    summary: "Add a variant (the same variant again adds to its line)",
    security: CART_SECURITY,
    request: { params: CartId, headers: IdempotencyKeyHeader, ...jsonBody(AddLineBody) },
    responses: cartResponses,
  }),
  async (c) => {
    const body = c.req.valid("json");
    const a = await cartCall(c, c.req.valid("param").id, "add_line", body, (cart, call) =>
      cart.addLine(call, { variantId: body.variant_id, quantity: body.quantity }),
    );
    return c.json(a.body, 200, a.headers);
  },
);

cartRoutes.openapi(
  createRoute({
    method: "patch",
    path: "/v1/carts/{id}/lines/{line_id}",
    operationId: "setCartLineQuantity",
    tags: ["carts"],
    summary: "Set a line's quantity (0 removes it)",
    security: CART_SECURITY,
    request: { params: LineParams, ...jsonBody(UpdateLineBody) },
    responses: cartResponses,
  }),
  async (c) => {
    const { id, line_id } = c.req.valid("param");
    const body = c.req.valid("json");
    const a = await cartCall(c, id, "update_line", body, (cart, call) => cart.updateLine(call, { lineId: line_id, quantity: body.quantity }));
    return c.json(a.body, 200, a.headers);
  },
);

cartRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/v1/carts/{id}/lines/{line_id}",
    operationId: "removeCartLine",
    tags: ["carts"],
    summary: "Remove a line",
    security: CART_SECURITY,
    request: { params: LineParams },
    responses: cartResponses,
  }),
  async (c) => {
    const { id, line_id } = c.req.valid("param");
    const a = await cartCall(c, id, "remove_line", null, (cart, call) => cart.removeLine(call, line_id));
    return c.json(a.body, 200, a.headers);
  },
);

cartRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/v1/carts/{id}/lines",
    operationId: "clearCart",
    tags: ["carts"],
    summary: "Clear the cart",
    security: CART_SECURITY,
    request: { params: CartId },
    responses: cartResponses,
  }),
  async (c) => {
    const a = await cartCall(c, c.req.valid("param").id, "clear", null, (cart, call) => cart.clearLines(call));
    return c.json(a.body, 200, a.headers);
  },
);

cartRoutes.openapi(
  createRoute({
    method: "post",
    path: "/v1/carts/{id}/discounts",
    operationId: "applyCartDiscount",
    tags: ["carts"],
    summary: "Apply a discount code",
    security: CART_SECURITY,
    request: { params: CartId, headers: IdempotencyKeyHeader, ...jsonBody(ApplyDiscountBody) },
    responses: cartResponses,
  }),
  async (c) => {
    const body = c.req.valid("json");
    const a = await cartCall(c, c.req.valid("param").id, "apply_discount", body, (cart, call) => cart.applyDiscount(call, body.code));
    return c.json(a.body, 200, a.headers);
  },
);

cartRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/v1/carts/{id}/discounts/{code}",
    operationId: "removeCartDiscount",
    tags: ["carts"],
    summary: "Remove a discount code",
    security: CART_SECURITY,
    request: { params: CodeParams },
    responses: cartResponses,
  }),
  async (c) => {
    const { id, code } = c.req.valid("param");
    const a = await cartCall(c, id, "remove_discount", null, (cart, call) => cart.removeDiscount(call, code));
    return c.json(a.body, 200, a.headers);
  },
);

cartRoutes.openapi(
  createRoute({
    method: "patch",
    path: "/v1/carts/{id}",
    operationId: "updateCart",
    tags: ["carts"],
    summary: "Change the email or tax country",
    security: CART_SECURITY,
    request: { params: CartId, ...jsonBody(UpdateCartBody) },
    responses: cartResponses,
  }),
  async (c) => {
    const body = c.req.valid("json");
    const a = await cartCall(c, c.req.valid("param").id, "update", body, (cart, call) => cart.updateCart(call, { email: body.email, country: body.country }));
    return c.json(a.body, 200, a.headers);
  },
);

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

cartRoutes.openapi(
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

cartRoutes.openapi(
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

cartRoutes.openapi(
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

cartRoutes.openapi(
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
