/**
 * Phase 5, order creation: the order (its id chosen before the write, so a replay reuses
 * it), the authorized payment and the consumed discount uses, in one batch. Its undo
 * cancels the order (an order is only ever cancelled from `pending_payment`, never once paid).
 */
import { consumeDiscounts } from "../../../db/discount-usage";
import { setOrderStatus, timelineEntry, upsertCheckoutRow, upsertOrder, upsertPayment } from "../../../db/checkout-records";
import { isoNow, type Database } from "../../../db/client";
import { newId } from "../../../lib/ids";
import type { CheckoutRecord, PaymentAttempt } from "../../cart-state";
import { requireActiveReservations, reservationsActive } from "../../../inventory/stock-ledger";
import { clientError, expiredError, expiredFailure, failureOf } from "../refusals";
import type { SagaContext, Stop } from "../saga-context";

/** Creates the order of an authorized attempt; a failure rolls the checkout back. */
export async function createOrder(ctx: SagaContext, rec: CheckoutRecord, attempt: PaymentAttempt): Promise<"created" | Stop> {
  rec.orderId ??= newId("ord");
  ctx.transition(rec, "authorized");
  try {
    await ctx.checkpoint("order_creation");
    const now = isoNow();
    const { db } = ctx;
    const results = await db.batch([
      requireActiveReservations(db, rec.id),
      upsertPayment(db, rec, attempt, now),
      ...upsertOrder(db, rec, rec.quote!, now),
      consumeDiscounts(db, rec.id, now),
      upsertCheckoutRow(db, { ...rec, state: "capturing", phase: "payment_capture" }, now),
      timelineEntry(db, rec, "order_created", `order_created:${attempt.number}`, now, { order_id: rec.orderId, attempt: attempt.number }),
    ]);
    await ctx.checkpoint("order_creation:sent");
    const numberRows = results[4] as Array<{ number: number }>;
    rec.orderNumber = numberRows[0]?.number ?? null;
    attempt.recorded = true;
  } catch (error) {
    // Its stock was released (a payment that hung past the deadline and the cleanup
    // interval): the checkout expired, and its authorization is voided with the rest.
    if (!(await reservationsActive(ctx.db, rec.id).catch(() => true))) {
      return { stop: "roll_back", target: "expired", failure: expiredFailure(rec), error: expiredError(rec) };
    }
    const failure = failureOf(ctx, rec, error);
    return { stop: "roll_back", target: "failed", failure, error: clientError(rec, error, failure) };
  }
  ctx.transition(rec, "order_created");
  return "created";
}

/** The undo: the order cancelled. */
export function cancelOrder(db: Database, rec: CheckoutRecord, now: string) {
  return setOrderStatus(db, rec.id, "cancelled", now);
}
