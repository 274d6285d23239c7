/**
 * What a failed call throws: `CheckoutApiError` when the API answered with an error
 * (its `code` is the docs/contract.md code), `CheckoutNetworkError` when no answer arrived.
 */
// Type-only: the client ships none of the catalogue's schemas.
import type { ErrorCode, PromisedErrorDetails } from "../lib/error-catalogue";

/** Every error code the server answers, from its error catalogue (the server may add more; `code` stays a string). */
export type ApiErrorCode = ErrorCode;

/** The `details` the catalogue promises for some codes. */
export type ApiErrorDetails = PromisedErrorDetails;
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
    /** The answer's X-Request-Id: quote it to the shop's operator, who finds the request in the logs by it. */
    readonly requestId: string | null = null,
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
