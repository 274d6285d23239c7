/**
 * Phase 7, stock commit: the reservation becomes a sale, the quote is used, the order
 * paid, and the checkout and order events are recorded, in one batch. Past the pivot it
 * has no undo: it is retried by the alarm until it is done, and meanwhile the answer is
 * already the order.
 */
import { consumeDiscounts } from "../../../db/discount-usage";
import { setOrderStatus, setQuoteStatus, timelineEntry, upsertCheckoutRow, upsertPayment } from "../../../db/checkout-records";
import type { Quote } from "../../../checkout/quote";
import { isoNow } from "../../../db/client";
import { recordEvent } from "../../../events/outbox";
import { commitStock } from "../../../inventory/stock-ledger";
import type { Completed } from "../../cart-rpc";
import type { CheckoutRecord } from "../../cart-state";
import { checkoutJson } from "../../../contract/checkout";
import { orderJson } from "../../../contract/order";
import { orderPayment, paidAttempt } from "../../checkout-charge";
import type { SagaContext, StepResult } from "../saga-context";

/** Commits the stock, or schedules the retry of the commit. */
export async function commit(ctx: SagaContext, rec: CheckoutRecord): Promise<StepResult> {
  const { host, db } = ctx;
  const attempt = paidAttempt(rec)!;
  try {
    await ctx.checkpoint("stock_commit");
    const now = isoNow();
    const done: CheckoutRecord = { ...rec, state: "completed", phase: "stock_commit", completedAt: now, endedAt: now };
    await db.batch([
      upsertPayment(db, rec, attempt, now),
      commitStock(db, rec.id, now),
      setQuoteStatus(db, rec.id, "used"),
      setOrderStatus(db, rec.id, "paid", now),
      consumeDiscounts(db, rec.id, now),
      upsertCheckoutRow(db, done, now),
      timelineEntry(db, done, "completed", "completed", now, { order_id: rec.orderId }),
      recordEvent(db, "checkout.completed", rec.id, ctx.eventData(done), now),
      recordEvent(db, "order.created", rec.orderId!, { order: orderOf(done) }, now),
    ]);
    await ctx.checkpoint("stock_commit:sent");
    rec.completedAt = now;
    rec.endedAt = now;
    ctx.clearRetry(rec);
    ctx.transition(rec, "committed");
    host.saveCart({ ...host.cart(), completed: true, orderId: rec.orderId, updatedAt: now });
    ctx.log.info("checkout.completed", ctx.fields(rec, { order_id: rec.orderId, total: rec.quote!.total }));
    await host.scheduleAlarm();
    return "done";
  } catch (error) {
    return ctx.retryLater(rec, error);
  }
}

/** Past the pivot the answer is the order, whether or not the stock commit is done yet. */
export async function commitAndAnswer(ctx: SagaContext, rec: CheckoutRecord): Promise<Completed> {
  await commit(ctx, rec);
  return completedOutcome(rec);
}

export function completedOutcome(rec: CheckoutRecord): Completed {
  return { status: 201, body: { order: orderOf(rec), checkout: checkoutJson(rec, Date.now()) } };
}

function orderOf(rec: CheckoutRecord) {
  const quote: Quote = rec.quote!;
  return orderJson({
    id: rec.orderId!,
    number: rec.orderNumber,
    cartId: rec.cartId,
    checkoutId: rec.id,
    status: "paid",
    currency: quote.currency,
    currencyExponent: quote.currency_exponent,
    email: rec.email,
    lines: quote.lines,
    subtotal: quote.subtotal,
    discountTotal: quote.discount_total,
    taxTotal: quote.tax_total,
    total: quote.total,
    payment: orderPayment(paidAttempt(rec), quote.total),
    createdAt: rec.lockedAt ?? rec.createdAt,
    // A completing order has no refund yet (refunds are the admin's, after the sale).
    refundedTotal: 0,
    refunds: [],
  });
}
