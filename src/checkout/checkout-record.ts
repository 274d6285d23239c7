/**
 * A checkout as the saga records it: its lines, quote, payment attempts, failure and
 * pending retry. The cart object keeps the current one in its storage; D1 mirrors it
 * (db/checkout-records.ts). Plain data, so every layer can speak of it.
 */
import type { Quote } from "./quote";
import type { CheckoutPhase, CheckoutState, RollbackTarget } from "./state-machine";

export interface CartLine {
  id: string;
  variantId: string;
  quantity: number;
  addedAt: string;
}

/** How the shopper chose to pay: a test-gateway token or a Stripe PaymentMethod id. */
export type PaymentMethodInput = { method: "test"; token: string } | { method: "stripe"; payment_method: string };

export type PaymentAttemptStatus =
  | "pending"
  | "requires_action"
  | "authorized"
  | "declined"
  | "failed"
  | "captured"
  | "voided"
  | "refunded"
  /** A total of 0: nothing to charge, no gateway called. */
  | "not_required";

export interface PaymentAttempt {
  number: number;
  paymentId: string;
  provider: string;
  /** Idempotency key of the authorization, derived from the checkout id and attempt. */
  key: string;
  method: PaymentMethodInput;
  /**
   * The amount sent to the gateway, in its units for the currency (gateway-units.ts); a
   * replay, capture or void of this attempt sends exactly this again. Absent on attempts
   * made before amounts were mapped, which sent the quote total as it is.
   */
  amount?: number;
  /** Idempotency-Key of the `complete` request that made this attempt (its retry gets the order). */
  requestKey?: string | null;
  status: PaymentAttemptStatus;
  reference: string | null;
  declineCode: string | null;
  /** Set when the gateway asked for customer action (3-D Secure). */
  clientSecret?: string | null;
  recorded: boolean;
}

export interface CheckoutFailure {
  phase: CheckoutPhase;
  code: string;
  message: string;
}

export interface CheckoutRecord {
  id: string;
  cartId: string;
  state: CheckoutState;
  phase: CheckoutPhase;
  currency: string;
  /** The catalog's exponent for the currency at price lock: the quote's minor units. */
  currencyExponent?: number;
  createdAt: string;
  expiresAt: string;
  /** Set once 3-D Secure extended the deadline (it is extended at most once). */
  deadlineExtension?: { from: string; to: string };
  lockedAt: string | null;
  completedAt: string | null;
  endedAt: string | null;
  /** The lines as they were when checkout started (the cart cannot change after). */
  lines: CartLine[];
  discountCodes: string[];
  email: string | null;
  quote: Quote | null;
  attempts: PaymentAttempt[];
  orderId: string | null;
  orderNumber: number | null;
  failure: CheckoutFailure | null;
  /** Where a rollback in progress ends (failed, cancelled or expired) and why. */
  rollbackTarget: RollbackTarget | null;
  cancelReason: string | null;
  /** D1 writes that still have to happen (retried by the alarm with backoff). */
  retry: { attempts: number; nextAt: string | null; lastError: string | null };
  /** Whether the start batch (reservation + price lock) may have reached D1. */
  reservationSent: boolean;
}
