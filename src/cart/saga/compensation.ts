/**
 * Compensation: undo every reached phase. The gateway's part (voiding the authorizations)
 * goes first, because it cannot join a D1 batch; then the D1 part of every phase's undo —
 * the order cancelled, the payments recorded, stock, quote and discount uses released —
 * and the checkout's end, in one batch (one transaction). An undo of a phase that was
 * not reached changes nothing, and every undo is keyed by the checkout, so a rollback
 * replayed after a crash lands in the same place.
 */
import { reactivateDiscounts } from "../../db/discount-usage";
import { timelineEntry, upsertCheckoutRow } from "../../db/checkout-records";
import type { CheckoutEvent, RollbackTarget } from "../../checkout/state-machine";
import { isoNow } from "../../db/client";
import { recordEvent, type EventType } from "../../events/outbox";
import { availabilityCache } from "../../inventory/availability-cache";
import type { AppError } from "../../lib/errors";
import type { CheckoutFailure, CheckoutRecord } from "../cart-state";
import { recordAttempts, voidAttempts } from "./phases/authorize";
import { cancelOrder } from "./phases/create-order";
import { releaseReservation } from "./phases/reserve-and-lock";
import { clientError, failureOf } from "./refusals";
import type { SagaContext, StepResult } from "./saga-context";

/** Rolls the checkout back to `target` (failed, cancelled or expired). */
export async function rollback(ctx: SagaContext, rec: CheckoutRecord, target: RollbackTarget, failure: CheckoutFailure | null): Promise<StepResult> {
  if (rec.state !== "rolling_back") {
    rec.failure = failure;
    rec.rollbackTarget = target;
    const event: CheckoutEvent = target === "cancelled" ? "cancel" : target === "expired" ? "expire" : "fail";
    ctx.transition(rec, event);
    ctx.log.warn("checkout.rollback_started", ctx.fields(rec, { target, failure }));
  }
  return finishRollback(ctx, rec);
}

/** A phase failed with `error`: undo everything, and answer what the client should see. */
export async function compensate(ctx: SagaContext, rec: CheckoutRecord, error: unknown): Promise<AppError> {
  const failure = failureOf(ctx, rec, error);
  await rollback(ctx, rec, "failed", failure);
  return clientError(rec, error, failure);
}

/** Carries a started rollback to its end (also after a crash: `rolling_back` in storage). */
export async function finishRollback(ctx: SagaContext, rec: CheckoutRecord): Promise<StepResult> {
  const target = rec.rollbackTarget ?? "failed";
  if ((await voidAttempts(ctx, rec, true)) === "retrying") return "retrying";
  await ctx.checkpoint("rollback");
  const now = isoNow();
  const { db } = ctx;
  const ended: CheckoutRecord = { ...rec, state: target, endedAt: now };
  const event: EventType = target === "cancelled" ? "checkout.cancelled" : target === "expired" ? "checkout.expired" : "checkout.failed";
  const [released, ...rest] = releaseReservation(db, rec, now);
  let freed: Array<{ variantId: string }>;
  try {
    [freed] = await db.batch([
      released,
      cancelOrder(db, rec, now),
      ...recordAttempts(db, rec, now),
      ...rest,
      upsertCheckoutRow(db, ended, now),
      timelineEntry(db, ended, "rolled_back", "rolled_back", now, { target, failure: rec.failure, cancel_reason: rec.cancelReason }),
      recordEvent(db, event, rec.id, ctx.eventData(ended), now),
    ]);
  } catch (error) {
    return ctx.retryLater(rec, error);
  }
  // Units this isolate just freed are sellable here at once, not only after a second.
  availabilityCache.forget(freed.map((r) => r.variantId));
  await ctx.checkpoint("rollback:sent");
  rec.endedAt = now;
  ctx.clearRetry(rec);
  ctx.transition(rec, "rolled_back", target);
  ctx.log.info("checkout.rolled_back", ctx.fields(rec, { target }));
  await ctx.host.scheduleAlarm();
  return "done";
}

/**
 * An interrupted or failed payment: void it, cancel its order and open the checkout
 * again (its stock and quote are still held until the deadline), as after a decline.
 */
export async function resetPayment(
  ctx: SagaContext,
  rec: CheckoutRecord,
  reason: "interrupted" | "payment_gateway_error" = "interrupted",
): Promise<StepResult> {
  if ((await voidAttempts(ctx, rec)) === "retrying") return "retrying";
  const now = isoNow();
  const { db } = ctx;
  const reopened: CheckoutRecord = { ...rec, state: "locked", phase: "price_lock" };
  try {
    await db.batch([
      cancelOrder(db, rec, now),
      ...recordAttempts(db, rec, now),
      reactivateDiscounts(db, rec.id, now),
      upsertCheckoutRow(db, reopened, now),
      timelineEntry(db, reopened, "payment_reset", `payment_reset:${rec.attempts.length}`, now, { reason, attempt: rec.attempts.length }),
    ]);
  } catch (error) {
    return ctx.retryLater(rec, error);
  }
  ctx.clearRetry(rec);
  ctx.transition(rec, "payment_reset");
  ctx.log.warn("checkout.payment_reset", ctx.fields(rec, { attempt: rec.attempts.length, reason }));
  await ctx.host.scheduleAlarm();
  return "done";
}
