/** The commands the Worker sends to a cart object over RPC (validated by the routes). */
import type { PaymentMethodInput } from "../payments/gateway";

export type CartOp =
  | { type: "get" }
  | { type: "add_line"; variantId: string; quantity: number }
  | { type: "update_line"; lineId: string; quantity: number }
  | { type: "remove_line"; lineId: string }
  | { type: "clear" }
  | { type: "apply_discount"; code: string }
  | { type: "remove_discount"; code: string }
  | { type: "update"; email?: string | null; country?: string | null }
  | { type: "checkout_start"; expectedTotal?: number; ttlMinutes?: number }
  | { type: "checkout_complete"; payment: PaymentMethodInput; expectedTotal?: number; ttlMinutes?: number }
  | { type: "checkout_status" }
  | { type: "checkout_cancel" };

export interface CartRequest {
  token: string;
  op: CartOp;
  /** Idempotency-Key and a hash of the request (route + body). */
  idempotency?: { key: string; hash: string };
  /** The request's X-Request-Id, for the object's log lines. */
  requestId?: string;
}

export interface CreateCartInput {
  cartId: string;
  tokenHash: string;
  /** The token is kept only inside the stored idempotent response, for replays. */
  token: string;
  currency: string;
  currencyExponent: number;
  country: string | null;
  email: string | null;
  idempotency?: { key: string; hash: string };
}

export const MAX_LINES = 100;
export const MAX_QUANTITY = 99;
export const MAX_DISCOUNT_CODES = 5;
