/** Storefront carts (docs/contract.md): create one, read it, edit its lines, codes, email and country. */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { type CartCreated, isRefusal } from "../cart/cart-rpc";
import { knownCurrencyExponent } from "../db/catalog";
import { createDb } from "../db/client";
import { randomBytes, sha256Hex, toBase64Url } from "../lib/crypto";
import { AppError, validationError } from "../lib/errors";
import { derivedId, newId } from "../lib/ids";
import { type AppEnv, CartId, CodeParams, cartCall, LineParams } from "./cart-call";
import { checkoutRoutes } from "./checkouts";
import { BODY_ERRORS, CART_CALL_ERRORS, errorResponses, IDEMPOTENCY_ERRORS } from "./error-responses";
import { answered, idempotencyKey, jsonBody, jsonResponse, requestHash } from "./http";
import { CART_SECURITY, PUBLIC_SECURITY } from "./openapi-security";
import { AddLineBody, ApplyDiscountBody, CartSchema, CreateCartBody, IdempotencyKeyHeader, UpdateCartBody, UpdateLineBody } from "./schemas";

export type { AppEnv };

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
      tokenHash: await sha256Hex(token),
      currency: body.currency,
      currencyExponent: exponent,
      country: body.country ?? null,
      email: body.email ?? null,
      idempotency: key ? { key, hash: await requestHash(c, body) } : undefined,
    });
    const answer = answered(withoutReplayedToken(created, cartId));
    // Only the request that made the cart gets here (a repeat is refused above), and only it knows the token.
    return c.json({ cart: answer.body.cart, token }, 201, answer.headers);
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

// The checkout of a cart, under the same /v1/carts/{id} paths.
cartRoutes.route("/", checkoutRoutes);
