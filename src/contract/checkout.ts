/**
 * `Checkout`: one checkout with its quote, as the cart object answers it and as the admin
 * reads it back from D1 (both through `checkoutJson`, from the same facts).
 */
import { z } from "@hono/zod-openapi";
import { type CheckoutPhase, type CheckoutState, PHASES, STATES } from "../checkout/state-machine";
import { type Quote, QuoteSchema } from "./quote";
import { Timestamp } from "./fields";

export const PaymentAttemptSchema = z.object({
  number: z.number().int(),
  provider: z.string(),
  status: z.string(),
  decline_code: z.string().nullable(),
});

export const CheckoutSchema = z
  .object({
    id: z.string(),
    cart_id: z.string(),
    state: z.enum(STATES),
    phase: z.enum(PHASES),
    created_at: Timestamp,
    expires_at: Timestamp,
    locked_at: Timestamp.nullable(),
    completed_at: Timestamp.nullable(),
    ended_at: Timestamp.nullable(),
    failure: z.object({ phase: z.string(), code: z.string(), message: z.string() }).nullable(),
    cancel_reason: z.string().nullable(),
    can_resume: z.boolean(),
    order_id: z.string().nullable(),
    payment_attempts: z.array(PaymentAttemptSchema),
    quote: QuoteSchema.nullable(),
  })
  .openapi("Checkout");
export type Checkout = z.output<typeof CheckoutSchema>;

/**
 * What a checkout is made of, wherever it is read from (the object's record, D1's rows).
 * The stored quote is sent as it is (its signature covers every field).
 */
export interface CheckoutFacts {
  id: string;
  cartId: string;
  state: CheckoutState;
  phase: CheckoutPhase;
  createdAt: string;
  expiresAt: string;
  lockedAt: string | null;
  completedAt: string | null;
  endedAt: string | null;
  failure: { phase: CheckoutPhase; code: string; message: string } | null;
  cancelReason: string | null;
  orderId: string | null;
  quote: Quote | null;
  attempts: Array<{ number: number; provider: string; status: string; declineCode: string | null }>;
}

export function checkoutJson(rec: CheckoutFacts, now: number): Checkout {
  return {
    id: rec.id,
    cart_id: rec.cartId,
    state: rec.state,
    phase: rec.phase,
    created_at: rec.createdAt,
    expires_at: rec.expiresAt,
    locked_at: rec.lockedAt,
    completed_at: rec.completedAt,
    ended_at: rec.endedAt,
    failure: rec.failure,
    cancel_reason: rec.cancelReason,
    can_resume: rec.state === "locked" && Date.parse(rec.expiresAt) > now,
    order_id: rec.orderId,
    payment_attempts: rec.attempts.map((a) => ({ number: a.number, provider: a.provider, status: a.status, decline_code: a.declineCode })),
    quote: rec.quote,
  };
}
