/**
 * The payment gateway seam. Every call carries an idempotency key derived from the
 * checkout id and phase, so a call repeated after a crash or a timeout has the effect
 * of one call (crash safety). Every `amount` here, sent or answered, is in the gateway's
 * own units for the currency (gateway-units.ts maps them from the catalog's minor units),
 * so an answer is compared with exactly what was asked, never rounded.
 */

import type { PaymentMethodInput } from "../checkout/checkout-record";

export type { PaymentMethodInput };

export interface PaymentMetadata {
  checkout_id: string;
  cart_id: string;
  attempt: number;
}

export interface AuthorizeRequest {
  idempotencyKey: string;
  amount: number;
  currency: string;
  method: PaymentMethodInput;
  metadata: PaymentMetadata;
}

export type AuthorizeResult =
  | { status: "authorized"; reference: string; amount: number }
  | { status: "declined"; declineCode: string; message: string; reference?: string }
  | { status: "requires_action"; reference: string; clientSecret: string }
  | { status: "error"; message: string; retryable: boolean };

export interface CaptureRequest {
  idempotencyKey: string;
  reference: string;
  amount: number;
  currency: string;
}

export type CaptureResult =
  | { status: "captured"; reference: string; amount: number }
  | { status: "declined"; declineCode: string; message: string }
  | { status: "error"; message: string; retryable: boolean };

export interface VoidRequest {
  idempotencyKey: string;
  /** The authorization's key: lets a gateway find (or pre-empt) an authorization whose answer was lost. */
  authorization: AuthorizeRequest;
  reference: string | null;
}

export type VoidResult =
  | { status: "voided" }
  /** Nothing was authorized under that key (and nothing will be). */
  | { status: "not_found" }
  /** The payment was already captured: the saga is past its pivot. */
  | { status: "already_captured"; amount: number }
  | { status: "error"; message: string };

export interface RefundRequest {
  idempotencyKey: string;
  /** The captured payment's reference at the gateway. */
  reference: string;
  /** In the gateway's units for the currency. */
  amount: number;
  currency: string;
  /** Ours, so the gateway's own notifications about the refund can be matched to it. */
  metadata?: { refund_id: string; order_id: string };
}

/**
 * `refunded`: the gateway confirmed it. `pending`: it took the refund but has not
 * confirmed it yet (a later notification or ask settles it). `error` with `final`: the
 * gateway refused it and never will refund it; without `final`, the outcome is unknown
 * (a timeout) and asking again under the same key finds out.
 */
export type RefundResult =
  | { status: "refunded"; amount: number; reference?: string }
  | { status: "pending"; reference: string; message: string }
  | { status: "error"; message: string; final?: boolean; reference?: string };

export interface RetrieveRequest {
  reference: string;
  /** The authorization it belongs to: the amount and currency it must have. */
  authorization: AuthorizeRequest;
}

export interface PaymentGateway {
  readonly provider: "test" | "stripe";
  authorize(request: AuthorizeRequest): Promise<AuthorizeResult>;
  capture(request: CaptureRequest): Promise<CaptureResult>;
  void(request: VoidRequest): Promise<VoidResult>;
  refund(request: RefundRequest): Promise<RefundResult>;
  /**
   * Where an authorization that waited for the customer (3-D Secure) stands now. Only
   * gateways that can answer `requires_action` need it.
   */
  retrieve?(request: RetrieveRequest): Promise<AuthorizeResult>;
  /** Why the gateway cannot take payments as configured (a missing key), or null. */
  configurationError?(): string | null;
}

/** Whether two payment inputs name the same method (a resumed 3-D Secure payment must). */
export function samePaymentMethod(a: PaymentMethodInput, b: PaymentMethodInput): boolean {
  if (a.method === "test" && b.method === "test") return a.token === b.token;
  if (a.method === "stripe" && b.method === "stripe") return a.payment_method === b.payment_method;
  return false;
}

/** Idempotency keys of the saga's gateway calls. */
export const paymentKeys = {
  authorize: (checkoutId: string, attempt: number) => `${checkoutId}:payment_authorization:${attempt}`,
  capture: (checkoutId: string, attempt: number) => `${checkoutId}:payment_capture:${attempt}`,
  void: (checkoutId: string, attempt: number) => `${checkoutId}:void:${attempt}`,
  refund: (checkoutId: string, attempt: number) => `${checkoutId}:refund:${attempt}`,
  /** An admin refund of an order: one key per refund record, however often it is asked. */
  orderRefund: (refundId: string) => `${refundId}:gateway_refund`,
};
