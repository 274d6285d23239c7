/**
 * An Idempotency-Key of `complete` is bound to the checkout it first ran against: a
 * repeat may finish that checkout, never start another. Otherwise a retry after a
 * rolled-back attempt (an outage outlasting the first try) would start a new checkout
 * at the live price and charge a total the shopper was never quoted.
 */
import { eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { checkouts } from "../db/schema";
import { AppError } from "../lib/errors";
import type { CheckoutState } from "../checkout/state-machine";
import type { CheckoutRecord } from "./cart-state";

/** 409 checkout_ended for a repeat whose checkout is over (or was replaced by another). */
export async function checkoutEndedError(db: Database, checkoutId: string, current: CheckoutRecord | null): Promise<AppError> {
  // The cart object keeps only its latest checkout; an earlier one's end is in D1.
  const state: CheckoutState =
    current?.id === checkoutId
      ? current.state
      : (((await db.select({ state: checkouts.state }).from(checkouts).where(eq(checkouts.id, checkoutId)).get())?.state as CheckoutState | undefined) ??
        "failed");
  return new AppError("checkout_ended", "The checkout this Idempotency-Key paid for has ended; start a new checkout with a new key.", {
    checkout_id: checkoutId,
    state,
  });
}
