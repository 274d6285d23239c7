/**
 * How a careful storefront talks to the API under chaos: every POST carries an
 * Idempotency-Key and is retried with the SAME key after no answer (server killed,
 * connection refused, client-side timeout), after `409 request_in_progress` and after
 * `503 unavailable`, until a final answer or the run's hard deadline. Duplicate copies
 * of one request can be sent at once. Every answer is recorded in its group.
 */
import { errorCode, NoAnswer, sleep, type HttpClient, type Reply } from "./http.ts";
import type { IdempotencyGroup, Observations } from "./observations.ts";

export interface StorefrontContext {
  http: HttpClient;
  observations: Observations;
  /** After this moment nothing is retried any more (the run is over). */
  hardDeadline: number;
}

export interface SendOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** Identical requests sent at once (a double click, two tabs). */
  copies?: number;
  /** The first attempt of the first copy gives up after this long (an impatient client). */
  firstTimeoutMs?: number | null;
  /** A client that is gone for good when the server dies under its request (no retry). */
  vanishOnCrash?: boolean;
}

/** A retry loop for one copy; returns the final answer, or null when the run ran out of time. */
async function untilFinal(
  ctx: StorefrontContext,
  group: IdempotencyGroup,
  method: string,
  path: string,
  options: SendOptions,
  timeoutMs: number | null,
): Promise<Reply | null> {
  let backoff = 150;
  let unavailable = 0;
  let firstTimeout = timeoutMs;
  while (Date.now() < ctx.hardDeadline) {
    group.sends++;
    let reply: Reply;
    try {
      reply = await ctx.http.send(method, path, {
        body: options.body,
        headers: { ...options.headers, "idempotency-key": group.key },
        timeoutMs: firstTimeout ?? undefined,
      });
    } catch (error) {
      if (!(error instanceof NoAnswer)) throw error;
      if (options.vanishOnCrash && error.reason === "connection") {
        group.vanished = true;
        return null;
      }
      firstTimeout = null;
      await sleep(backoff);
      backoff = Math.min(2_000, backoff * 2);
      continue;
    }
    firstTimeout = null;
    const code = errorCode(reply);
    if (reply.status === 409 && code === "request_in_progress") {
      await sleep(Math.min(2_000, 1_000 * Number(reply.headers.get("retry-after") ?? "1")) / 2);
      continue;
    }
    if (reply.status === 429) {
      await sleep(1_000);
      continue;
    }
    // A dependency failed and everything was rolled back: the API says retrying is safe.
    if (reply.status === 503 && code !== null && unavailable++ < 5) {
      await sleep(backoff);
      backoff = Math.min(2_000, backoff * 2);
      continue;
    }
    // Not our envelope: a proxy answered while the Worker restarted.
    if (reply.status >= 500 && code === null) {
      await sleep(backoff);
      continue;
    }
    group.lastEpoch = ctx.observations.crashEpoch;
    // Only what the server stores under the key must repeat: "try again later" answers
    // (5xx, and 409/423/429 with Retry-After) are not stored, and a retry runs again.
    if (reply.status < 500 && !reply.headers.has("retry-after")) group.finals.push({ status: reply.status, body: reply.body });
    return reply;
  }
  return null;
}

/** Sends one logical POST (possibly as several identical copies) until it is answered. */
export async function sendIdempotent(
  ctx: StorefrontContext,
  group: IdempotencyGroup,
  method: string,
  path: string,
  options: SendOptions = {},
): Promise<Reply | null> {
  const copies = Math.max(1, options.copies ?? 1);
  const replies = await Promise.all(
    Array.from({ length: copies }, (_, i) => untilFinal(ctx, group, method, path, options, i === 0 ? (options.firstTimeoutMs ?? null) : null)),
  );
  // The copy that succeeded, when one did: a cart creation answers its token to one copy only.
  return replies.find((r) => r !== null && r.status < 300) ?? replies.find((r) => r !== null) ?? null;
}

/**
 * Creates a cart (as `copies` identical requests at once). A cart's token is answered
 * once: a repeat under the key (a retry after a lost answer, or a duplicate copy) gets
 * `409 cart_exists` without it, so the shopper creates again under a new key, as the
 * typed client does; the cart whose answer was lost stays empty.
 */
export async function createCart(ctx: StorefrontContext, key: string, shopper: number, body: unknown, copies = 1): Promise<Reply | null> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const group = ctx.observations.group("create", attempt === 0 ? key : `${key}-${attempt}`, shopper, null);
    const reply = await sendIdempotent(ctx, group, "POST", "/v1/carts", { body, copies });
    if (reply?.status === 201) group.cartId = reply.body.cart.id;
    if (reply?.status !== 409 || errorCode(reply) !== "cart_exists") return reply;
  }
  return null;
}

/**
 * A request without an Idempotency-Key, retried after no answer: reads, and DELETEs
 * (the API takes no key for them; deleting twice is harmless here).
 */
async function untilAnswered(ctx: StorefrontContext, method: "GET" | "DELETE", path: string, headers: Record<string, string>): Promise<Reply | null> {
  let backoff = 150;
  while (Date.now() < ctx.hardDeadline) {
    try {
      const reply = await ctx.http.send(method, path, { headers });
      if (reply.status >= 500 && errorCode(reply) === null) throw new NoAnswer("connection", "proxy answered");
      return reply;
    } catch (error) {
      if (!(error instanceof NoAnswer)) throw error;
      await sleep(backoff);
      backoff = Math.min(2_000, backoff * 2);
    }
  }
  return null;
}

export const read = (ctx: StorefrontContext, path: string, headers: Record<string, string>) => untilAnswered(ctx, "GET", path, headers);
export const remove = (ctx: StorefrontContext, path: string, headers: Record<string, string>) => untilAnswered(ctx, "DELETE", path, headers);
