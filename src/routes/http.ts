/** Small HTTP helpers shared by the routes: bearer tokens, request hashes, answers. */
import type { Context } from "hono";
import { isRefusal, type Refusal } from "../cart/cart-rpc";
import { canonicalJson } from "../checkout/quote-signature";
import { sha256Hex } from "../lib/crypto";
import { AppError } from "../lib/errors";

export const jsonBody = <T>(schema: T, required = true) => ({
  body: { content: { "application/json": { schema } }, required },
});

export const jsonResponse = <T>(schema: T, description: string) => ({
  content: { "application/json": { schema } },
  description,
});

/** The bearer credential of the request, or a 401. */
export function bearerToken(c: Context): string {
  const header = c.req.header("authorization");
  const match = header?.match(/^Bearer\s+(\S{1,512})\s*$/i);
  if (!match) throw new AppError("unauthorized", "Send the cart token as 'Authorization: Bearer <token>'.");
  return match[1]!;
}

/** Identifies a request for idempotency: the route and its validated body. */
export function requestHash(c: Context, body: unknown): Promise<string> {
  // c.req.path is the URL's pathname, already parsed by the router (decoded only when it holds a '%').
  return requestHashOf(c.req.method, c.req.path, body);
}

/** The same hash from its parts, for callers that hold no request (a service call under a route's key). */
export function requestHashOf(method: string, path: string, body: unknown): Promise<string> {
  return sha256Hex(`${method} ${path}\n${canonicalJson(body ?? null)}`);
}

export function idempotencyKey(c: Context): string | undefined {
  const key = c.req.header("idempotency-key");
  if (key === undefined) return undefined;
  if (key.length < 1 || key.length > 255) {
    throw new AppError("validation_error", "Idempotency-Key must be 1 to 255 characters.", {
      issues: [{ path: "Idempotency-Key", message: "Must be 1 to 255 characters" }],
    });
  }
  return key;
}

/**
 * A cart object's answer without its refusal: a refusal is thrown as the error it was
 * (app.onError answers its envelope, status and headers), so the route returns only
 * what its response schemas describe.
 */
export function answered<A extends { status: number; body: unknown; headers?: Record<string, string> }>(answer: A): Exclude<A, Refusal> {
  if (isRefusal(answer)) {
    const { code, message, details } = answer.body.error;
    throw new AppError(code, message, details, answer.headers);
  }
  return answer as Exclude<A, Refusal>;
}
