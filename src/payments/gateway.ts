/**
 * The payment gateway seam. Every call carries an idempotency key derived from the
 * checkout id and phase, so a call repeated after a crash or a timeout has the effect
 * of one call (DESIGN.md, crash safety).
 */

export type PaymentMethodInput = { method: "test"; token: string } | { method: "stripe"; payment_method: string };

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
  reference: string;
  amount: number;
  currency: string;
}

export type RefundResult = { status: "refunded"; amount: number } | { status: "error"; message: string };

export interface PaymentGateway {
  readonly provider: "test" | "stripe";
  authorize(request: AuthorizeRequest): Promise<AuthorizeResult>;
  capture(request: CaptureRequest): Promise<CaptureResult>;
  void(request: VoidRequest): Promise<VoidResult>;
  refund(request: RefundRequest): Promise<RefundResult>;
}

/** Idempotency keys of the saga's gateway calls. */
export const paymentKeys = {
  authorize: (checkoutId: string, attempt: number) => `${checkoutId}:payment_authorization:${attempt}`,
  capture: (checkoutId: string, attempt: number) => `${checkoutId}:payment_capture:${attempt}`,
  void: (checkoutId: string, attempt: number) => `${checkoutId}:void:${attempt}`,
  refund: (checkoutId: string, attempt: number) => `${checkoutId}:refund:${attempt}`,
};
