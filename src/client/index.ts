/**
 * `edge-checkout/client`: the typed storefront client.
 *
 *   import { createCheckoutClient, isCartLocked, formatRemaining } from "edge-checkout/client";
 */
export { createCheckoutClient, DEFAULT_TIMEOUT_MS, needsAction } from "./checkout-client";
export type { CallOptions, CartClient, CartRef, CheckoutClient, CheckoutClientOptions, FetchLike } from "./checkout-client";
export { CheckoutApiError, CheckoutNetworkError, isCheckoutApiError } from "./client-errors";
export type { ApiErrorCode, ApiErrorDetails } from "./client-errors";
export { canResume, formatRemaining, isCartLocked, remainingMs, stateName } from "./checkout-status";
export { DEFAULT_RETRY_POLICY } from "./retry-policy";
export type { RetryPolicy } from "./retry-policy";
export type * from "./api-types";
