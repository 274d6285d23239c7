/**
 * A typed client for the storefront API (docs/contract.md), for storefront servers and browsers.
 *
 * - Typed from the route schemas (./api-types), so it cannot drift from the server.
 * - Every POST carries an Idempotency-Key: one per logical operation (one call), reused
 *   by every retry of that call, so a retried "pay" can never charge twice (a cart
 *   creation excepted: its token is answered once, so each attempt has its own key).
 * - Retries 502/503/429 (and 409 request_in_progress) and lost answers with backoff,
 *   honouring Retry-After; an answer the server replayed for the key is final.
 * - Bounds every attempt (30 s by default): an answer that never comes counts as lost.
 * - Errors carry the answer's X-Request-Id, the id to quote to the shop's operator.
 * - Any `fetch`: the platform's, a storefront's own, or a Worker's `fetch` in tests.
 */
import type {
  AddLineInput,
  ApplyDiscountInput,
  CartResponse,
  CheckoutNeedsAction,
  CheckoutResponse,
  CheckoutStatus,
  CompleteCheckoutInput,
  CompletedCheckout,
  CreateCartInput,
  CreatedCart,
  OrderResponse,
  ProductList,
  StartCheckoutInput,
  UpdateCartInput,
  UpdateLineInput,
} from "./api-types";
import { CheckoutApiError, CheckoutNetworkError } from "./client-errors";
import { randomIdempotencyKey } from "./idempotency-key";
import { DEFAULT_RETRY_POLICY, isRetryableStatus, parseRetryAfter, retryDelayMs, type RetryPolicy } from "./retry-policy";

/** Anything that sends a Request and resolves its Response (global fetch qualifies). */
export type FetchLike = (request: Request) => Response | Promise<Response>;

export interface CheckoutClientOptions {
  /** Where the Worker answers, e.g. "https://checkout.example.com" (a browser on the same origin: `location.origin`). */
  baseUrl: string;
  fetch?: FetchLike;
  retry?: Partial<RetryPolicy>;
  /**
   * How long one attempt may take, answer body included, before it counts as lost
   * (and is retried under the same key); 30 s by default, 0 for no bound.
   */
  timeoutMs?: number;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
  /** Makes idempotency keys; a random UUID by default. */
  idempotencyKey?: () => string;
  /** Waits between attempts; replaceable so tests need not sleep. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/** Per call: a key of your own (e.g. stored to survive a page reload), an abort signal, extra headers. */
export interface CallOptions {
  idempotencyKey?: string;
  signal?: AbortSignal;
  headers?: Record<string, string>;
}

/** A cart as the shopper holds it: its id and the token `createCart` returned once. */
export interface CartRef {
  id: string;
  token: string;
}

export interface CheckoutClient {
  /** `GET /v1/products`: the catalog with prices in a currency and live availability. */
  listProducts(query?: { currency?: string }, options?: CallOptions): Promise<ProductList>;
  /**
   * `POST /v1/carts`: a new cart and its token (keep both, e.g. as a `CartRef`). The token
   * is answered only once: a retry runs under a new key (with a key of your own, a repeat
   * answers 409 `cart_exists` with the cart's id and no token).
   */
  createCart(body: CreateCartInput, options?: CallOptions): Promise<CreatedCart>;
  /** The calls on one cart, authenticated with its token. */
  cart(ref: CartRef): CartClient;
}

export interface CartClient {
  readonly ref: CartRef;
  get(options?: CallOptions): Promise<CartResponse>;
  addLine(body: AddLineInput, options?: CallOptions): Promise<CartResponse>;
  /** Sets a line's quantity; 0 removes it. */
  updateLine(lineId: string, body: UpdateLineInput, options?: CallOptions): Promise<CartResponse>;
  removeLine(lineId: string, options?: CallOptions): Promise<CartResponse>;
  clear(options?: CallOptions): Promise<CartResponse>;
  applyDiscount(body: ApplyDiscountInput, options?: CallOptions): Promise<CartResponse>;
  removeDiscount(code: string, options?: CallOptions): Promise<CartResponse>;
  /** Email and tax country. */
  update(body: UpdateCartInput, options?: CallOptions): Promise<CartResponse>;
  /** Phases 1–3: reserve stock and freeze the quote; the cart answers 423 to edits until the checkout ends. */
  startCheckout(body?: StartCheckoutInput, options?: CallOptions): Promise<CheckoutResponse>;
  /**
   * Phases 4–7: pay exactly the quote. Send `expected_total` (the total the shopper was
   * shown): a checkout that would charge another total answers 409 `price_changed`. A 402
   * decline, or a 502 with `can_resume`, leaves the checkout resumable: call again. A retry
   * under the same Idempotency-Key only ever pays the checkout it first ran against
   * (409 `checkout_ended` once that one is over).
   */
  completeCheckout(body: CompleteCheckoutInput, options?: CallOptions): Promise<CompletedCheckout | CheckoutNeedsAction>;
  cancelCheckout(options?: CallOptions): Promise<CheckoutResponse>;
  checkoutStatus(options?: CallOptions): Promise<CheckoutStatus>;
  /** `GET /v1/orders/{id}` with this cart's token. */
  getOrder(orderId: string, options?: CallOptions): Promise<OrderResponse>;
}

type Method = "GET" | "POST" | "PATCH" | "DELETE";

export const DEFAULT_TIMEOUT_MS = 30_000;

class AttemptTimeout extends Error {
  override readonly name = "TimeoutError";
}

/**
 * Runs one attempt under a deadline and the caller's signal. The deadline races the
 * work as well as aborting it: a `fetch` that ignores its signal still cannot hang a call.
 */
async function boundedAttempt<T>(timeoutMs: number, outer: AbortSignal | undefined, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const forward = () => controller.abort(outer?.reason);
  if (outer?.aborted) forward();
  outer?.addEventListener("abort", forward, { once: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline =
    timeoutMs > 0
      ? new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            const error = new AttemptTimeout(`no answer within ${timeoutMs / 1000} s`);
            controller.abort(error);
            reject(error);
          }, timeoutMs);
        })
      : null;
  const running = work(controller.signal);
  running.catch(() => {}); // the loser of the race must not surface as an unhandled rejection
  try {
    return await (deadline ? Promise.race([running, deadline]) : running);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    outer?.removeEventListener("abort", forward);
  }
}

interface Call {
  method: Method;
  path: string;
  token?: string;
  body?: unknown;
  options?: CallOptions;
  /** Each attempt under a new key (unless the caller gave one): for creations, whose answer cannot be replayed. */
  keyPerAttempt?: boolean;
}

export function createCheckoutClient(options: CheckoutClientOptions): CheckoutClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  // Called unbound: a browser's fetch throws "Illegal invocation" when called as a method of another object.
  const send: FetchLike = options.fetch ?? ((request) => fetch(request));
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const newKey = options.idempotencyKey ?? (() => randomIdempotencyKey());
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  async function request<T>({ method, path, token, body, options: call = {}, keyPerAttempt = false }: Call): Promise<T> {
    // One key per logical operation, made once here and carried by every attempt.
    let key = method === "POST" ? (call.idempotencyKey ?? newKey()) : null;
    const headers: Record<string, string> = { accept: "application/json", ...options.headers, ...call.headers };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    const payload = body === undefined ? undefined : JSON.stringify(body);

    for (let attempt = 1; ; attempt++) {
      if (keyPerAttempt && attempt > 1 && call.idempotencyKey === undefined) key = newKey();
      if (key !== null) headers["idempotency-key"] = key;
      let response: Response;
      let parsed: unknown;
      try {
        // A fresh Request per attempt: a body can be read only once.
        [response, parsed] = await boundedAttempt(timeoutMs, call.signal, async (signal) => {
          const answer = await send(new Request(`${baseUrl}${path}`, { method, headers, body: payload, signal }));
          return [answer, await readJson(answer)] as const;
        });
      } catch (error) {
        if (call.signal?.aborted) throw error;
        // No answer (connection lost, or the answer was, or it took too long): the same key makes a retry safe.
        const delay = retryDelayMs(policy, attempt, null, random);
        if (delay === null) throw new CheckoutNetworkError(`${method} ${path} got no answer: ${errorMessage(error)}`, key, { cause: error });
        await sleep(delay);
        continue;
      }
      if (response.ok) return parsed as T;

      const envelope = errorEnvelope(parsed);
      const retryAfter = parseRetryAfter(response.headers.get("retry-after"), Date.now());
      const error = new CheckoutApiError<string>(
        response.status,
        envelope?.code ?? `http_${response.status}`,
        envelope?.message ?? `${method} ${path} answered ${response.status}.`,
        envelope?.details,
        retryAfter,
        key,
        response.headers.get("x-request-id") ?? envelope?.requestId ?? null,
      );
      // A replayed answer is what the server decided for this key: asking again changes nothing.
      const replayed = response.headers.get("idempotent-replayed") === "true";
      if (replayed || !isRetryableStatus(response.status, envelope?.code ?? null)) throw error;
      const delay = retryDelayMs(policy, attempt, retryAfter, random);
      if (delay === null) throw error;
      await sleep(delay);
    }
  }

  const segment = encodeURIComponent;

  function cartClient(ref: CartRef): CartClient {
    const base = `/v1/carts/${segment(ref.id)}`;
    const on = <T>(method: Method, path: string, body?: unknown, options?: CallOptions) =>
      request<T>({ method, path: base + path, token: ref.token, body, options });
    return {
      ref,
      get: (options) => on("GET", "", undefined, options),
      addLine: (body, options) => on("POST", "/lines", body, options),
      updateLine: (lineId, body, options) => on("PATCH", `/lines/${segment(lineId)}`, body, options),
      removeLine: (lineId, options) => on("DELETE", `/lines/${segment(lineId)}`, undefined, options),
      clear: (options) => on("DELETE", "/lines", undefined, options),
      applyDiscount: (body, options) => on("POST", "/discounts", body, options),
      removeDiscount: (code, options) => on("DELETE", `/discounts/${segment(code)}`, undefined, options),
      update: (body, options) => on("PATCH", "", body, options),
      startCheckout: (body = {}, options) => on("POST", "/checkout", body, options),
      completeCheckout: (body, options) => on("POST", "/checkout/complete", body, options),
      cancelCheckout: (options) => on("POST", "/checkout/cancel", undefined, options),
      checkoutStatus: (options) => on("GET", "/checkout", undefined, options),
      getOrder: (orderId, options) => request({ method: "GET", path: `/v1/orders/${segment(orderId)}`, token: ref.token, options }),
    };
  }

  return {
    listProducts: (query = {}, options) =>
      request({ method: "GET", path: `/v1/products${query.currency ? `?currency=${segment(query.currency)}` : ""}`, options }),
    // A creation's token is answered once: a retry under the same key could only learn
    // that the cart exists (409 cart_exists), so each attempt makes its own cart. A cart
    // whose answer was lost is left empty and holds nothing.
    createCart: (body, options) => request({ method: "POST", path: "/v1/carts", body, options, keyPerAttempt: true }),
    cart: cartClient,
  };
}

/** True for the 202 answer of `completeCheckout` (the shopper must act, then complete again). */
export function needsAction(result: CompletedCheckout | CheckoutNeedsAction): result is CheckoutNeedsAction {
  return "next_action" in result;
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The error envelope of an answer; `details` only when it is an object (what the catalogue promises per code is the server's word). */
function errorEnvelope(body: unknown): { code: string; message: string; details?: Record<string, unknown>; requestId?: string } | null {
  if (typeof body !== "object" || body === null || !("error" in body)) return null;
  const error = (body as { error: unknown }).error;
  if (typeof error !== "object" || error === null) return null;
  const { code, message, details, request_id } = error as Record<string, unknown>;
  if (typeof code !== "string") return null;
  return {
    code,
    message: typeof message === "string" ? message : code,
    ...(isRecord(details) ? { details } : {}),
    ...(typeof request_id === "string" ? { requestId: request_id } : {}),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
