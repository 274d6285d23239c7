/**
 * What a failed Stripe call means for a payment. Stripe answers errors as
 * `{"error": {type, code, decline_code, message, param, payment_intent}}`; the gateway
 * only needs to know whether the card said no, whether the payment is in a state that
 * forbids the call, whether retrying is safe, or whether our own request was wrong.
 */
import type { StripePaymentIntent } from "./stripe-objects";

export interface StripeErrorBody {
  type?: string;
  code?: string;
  decline_code?: string;
  message?: string;
  param?: string;
  payment_intent?: StripePaymentIntent;
}

export type StripeFailure =
  /** 402 card_error: the issuer declined (Stripe's decline_code, else its code). */
  | { kind: "card_declined"; declineCode: string; message: string; paymentIntent: StripePaymentIntent | null }
  /** 400 on the payment_method parameter: no such method, or one that cannot be used. */
  | { kind: "invalid_payment_method"; code: string; message: string }
  /** 400 payment_intent_unexpected_state: e.g. capturing a cancelled or already captured payment. */
  | { kind: "unexpected_state"; message: string; paymentIntent: StripePaymentIntent | null }
  /** 404 resource_missing: no such object. */
  | { kind: "not_found"; message: string }
  /** 409 lock or idempotency conflict, 429, 5xx, a lost connection or a timeout: retrying with the same key is safe. */
  | { kind: "transient"; status: number | null; message: string; timedOut: boolean }
  /** Anything else (401 bad key, 400 bad parameters, a reused idempotency key): retrying will not help. */
  | { kind: "rejected"; status: number; code: string; message: string };

/** Classifies a non-2xx answer of the Stripe API. */
export function classifyStripeError(status: number, body: unknown): StripeFailure {
  const error: StripeErrorBody = isObject(body) && isObject(body.error) ? (body.error as StripeErrorBody) : {};
  const message = error.message ?? `Stripe answered ${status}.`;
  const paymentIntent = error.payment_intent ?? null;
  if (status === 409 || status === 429 || status >= 500) return transientFailure(message, status);
  if (status === 402 || error.type === "card_error") {
    return { kind: "card_declined", declineCode: error.decline_code ?? error.code ?? "card_declined", message, paymentIntent };
  }
  if (error.code === "payment_intent_unexpected_state") return { kind: "unexpected_state", message, paymentIntent };
  if (status === 400 && error.param === "payment_method") {
    return { kind: "invalid_payment_method", code: error.code ?? "invalid_payment_method", message };
  }
  if (status === 404 || error.code === "resource_missing") return { kind: "not_found", message };
  return { kind: "rejected", status, code: error.code ?? error.type ?? "stripe_error", message };
}

export function transientFailure(message: string, status: number | null = null, timedOut = false): StripeFailure {
  return { kind: "transient", status, message, timedOut };
}

/** A one-line description for logs and checkout failure records. */
export function describeFailure(failure: StripeFailure): string {
  switch (failure.kind) {
    case "card_declined":
      return `Stripe declined the card (${failure.declineCode}): ${failure.message}`;
    case "transient":
      return failure.timedOut
        ? `Stripe did not answer in time: ${failure.message}`
        : `Stripe is unavailable (${failure.status ?? "network"}): ${failure.message}`;
    case "rejected":
      return `Stripe rejected the request (${failure.status} ${failure.code}): ${failure.message}`;
    default:
      return `Stripe: ${failure.message}`;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}
