/** `CheckoutStatus`: whether a cart is locked by a checkout, also embedded in `Cart.checkout`. */
import { z } from "@hono/zod-openapi";
import { type CheckoutPhase, type CheckoutState, isTerminal, PHASES, STATES } from "../checkout/state-machine";
import { Timestamp } from "./fields";

export const CheckoutStatusSchema = z
  .object({
    locked: z.boolean(),
    can_checkout: z.boolean(),
    lock_id: z.string().nullable(),
    state: z.enum(STATES).nullable(),
    phase: z.enum(PHASES).nullable(),
    expires_at: Timestamp.nullable(),
    can_resume: z.boolean(),
    order_id: z.string().nullable(),
  })
  .openapi("CheckoutStatus");
export type CheckoutStatus = z.output<typeof CheckoutStatusSchema>;

/** The few facts of a checkout the status shows (the cart object's record has them). */
export interface CheckoutStatusFacts {
  id: string;
  state: CheckoutState;
  phase: CheckoutPhase;
  expiresAt: string;
}

export function checkoutStatus(cart: { completed: boolean; orderId: string | null }, rec: CheckoutStatusFacts | null, now: number): CheckoutStatus {
  const active = rec !== null && !isTerminal(rec.state);
  return {
    locked: active,
    can_checkout: !active && !cart.completed,
    lock_id: rec?.id ?? null,
    state: rec?.state ?? null,
    phase: rec?.phase ?? null,
    expires_at: rec?.expiresAt ?? null,
    can_resume: active && rec.state === "locked" && Date.parse(rec.expiresAt) > now,
    order_id: cart.orderId,
  };
}
