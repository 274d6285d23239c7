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
import type { CartLine } from "../checkout/checkout-record";
import type { Outcome } from "../lib/outcome";

export type { CartLine, CheckoutFailure, CheckoutRecord, PaymentAttempt, PaymentAttemptStatus } from "../checkout/checkout-record";
export type { Outcome } from "../lib/outcome";

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
