/**
 * The money rules of a checkout's payment, kept out of the saga's flow: the quote total
 * in the gateway's units, whether the gateway can charge it at all (asked when the
 * checkout starts, never at payment), and the payment of a total of 0 (no gateway).
 */
import { AppError } from "../lib/errors";
import { newId } from "../lib/ids";
import type { PaymentMethodInput } from "../payments/gateway";
import { gatewayAmount, type GatewayProvider } from "../payments/gateway-units";
import type { CheckoutRecord, PaymentAttempt } from "./cart-state";

/** The provider named on a payment that needed no gateway (a total of 0). */
export const NO_PAYMENT_PROVIDER = "none";

/** Refuses, at start, a total the gateway could never charge (422, nothing held). */
export function assertChargeable(provider: GatewayProvider, currency: string, total: number, exponent: number): void {
  const result = gatewayAmount(provider, currency, total, exponent);
  if (result.ok) return;
  if (result.reason === "amount_too_small") {
    throw new AppError("amount_too_small", `The total is below the smallest amount the payment gateway takes in ${currency}.`, {
      currency,
      minimum: result.minimum,
      total,
    });
  }
  throw new AppError("amount_not_chargeable", `The payment gateway cannot charge this total in ${currency}.`, { currency, total });
}

/**
 * The checkout's quote total in the gateway's units: what is authorized and captured, and
 * what the gateway's answers must equal exactly. `exponent` is the catalog's at price lock.
 */
export function quoteTotalInGatewayUnits(provider: GatewayProvider, rec: CheckoutRecord, exponent: number): number {
  const total = rec.quote!.total;
  const result = gatewayAmount(provider, rec.currency, total, exponent);
  // Checked at start; only a gateway switched since then can get here, and it must not guess.
  if (!result.ok) throw new Error(`The quote total ${total} ${rec.currency} cannot be charged by the ${provider} gateway (${result.reason}).`);
  return result.amount;
}

/** The attempt that paid for the checkout: captured at the gateway, or not needed at all. */
export function paidAttempt(rec: CheckoutRecord): PaymentAttempt | undefined {
  return rec.attempts.findLast((a) => a.status === "captured" || a.status === "not_required");
}

/** The payment of a quote total of 0: recorded like any attempt, never sent to a gateway. */
export function paymentNotRequired(rec: CheckoutRecord, method: PaymentMethodInput, requestKey: string | null): PaymentAttempt {
  const number = rec.attempts.length + 1;
  return {
    number,
    paymentId: newId("pay"),
    provider: NO_PAYMENT_PROVIDER,
    key: `${rec.id}:no_payment:${number}`,
    method,
    requestKey,
    status: "not_required",
    reference: null,
    declineCode: null,
    recorded: false,
  };
}

/** The order's `payment` object for the attempt that paid. */
export function orderPayment(attempt: PaymentAttempt | undefined, total: number) {
  if (!attempt) return null;
  if (attempt.status === "not_required") return { provider: NO_PAYMENT_PROVIDER, status: "not_required", amount: 0, reference: null };
  return { provider: attempt.provider, status: "captured", amount: total, reference: attempt.reference };
}

/**
 * 409 price_changed when the total the shopper was shown (`expected`) differs from
 * `actual` by more than the tolerance (CHECKOUT_PRICE_DRIFT_TOLERANCE), else null.
 */
export function priceDrift(actual: number, expected: number | undefined, tolerance: number): AppError | null {
  if (expected === undefined || Math.abs(actual - expected) <= tolerance) return null;
  return new AppError("price_changed", "The total changed since it was shown.", { expected_total: expected, actual_total: actual });
}
