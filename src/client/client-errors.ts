/**
 * What a failed call throws: `CheckoutApiError` when the API answered with an error
 * (its `code` is the API.md code), `CheckoutNetworkError` when no answer arrived.
 */
import type { CheckoutPhase, CheckoutState } from "./api-types";

/** The error codes of API.md (the server may add more; `code` stays a string). */
export type ApiErrorCode =
  | "validation_error"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "variant_not_found"
  | "checkout_in_progress"
  | "insufficient_stock"
  | "price_changed"
  | "no_active_checkout"
  | "cart_completed"
  | "checkout_expired"
  | "payment_declined"
  | "payload_too_large"
  | "cart_empty"
  | "invalid_discount_code"
  | "idempotency_key_reused"
  | "quantity_limit"
  | "cart_locked"
  | "request_in_progress"
  | "rate_limited"
  | "payment_gateway_error"
  | "unavailable";

/** The `details` API.md promises for some codes. */
export interface ApiErrorDetails {
  cart_locked: { checkout_id: string; state: CheckoutState; phase: CheckoutPhase; expires_at: string };
  checkout_in_progress: { checkout_id: string; state: CheckoutState; phase: CheckoutPhase; expires_at: string };
  insufficient_stock: { lines: Array<{ variant_id: string; requested: number; available: number }> };
  price_changed: { expected_total: number; actual_total: number };
  payment_declined: { checkout_id?: string; can_resume?: boolean; decline_code?: string; phase?: CheckoutPhase };
  invalid_discount_code: { code?: string; reason?: string };
  validation_error: { issues: Array<{ path: string; message: string }> };
}
type DetailsOf<C extends string> = C extends keyof ApiErrorDetails ? ApiErrorDetails[C] : Record<string, unknown> | undefined;

export class CheckoutApiError<C extends string = ApiErrorCode | (string & {})> extends Error {
  override readonly name = "CheckoutApiError";
  constructor(
    readonly status: number,
    readonly code: C,
    message: string,
    readonly details: DetailsOf<C>,
    /** Seconds from the `Retry-After` header (423, 429, 503 …), when the server sent one. */
    readonly retryAfterSeconds: number | null,
    /** The Idempotency-Key the request carried, to retry it later by hand. */
    readonly idempotencyKey: string | null,
  ) {
    super(message);
  }

  /** Narrows to one code, typing its `details`: `if (error.is("cart_locked")) error.details.expires_at`. */
  is<K extends ApiErrorCode>(code: K): this is CheckoutApiError<K> {
    return (this.code as string) === code;
  }
}

export class CheckoutNetworkError extends Error {
  override readonly name = "CheckoutNetworkError";
  constructor(
    message: string,
    readonly idempotencyKey: string | null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** `isCheckoutApiError(e, "cart_locked")` narrows an unknown caught value. */
export function isCheckoutApiError<K extends ApiErrorCode>(error: unknown, code?: K): error is CheckoutApiError<K> {
  return error instanceof CheckoutApiError && (code === undefined || error.code === code);
}
