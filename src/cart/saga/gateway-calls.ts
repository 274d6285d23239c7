/**
 * The saga's calls to the payment gateway, wrapped once: none of them throws. A gateway
 * that throws (a network error, a timeout) answers `{ status: "error" }` like one that
 * said so, and every call carries the idempotency key of its checkout and attempt, so
 * asking again is always safe.
 */
import { paymentKeys, type AuthorizeRequest, type AuthorizeResult, type PaymentGateway, type VoidResult } from "../../payments/gateway";
import type { CheckoutRecord, PaymentAttempt } from "../cart-state";

/** What a call that threw answers instead. */
export interface GatewayFailure {
  status: "error";
  message: string;
  retryable: true;
}

/** Runs a gateway call (with whatever must happen just before it); a throw becomes an error answer. */
export async function safely<T>(call: () => Promise<T>): Promise<T | GatewayFailure> {
  try {
    return await call();
  } catch (error) {
    return { status: "error", message: error instanceof Error ? error.message : String(error), retryable: true };
  }
}

/** What an attempt asked the gateway for, in its units (attempts from before the mapping sent the quote total). */
export function attemptAmount(rec: CheckoutRecord, attempt: PaymentAttempt): number {
  return attempt.amount ?? rec.quote!.total;
}

export function authorizeRequest(rec: CheckoutRecord, attempt: PaymentAttempt): AuthorizeRequest {
  return {
    idempotencyKey: attempt.key,
    amount: attemptAmount(rec, attempt),
    currency: rec.currency,
    method: attempt.method,
    metadata: { checkout_id: rec.id, cart_id: rec.cartId, attempt: attempt.number },
  };
}

/** Voids an attempt's authorization (the one void of the saga: rollback, reset, a lost capture's check). */
export function voidAttempt(gateway: PaymentGateway, rec: CheckoutRecord, attempt: PaymentAttempt): Promise<VoidResult | GatewayFailure> {
  return safely(() =>
    gateway.void({ idempotencyKey: paymentKeys.void(rec.id, attempt.number), authorization: authorizeRequest(rec, attempt), reference: attempt.reference }),
  );
}

/** Where a waiting authorization (3-D Secure) stands now, in the gateway's words. */
export function retrieveAuthorization(gateway: PaymentGateway, rec: CheckoutRecord, attempt: PaymentAttempt): Promise<AuthorizeResult> {
  if (!gateway.retrieve || !attempt.reference)
    return Promise.resolve({ status: "error", message: "The gateway cannot resume this payment.", retryable: false });
  return gateway.retrieve({ reference: attempt.reference, authorization: authorizeRequest(rec, attempt) });
}
