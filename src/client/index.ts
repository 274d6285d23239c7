/**
 * `edge-checkout/client`: the typed storefront client.
 *
 *   import { createCheckoutClient, isCartLocked, formatRemaining, formatAmountOf } from "edge-checkout/client";
 *
 * Money: `formatAmountOf(cart.total, cart, locale)` writes an amount with the currency's
 * exponent from the API (`currency_exponent`), never Intl's own table.
 */
export { createCheckoutClient, DEFAULT_TIMEOUT_MS, needsAction } from "./checkout-client";
export type { CallOptions, CartClient, CartRef, CheckoutClient, CheckoutClientOptions, FetchLike } from "./checkout-client";
export { CheckoutApiError, CheckoutNetworkError, isCheckoutApiError } from "./client-errors";
export type { ApiErrorCode, ApiErrorDetails } from "./client-errors";
export { canResume, formatRemaining, isCartLocked, remainingMs, stateName } from "./checkout-status";
export { formatAmountOf, formatMinor, formatMoney, localeFromAcceptLanguage } from "./money-format";
export type { MoneyCurrency } from "./money-format";
export { DEFAULT_RETRY_POLICY } from "./retry-policy";
export type { RetryPolicy } from "./retry-policy";
export type * from "./api-types";
