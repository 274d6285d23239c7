/**
 * What the cart object keeps in its own (synchronous, SQLite-backed) storage.
 *
 * Storage layout (keys of ctx.storage.kv):
 * - `cart`       CartState: lines, codes, currency, country, email, version, token hash
 * - `checkout`   CheckoutRecord | absent: the current or most recent checkout of the cart
 * - `idem:<key>` IdempotencyRecord: the stored outcome of a storefront POST
 *
 * Every change is written here synchronously *before* the object awaits anything
 * outside (D1, the gateway), so a request that slips in through the open input gate
 * sees the new state, and a restarted object finds where the last one stopped.
 */
import type { CheckoutPhase, CheckoutState, RollbackTarget } from "../checkout/state-machine";
import type { Quote } from "../checkout/quote";
import type { PaymentMethodInput } from "../payments/gateway";

export interface CartLine {
  id: string;
  variantId: string;
  quantity: number;
  addedAt: string;
}

export interface CartState {
  id: string;
  tokenHash: string;
  currency: string;
  /** The currency's exponent when the cart was made; absent in carts made before it was kept. */
  currencyExponent?: number;
  country: string | null;
  email: string | null;
  version: number;
  lines: CartLine[];
  discountCodes: string[];
  completed: boolean;
  orderId: string | null;
  createdAt: string;
  updatedAt: string;
}

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

export interface IdempotencyRecord {
  hash: string;
  /** `bound`: a completion with no final answer yet, whose key keeps its checkout. */
  status: "in_progress" | "done" | "bound";
  instance: string;
  startedAt: string;
  outcome?: Outcome;
  expiresAt?: string;
  /** For checkout completion: the checkout it ran against; kept until that one is terminal, plus retention. */
  checkoutId?: string;
}

/** What an entry point of the object answers: the HTTP status, body and headers. */
export interface Outcome {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}
