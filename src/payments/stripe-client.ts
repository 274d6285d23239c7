/**
 * A minimal Stripe REST client over `fetch` (Stripe's Node SDK needs Node-only APIs):
 * form-encoded bodies with nested keys, the secret key as a Bearer token, an
 * `Idempotency-Key` on every POST, a timeout on every call, and one retry with the same
 * key for failures Stripe documents as safe to retry.
 */
import { classifyStripeError, transientFailure, type StripeFailure } from "./stripe-errors";

export const STRIPE_DEFAULT_API_BASE = "https://api.stripe.com";
/** Pinned so response shapes do not change under us when the account's default version moves. */
export const STRIPE_API_VERSION = "2024-06-20";
export const STRIPE_DEFAULT_TIMEOUT_MS = 10_000;
/** Stripe's SDKs retry too; one retry covers a dropped connection without doubling a long outage. */
const NETWORK_RETRIES = 1;
const RETRY_DELAY_MS = 250;

/**
 * `replayed`: Stripe answered from its idempotency store (its `Idempotent-Replayed: true`
 * header), so this is the first answer ever given under the key, not a fresh outcome.
 */
export type StripeResult<T> = { ok: true; value: T; replayed: boolean } | { ok: false; failure: StripeFailure; replayed: boolean };

export type FormValue = string | number | boolean | null | undefined | FormValue[] | { [key: string]: FormValue };

/** Stripe's form encoding: `metadata[checkout_id]=…`, `payment_method_types[0]=card`; null and undefined are left out. */
export function encodeStripeForm(params: Record<string, FormValue>): string {
  const form = new URLSearchParams();
  const add = (key: string, value: FormValue) => {
    if (value === null || value === undefined) return;
    if (Array.isArray(value)) for (const [i, item] of value.entries()) add(`${key}[${i}]`, item);
    else if (typeof value === "object") for (const [k, v] of Object.entries(value)) add(`${key}[${k}]`, v);
    else form.append(key, String(value));
  };
  for (const [key, value] of Object.entries(params)) add(key, value);
  return form.toString();
}

export interface StripeClientOptions {
  secretKey: string;
  apiBase?: string;
  timeoutMs?: number;
}

export class StripeClient {
  readonly #secretKey: string;
  readonly #apiBase: string;
  readonly #timeoutMs: number;

  constructor(options: StripeClientOptions) {
    this.#secretKey = options.secretKey;
    this.#apiBase = (options.apiBase || STRIPE_DEFAULT_API_BASE).replace(/\/+$/, "");
    this.#timeoutMs = options.timeoutMs ?? STRIPE_DEFAULT_TIMEOUT_MS;
  }

  post<T>(path: string, params: Record<string, FormValue>, idempotencyKey: string): Promise<StripeResult<T>> {
    return this.#send<T>("POST", path, encodeStripeForm(params), idempotencyKey);
  }

  get<T>(path: string): Promise<StripeResult<T>> {
    return this.#send<T>("GET", path, null, null);
  }

  async #send<T>(method: "GET" | "POST", path: string, body: string | null, idempotencyKey: string | null): Promise<StripeResult<T>> {
    for (let attempt = 0; ; attempt++) {
      const { result, retryable } = await this.#once<T>(method, path, body, idempotencyKey);
      if (result.ok || !retryable || attempt >= NETWORK_RETRIES) return result;
      await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS * (attempt + 1)));
    }
  }

  async #once<T>(method: string, path: string, body: string | null, idempotencyKey: string | null): Promise<{ result: StripeResult<T>; retryable: boolean }> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.#secretKey}`,
      "stripe-version": STRIPE_API_VERSION,
      accept: "application/json",
    };
    if (body !== null) headers["content-type"] = "application/x-www-form-urlencoded";
    if (idempotencyKey) headers["idempotency-key"] = idempotencyKey;
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${this.#apiBase}${path}`, { method, headers, body, signal: AbortSignal.timeout(this.#timeoutMs) });
      text = await response.text();
    } catch (error) {
      // A timeout is not retried here: Stripe may still be working on it (a replay would
      // meet 409 idempotency_key_in_use); the gateway learns the outcome by asking later.
      const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
      const message = error instanceof Error ? error.message : String(error);
      return { result: { ok: false, failure: transientFailure(message, null, timedOut), replayed: false }, retryable: !timedOut };
    }
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    const replayed = response.headers.get("idempotent-replayed") === "true";
    if (response.ok && parsed !== null) return { result: { ok: true, value: parsed as T, replayed }, retryable: false };
    const failure = response.ok
      ? transientFailure(`Stripe answered ${response.status} without JSON.`, response.status)
      : classifyStripeError(response.status, parsed);
    // Stripe says explicitly when a retry is (not) safe; otherwise trust the classification.
    // A replayed answer would only be replayed again under the same key.
    const shouldRetry = response.headers.get("stripe-should-retry");
    const retryable = !replayed && (shouldRetry === "true" || (shouldRetry !== "false" && failure.kind === "transient"));
    return { result: { ok: false, failure, replayed }, retryable };
  }
}
