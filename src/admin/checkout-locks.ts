/**
 * Checkout locks as admins see them: read from the D1 mirror of each checkout (its
 * row, quote, timeline, reservations, payments and order). Only release goes through
 * the cart object, which is the single writer of its checkout.
 */
import { and, asc, desc, eq, inArray, type SQL } from "drizzle-orm";
import type { CheckoutAnswer } from "../cart/cart-rpc";
import type { CheckoutFailure, PaymentAttemptStatus } from "../cart/cart-state";
import type { Quote } from "../checkout/quote";
import { isTerminal, STATES, TERMINAL_STATES, type CheckoutPhase, type CheckoutState } from "../checkout/state-machine";
import { checkoutJson } from "../contract/checkout";
import type { AdminCheckout, LockDetail, LockSummary } from "../contract/checkout-lock";
import type { Database } from "../db/client";
import { checkoutEvents, checkouts, currencies, discountReservations, orders, payments, quotes, stockReservations, variants } from "../db/schema";
import { AppError, notFound } from "../lib/errors";
import { readOrder } from "../orders/order-view";
import { afterCursor, toPage } from "./page-cursor";

export type CheckoutRow = typeof checkouts.$inferSelect;

/** Filter values of the list: every state, plus `active` for "not terminal". */
export const LOCK_STATE_FILTERS = ["active", ...STATES] as const;
export type LockStateFilter = (typeof LOCK_STATE_FILTERS)[number];

export const ACTIVE_STATES: readonly CheckoutState[] = STATES.filter((s) => !isTerminal(s));

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

/** What `failure_reason` holds (see upsertCheckoutRow): the failure and/or a cancel reason. */
interface StoredFailure {
  phase?: string;
  code?: string;
  message?: string;
  attempts?: number;
  cancel_reason?: string | null;
}

export function endedAt(row: CheckoutRow): string | null {
  return row.completedAt ?? row.failedAt ?? row.cancelledAt ?? row.expiredAt ?? null;
}

function failureOf(row: CheckoutRow): CheckoutFailure | null {
  const f = row.failureReason as StoredFailure | null;
  return f?.phase && f.code ? { phase: f.phase as CheckoutPhase, code: f.code, message: f.message ?? "" } : null;
}

function secondsBetween(from: string, to: string | null): number | null {
  return to === null ? null : Math.round((Date.parse(to) - Date.parse(from)) / 10) / 100;
}

/** Digits of each currency's minor unit, by code (the whole `currencies` table: a handful of rows). */
export type CurrencyExponents = ReadonlyMap<string, number>;

function currencyExponents(rows: Array<{ code: string; exponent: number }>): CurrencyExponents {
  return new Map(rows.map((r) => [r.code, r.exponent]));
}

/** One line of the list: the checkout without its quote. */
export function lockSummary(row: CheckoutRow, now: number, exponents: CurrencyExponents): LockSummary {
  const ended = endedAt(row);
  return {
    id: row.id,
    cart_id: row.cartId,
    state: row.state as CheckoutState,
    phase: row.phase as CheckoutPhase,
    active: !isTerminal(row.state as CheckoutState),
    currency: row.currency,
    // Currencies are never removed from the catalog, so the checkout's is there.
    currency_exponent: exponents.get(row.currency) ?? 0,
    total: row.total,
    order_id: row.orderId,
    payment_attempts: row.attempts,
    created_at: row.createdAt,
    locked_at: row.lockedAt,
    expires_at: row.expiresAt,
    completed_at: row.completedAt,
    ended_at: ended,
    duration_seconds: secondsBetween(row.createdAt, ended),
    overdue: !isTerminal(row.state as CheckoutState) && Date.parse(row.expiresAt) <= now,
    failure: failureOf(row),
    cancel_reason: (row.failureReason as StoredFailure | null)?.cancel_reason ?? null,
    updated_at: row.updatedAt,
  };
}

type PaymentRow = typeof payments.$inferSelect;

/** The `Checkout` from the D1 row, its payments and its stored quote (the serialiser the object uses). */
export function adminCheckoutJson(row: CheckoutRow, paymentRows: PaymentRow[], quote: Quote | null, now: number, exponents: CurrencyExponents): AdminCheckout {
  const summary = lockSummary(row, now, exponents);
  const checkout = checkoutJson(
    {
      id: row.id,
      cartId: row.cartId,
      state: summary.state,
      phase: summary.phase,
      createdAt: row.createdAt,
      expiresAt: row.expiresAt,
      lockedAt: row.lockedAt,
      completedAt: row.completedAt,
      endedAt: summary.ended_at,
      failure: failureOf(row),
      cancelReason: summary.cancel_reason,
      orderId: row.orderId,
      attempts: paymentRows.map((p) => ({ number: p.attempt, provider: p.provider, status: p.status as PaymentAttemptStatus, declineCode: p.declineCode })),
      quote,
    },
    now,
  );
  const { active, currency, currency_exponent, total, duration_seconds, overdue, updated_at } = summary;
  return { ...checkout, active, currency, currency_exponent, total, duration_seconds, overdue, updated_at };
}

// ------------------------------------------------------------------ the list

export interface LockListQuery {
  state?: LockStateFilter;
  cartId?: string;
  limit: number;
  cursor?: string;
}

/** Newest first; `cursor` continues after the last row of the previous page. */
export async function listLocks(db: Database, query: LockListQuery, now: number) {
  const where: SQL[] = [];
  if (query.state === "active") where.push(inArray(checkouts.state, [...ACTIVE_STATES]));
  else if (query.state) where.push(eq(checkouts.state, query.state));
  if (query.cartId) where.push(eq(checkouts.cartId, query.cartId));
  if (query.cursor) where.push(afterCursor(query.cursor, { createdAt: checkouts.createdAt, id: checkouts.id }));
  const [rows, currencyRows] = await db.batch([
    db
      .select()
      .from(checkouts)
      .where(where.length ? and(...where) : undefined)
      .orderBy(desc(checkouts.createdAt), desc(checkouts.id))
      .limit(query.limit + 1),
    db.select({ code: currencies.code, exponent: currencies.exponent }).from(currencies),
  ]);
  const exponents = currencyExponents(currencyRows);
  return toPage(rows, query.limit, (r) => lockSummary(r, now, exponents));
}

// ---------------------------------------------------------------- one lock

export async function readLockRow(db: Database, id: string): Promise<CheckoutRow | null> {
  return (await db.select().from(checkouts).where(eq(checkouts.id, id)).get()) ?? null;
}

/** Everything D1 knows about one checkout, in one batch (plus the order, when there is one). */
export async function readLock(db: Database, id: string, now: number): Promise<LockDetail | null> {
  const [rows, quoteRows, events, reservations, discountRows, paymentRows, orderRows, currencyRows] = await db.batch([
    db.select().from(checkouts).where(eq(checkouts.id, id)),
    db.select().from(quotes).where(eq(quotes.checkoutId, id)),
    db.select().from(checkoutEvents).where(eq(checkoutEvents.checkoutId, id)).orderBy(asc(checkoutEvents.id)),
    // No join: D1 keys row values by column name, so same-named columns would collide.
    db.select().from(stockReservations).where(eq(stockReservations.checkoutId, id)),
    db.select().from(discountReservations).where(eq(discountReservations.checkoutId, id)),
    db.select().from(payments).where(eq(payments.checkoutId, id)).orderBy(asc(payments.attempt)),
    db.select({ id: orders.id }).from(orders).where(eq(orders.checkoutId, id)),
    db.select({ code: currencies.code, exponent: currencies.exponent }).from(currencies),
  ]);
  const row = rows[0];
  if (!row) return null;
  const quoteRow = quoteRows[0];
  const variantIds = reservations.map((r) => r.variantId);
  const skus = variantIds.length
    ? new Map((await db.select({ id: variants.id, sku: variants.sku }).from(variants).where(inArray(variants.id, variantIds))).map((v) => [v.id, v.sku]))
    : new Map<string, string>();
  const orderId = row.orderId ?? orderRows[0]?.id ?? null;
  return {
    checkout: adminCheckoutJson(row, paymentRows, (quoteRow?.body as Quote | undefined) ?? null, now, currencyExponents(currencyRows)),
    timeline: events.map((e) => ({ at: e.at, state: e.state, phase: e.phase, event: e.event, detail: e.detail ?? null })),
    reservations: reservations.map((r) => ({
      variant_id: r.variantId,
      sku: skus.get(r.variantId) ?? null,
      quantity: r.quantity,
      status: r.status,
      expires_at: r.expiresAt,
      created_at: r.createdAt,
      updated_at: r.updatedAt,
    })),
    discount_reservations: discountRows.map((d) => ({ code: d.code, status: d.status, updated_at: d.updatedAt })),
    payments: paymentRows.map((p) => ({
      id: p.id,
      attempt: p.attempt,
      provider: p.provider,
      reference: p.reference,
      status: p.status,
      amount: p.amount,
      captured_amount: p.capturedAmount,
      currency: p.currency,
      decline_code: p.declineCode,
      created_at: p.createdAt,
      updated_at: p.updatedAt,
    })),
    order: orderId ? await readOrder(db, orderId) : null,
    quote_status: quoteRow?.status ?? null,
  };
}

// ------------------------------------------------------------------ release

export const ADMIN_RELEASE_REASON = "admin_release";

/**
 * Cancels an active checkout with reason `admin_release`: the cart object rolls it back
 * (void, cancel order, release quote, discounts and stock, unlock). A terminal one
 * answers 409, also when it is asked again after a release (nothing changes twice).
 */
export async function releaseLock(env: Env, db: Database, id: string): Promise<CheckoutAnswer> {
  const row = await readLockRow(db, id);
  if (!row) throw notFound("Checkout", { checkout_id: id });
  const state = row.state as CheckoutState;
  if ((TERMINAL_STATES as readonly string[]).includes(state)) {
    throw new AppError("checkout_not_active", `This checkout already ended (${state}); there is nothing to release.`, {
      checkout_id: id,
      state,
      cancel_reason: (row.failureReason as StoredFailure | null)?.cancel_reason ?? null,
    });
  }
  // The object decides: D1 may lag behind it, and it answers 409 itself when it ended meanwhile.
  return env.CART.getByName(row.cartId).releaseCheckout(id, ADMIN_RELEASE_REASON);
}
