/**
 * The Worker's side of every cart call: the path's cart id, the request's token,
 * Idempotency-Key and request id handed to the cart object, and its answer turned back
 * into the response or the refusal it was.
 */
import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { CartObject } from "../cart/cart-object";
import type { CartCall, Refusal } from "../cart/cart-rpc";
import { AppError, isObjectInterruption } from "../lib/errors";
import { isId } from "../lib/ids";
import { createLogger, errorFields } from "../lib/logger";
import { currentRequestId } from "../lib/request-id";
import { answered, bearerToken, idempotencyKey, requestHash } from "./http";

export type AppEnv = { Bindings: Env };

export const CartId = z.object({
  id: z
    .string()
    .max(64)
    .openapi({ param: { name: "id", in: "path" }, example: "cart_..." }),
});
export const LineParams = CartId.extend({
  line_id: z
    .string()
    .max(64)
    .openapi({ param: { name: "line_id", in: "path" } }),
});
export const CodeParams = CartId.extend({
  code: z
    .string()
    .max(64)
    .openapi({ param: { name: "code", in: "path" } }),
});
type CartStub = DurableObjectStub<CartObject>;

/**
 * Calls one operation of the cart object with the request's token, idempotency key and
 * request id (`body`: what the request's hash covers); answers its result, a refusal thrown.
 */
export async function cartCall<A extends { status: number; body: unknown; headers?: Record<string, string> }>(
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
