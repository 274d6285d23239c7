/**
 * The cart object's RPC surface: what each method takes and what it answers. Every
 * answer is either the method's own result (its status and typed body) or a refusal
 * carrying the error envelope; errors do not keep their class across RPC, so refusals
 * travel as data and the Worker turns them back into the error they were.
 */
import type { Cart } from "../contract/cart";
import type { Checkout } from "../contract/checkout";
import type { CheckoutStatus } from "../contract/checkout-status";
import type { Order } from "../contract/order";
import { AppError, type ErrorBody } from "../lib/errors";
import type { PaymentMethodInput } from "../payments/gateway";

/** A refusal: the error envelope with its status and headers (Retry-After…). */
export interface Refusal {
  status: number;
  body: ErrorBody;
  headers?: Record<string, string>;
}

/** A method's answer: its result with status `S`, or a refusal. */
export type Answer<T, S extends number = 200> = { status: S; body: T; headers?: Record<string, string> } | Refusal;

export function isRefusal(answer: { status: number }): answer is Refusal {
  return answer.status >= 400;
}

/** Who calls and how: the cart token, the Idempotency-Key with a hash of the request, the request id. */
export interface CartCall {
  token: string;
  idempotency?: { key: string; hash: string };
  requestId?: string;
}

export interface CreateCartInput {
  cartId: string;
  /** The token itself never reaches the object: the Worker answers it, once. */
  tokenHash: string;
  currency: string;
  currencyExponent: number;
  country: string | null;
  email: string | null;
  idempotency?: { key: string; hash: string };
}

export type CartEdit =
  | { type: "add_line"; variantId: string; quantity: number }
  | { type: "update_line"; lineId: string; quantity: number }
  | { type: "remove_line"; lineId: string }
  | { type: "clear" }
  | { type: "apply_discount"; code: string }
  | { type: "remove_discount"; code: string }
  | { type: "update"; email?: string | null; country?: string | null };

export interface StartCheckoutInput {
  expectedTotal?: number;
  ttlMinutes?: number;
}

export interface CompleteCheckoutInput extends StartCheckoutInput {
  payment: PaymentMethodInput;
}

export type CartCreated = Answer<{ cart: Cart }, 201>;
export type CartAnswer = Answer<{ cart: Cart }>;
export type StatusAnswer = Answer<CheckoutStatus>;
export type CheckoutAnswer<S extends number = 200> = Answer<{ checkout: Checkout }, S>;

/** The order, or a payment that waits for the shopper (3-D Secure). */
export type Completed = { status: 201; body: { order: Order; checkout: Checkout }; headers?: Record<string, string> };
export type ActionRequired = {
  status: 202;
  body: { checkout: Checkout; next_action: { type: string; client_secret: string }; deadline_extension: { from: string; to: string } | null };
  headers?: Record<string, string>;
};
export type CompleteAnswer = Completed | ActionRequired | Refusal;

/** A refusal thrown by the object's own code (an AppError) becomes its answer; anything else stays an exception. */
export async function refusing<A>(fn: () => Promise<A>): Promise<A | Refusal> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof AppError) return error.toOutcome();
    throw error;
  }
}
