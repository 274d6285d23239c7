/**
 * The D1 mirror of a checkout: its row, its timeline, its payments, its quote and its
 * order. Every statement is an upsert or keyed insert, so the saga can replay a batch
 * after a crash and land in the same place.
 */
import { and, eq, inArray, sql } from "drizzle-orm";
import type { CheckoutRecord, PaymentAttempt } from "../checkout/checkout-record";
import type { Quote, QuoteLine } from "../checkout/quote";
import type { CheckoutPhase, CheckoutState } from "../checkout/state-machine";
import type { Database } from "./client";
import { insertJsonRows } from "./json-rows";
import { checkoutEvents, checkouts, orderLines, orders, payments, priceSnapshots, quotes } from "./schema";

export function upsertCheckoutRow(db: Database, rec: CheckoutRecord, now: string) {
  const terminalAt = (state: string) => (rec.state === state ? (rec.endedAt ?? now) : null);
  const values = {
    id: rec.id,
    cartId: rec.cartId,
    state: rec.state,
    phase: rec.phase,
    currency: rec.currency,
    total: rec.quote?.total ?? null,
    orderId: rec.orderId,
    attempts: rec.attempts.length,
    failureReason: rec.failure
      ? { ...rec.failure, attempts: rec.attempts.length, cancel_reason: rec.cancelReason }
      : rec.cancelReason
        ? { cancel_reason: rec.cancelReason }
        : null,
    createdAt: rec.createdAt,
    lockedAt: rec.lockedAt,
    completedAt: rec.completedAt,
    failedAt: terminalAt("failed"),
    cancelledAt: terminalAt("cancelled"),
    expiredAt: terminalAt("expired"),
    expiresAt: rec.expiresAt,
    updatedAt: now,
  };
  const { id: _id, createdAt: _c, ...update } = values;
  return db.insert(checkouts).values(values).onConflictDoUpdate({ target: checkouts.id, set: update });
}

export function timelineEntry(db: Database, rec: CheckoutRecord, event: string, key: string, at: string, detail: Record<string, unknown> | null = null) {
  return db.insert(checkoutEvents).values({ checkoutId: rec.id, at, state: rec.state, phase: rec.phase, event, key, detail }).onConflictDoNothing();
}

export function upsertPayment(db: Database, rec: CheckoutRecord, attempt: PaymentAttempt, now: string) {
  const status = attempt.status === "pending" ? "failed" : attempt.status;
  const values = {
    id: attempt.paymentId,
    checkoutId: rec.id,
    attempt: attempt.number,
    provider: attempt.provider,
    reference: attempt.reference,
    status,
    amount: rec.quote?.total ?? 0,
    capturedAmount: attempt.status === "captured" ? (rec.quote?.total ?? 0) : null,
    // amount and captured_amount stay in the catalog's minor units, like the order's total.
    currency: rec.currency,
    declineCode: attempt.declineCode,
    createdAt: now,
    updatedAt: now,
  } as const;
  return db
    .insert(payments)
    .values(values)
    .onConflictDoUpdate({
      target: payments.id,
      set: { status, reference: values.reference, capturedAmount: values.capturedAmount, declineCode: values.declineCode, updatedAt: now },
    });
}

export function insertQuote(db: Database, quote: Quote) {
  return [
    db
      .insert(quotes)
      .values({
        id: quote.id,
        checkoutId: quote.checkout_id,
        currency: quote.currency,
        exchangeRate: quote.exchange_rate,
        exchangeRateUpdatedAt: quote.exchange_rate_updated_at,
        subtotal: quote.subtotal,
        discountTotal: quote.discount_total,
        taxTotal: quote.tax_total,
        total: quote.total,
        body: quote,
        signature: quote.signature,
        status: "active",
        createdAt: quote.created_at,
        expiresAt: quote.expires_at,
      })
      .onConflictDoNothing(),
    // One bound parameter for all lines: D1 binds at most 100 per statement (10 per row here).
    insertJsonRows(
      db,
      priceSnapshots,
      quote.lines.map((l) => ({ quoteId: quote.id, ...lineFigures(l) })),
    ).onConflictDoNothing(),
  ] as const;
}

/** A quote line's frozen figures as stored in price snapshots and order lines. */
function lineFigures(l: QuoteLine) {
  return {
    lineId: l.line_id,
    variantId: l.variant_id,
    sku: l.sku,
    quantity: l.quantity,
    unitPrice: l.unit_price,
    subtotal: l.subtotal,
    discountTotal: l.discount_total,
    taxTotal: l.tax_total,
    total: l.total,
  };
}

/** The quote's new deadline, in its column and its stored (signed) body. */
export function updateQuoteExpiry(db: Database, quote: Quote) {
  return db.update(quotes).set({ expiresAt: quote.expires_at, body: quote, signature: quote.signature }).where(eq(quotes.id, quote.id));
}

export function setQuoteStatus(db: Database, checkoutId: string, status: "used" | "released") {
  return db
    .update(quotes)
    .set({ status })
    .where(and(eq(quotes.checkoutId, checkoutId), eq(quotes.status, "active")));
}

/**
 * Create the checkout's order (one checkout, at most one order). An order cancelled
 * by an interrupted payment is reopened with the same id and number.
 */
export function upsertOrder(db: Database, rec: CheckoutRecord, quote: Quote, now: string) {
  const orderId = rec.orderId!;
  return [
    db
      .insert(orders)
      .values({
        id: orderId,
        // Order numbers are sequential and human-friendly; the batch is one transaction.
        number: sql`(SELECT COALESCE(MAX(${orders.number}), 1000) + 1 FROM ${orders})`,
        checkoutId: rec.id,
        cartId: rec.cartId,
        status: "pending_payment",
        currency: quote.currency,
        email: rec.email,
        subtotal: quote.subtotal,
        discountTotal: quote.discount_total,
        taxTotal: quote.tax_total,
        total: quote.total,
        lines: quote.lines,
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoUpdate({
        target: orders.checkoutId,
        set: { status: "pending_payment", updatedAt: now },
        setWhere: eq(orders.status, "cancelled"),
      }),
    insertJsonRows(
      db,
      orderLines,
      quote.lines.map((l) => ({ orderId, ...lineFigures(l) })),
    ).onConflictDoNothing(),
    db.select({ number: orders.number, id: orders.id }).from(orders).where(eq(orders.checkoutId, rec.id)),
  ] as const;
}

export function setOrderStatus(db: Database, checkoutId: string, status: "paid" | "cancelled", now: string) {
  // Both moves start from pending_payment: a paid order is never cancelled here.
  return db
    .update(orders)
    .set({ status, updatedAt: now })
    .where(and(eq(orders.checkoutId, checkoutId), eq(orders.status, "pending_payment")));
}

/** A timeline entry written from D1's rows alone, without the checkout's record (the cleanup job). */
export interface TimelineRow {
  checkoutId: string;
  at: string;
  state: CheckoutState;
  phase: CheckoutPhase;
  event: string;
  key: string;
  detail: Record<string, unknown> | null;
}

/** Many checkouts' timeline entries in one statement (the rows travel as one JSON parameter). */
export function timelineRows(db: Database, rows: TimelineRow[]) {
  return insertJsonRows(db, checkoutEvents, rows).onConflictDoNothing();
}

/**
 * Closes, as expired, a checkout row that no cart object holds any more, if it is still in
 * one of `activeStates`; returns the id when it did.
 */
export function expireOrphanedCheckoutRow(db: Database, id: string, activeStates: readonly CheckoutState[], failure: Record<string, unknown>, now: string) {
  return db
    .update(checkouts)
    .set({ state: "expired", expiredAt: now, updatedAt: now, failureReason: failure })
    .where(and(eq(checkouts.id, id), inArray(checkouts.state, [...activeStates])))
    .returning({ id: checkouts.id });
}
