/**
 * Cleanup step 3, payment reconciliation: compares what the gateway holds with what D1
 * says after a checkout's deadline.
 *
 * - An authorization with no paid order, still not voided a full cleanup interval after
 *   the deadline (its checkout ended, vanished, or is stuck), is voided through the
 *   gateway (idempotent under the saga's own void key) and recorded.
 * - A captured payment with no paid order (in D1, or revealed by a void answering
 *   "already captured") is an alert: an error log line and a `reconcile_alert` entry on
 *   the checkout's timeline (diagnostics and the admin read D1). When its signed quote
 *   and its stock reservations are intact, the cart object is asked to finish (sweep):
 *   the saga rolls a captured checkout forward; there is no second order path.
 */
import { and, eq, inArray } from "drizzle-orm";
import type { Quote } from "../checkout/quote";
import { isQuoteIntact } from "../checkout/quote";
import type { Database } from "../db/client";
import { checkoutEvents, payments, quotes, stockReservations } from "../db/schema";
import type { Config } from "../lib/config";
import { errorFields, type Logger } from "../lib/logger";
import { REFUNDABLE_STATUSES } from "../orders/refund-records";
import { createGateway } from "../payments";
import { paymentKeys, type PaymentMethodInput, type VoidRequest } from "../payments/gateway";

export interface ReconciliationCounts {
  voided_authorizations: number;
  captured_without_order: number;
  completed_orders: number;
  errors: number;
}

export interface ReconciliationInput {
  env: Env;
  db: Database;
  config: Config;
  log: Logger;
  nowIso: string;
  /** Deadline plus one cleanup interval before now: anything older should have ended by itself. */
  staleBefore: string;
  limit: number;
}

interface PaymentRow {
  payment_id: string;
  checkout_id: string;
  attempt: number;
  provider: string;
  reference: string | null;
  amount: number;
  currency: string;
  cart_id: string | null;
  checkout_state: string | null;
  checkout_phase: string | null;
}

const PAYMENT_COLUMNS = `p.id AS payment_id, p.checkout_id AS checkout_id, p.attempt AS attempt, p.provider AS provider,
  p.reference AS reference, p.amount AS amount, p.currency AS currency,
  c.cart_id AS cart_id, c.state AS checkout_state, c.phase AS checkout_phase`;

/**
 * A captured payment's order may since be refunded or cancelled: it was still sold. A
 * cancelled order counts only with its succeeded cancellation (an unpaid order that a
 * rollback cancelled is cancelled too, and its capture is exactly what to look for).
 */
const SOLD_ORDER = `(o.status IN (${REFUNDABLE_STATUSES.map((s) => `'${s}'`).join(", ")})
  OR EXISTS (SELECT 1 FROM refunds r WHERE r.order_id = o.id AND r.kind = 'cancel' AND r.status = 'succeeded'))`;
const NO_PAID_ORDER = `NOT EXISTS (SELECT 1 FROM orders o WHERE o.checkout_id = p.checkout_id AND ${SOLD_ORDER})`;

export async function reconcilePayments(input: ReconciliationInput): Promise<ReconciliationCounts & { more: boolean }> {
  const { env, db, log } = input;
  const counts: ReconciliationCounts = { voided_authorizations: 0, captured_without_order: 0, completed_orders: 0, errors: 0 };

  // Authorizations left behind. A checkout past the pivot (committing/completed) is
  // rolling forward by itself and is not voided.
  const authorized = await env.DB.prepare(
    `SELECT ${PAYMENT_COLUMNS} FROM payments p LEFT JOIN checkouts c ON c.id = p.checkout_id
     WHERE p.status = 'authorized' AND ${NO_PAID_ORDER}
       AND (c.id IS NULL OR c.state IN ('failed', 'cancelled', 'expired')
            OR (c.expires_at < ?1 AND c.state NOT IN ('committing', 'completed')))
     ORDER BY p.created_at LIMIT ?2`,
  )
    .bind(input.staleBefore, input.limit)
    .all<PaymentRow>();

  const gateway = createGateway(env, input.config, db);
  const capturedAnyway: PaymentRow[] = [];
  for (const payment of authorized.results) {
    if (payment.provider !== gateway.provider) {
      log.warn("reconcile.gateway_mismatch", { checkout_id: payment.checkout_id, payment_id: payment.payment_id, provider: payment.provider });
      continue;
    }
    const result = await gateway.void(voidRequest(payment)).catch((error: unknown) => ({ status: "error" as const, message: String(error) }));
    switch (result.status) {
      case "voided":
      case "not_found": {
        // not_found: nothing was ever held under that key, so there is nothing to void.
        const status = result.status === "voided" ? "voided" : "failed";
        await db.batch([
          db
            .update(payments)
            .set({ status, updatedAt: input.nowIso })
            .where(and(eq(payments.id, payment.payment_id), eq(payments.status, "authorized"))),
          ...optional(
            timeline(db, payment, input.nowIso, "authorization_voided", `reconcile_void:${payment.payment_id}`, {
              payment_id: payment.payment_id,
              result: result.status,
            }),
          ),
        ]);
        if (result.status === "voided") counts.voided_authorizations++;
        log.warn("reconcile.authorization_voided", fields(payment, { result: result.status }));
        break;
      }
      case "already_captured":
        capturedAnyway.push(payment);
        break;
      case "error":
        counts.errors++;
        log.error("reconcile.void_failed", fields(payment, { error: result.message }));
        break;
    }
  }

  const captured = await env.DB.prepare(
    `SELECT ${PAYMENT_COLUMNS} FROM payments p LEFT JOIN checkouts c ON c.id = p.checkout_id
     WHERE p.status = 'captured' AND ${NO_PAID_ORDER}
     ORDER BY p.created_at LIMIT ?1`,
  )
    .bind(input.limit)
    .all<PaymentRow>();

  const seen = new Set<string>();
  for (const payment of [...capturedAnyway, ...captured.results]) {
    if (seen.has(payment.checkout_id)) continue;
    seen.add(payment.checkout_id);
    try {
      const finished = await finishCapturedCheckout(input, payment);
      if (finished) counts.completed_orders++;
      else counts.captured_without_order++;
    } catch (error) {
      counts.errors++;
      log.error("reconcile.finish_failed", fields(payment, errorFields(error)));
    }
  }

  const more = authorized.results.length >= input.limit || captured.results.length >= input.limit;
  return { ...counts, more: more && counts.voided_authorizations + counts.completed_orders > 0 };
}

/** Alert, and ask the cart object to roll the checkout forward when that is still sound. */
async function finishCapturedCheckout(input: ReconciliationInput, payment: PaymentRow): Promise<boolean> {
  const { env, db, log } = input;
  log.error("reconcile.captured_without_order", fields(payment, { amount: payment.amount, currency: payment.currency }));
  await timeline(db, payment, input.nowIso, "reconcile_alert", `captured_without_order:${payment.payment_id}`, {
    alert: "captured_without_order",
    payment_id: payment.payment_id,
    amount: payment.amount,
  })?.run();
  if (!payment.cart_id || !(await quoteAndStockIntact(input, payment.checkout_id))) {
    log.error("reconcile.cannot_finish", fields(payment, { reason: payment.cart_id ? "quote_or_stock_not_intact" : "checkout_missing" }));
    return false;
  }
  await env.CART.getByName(payment.cart_id).sweep();
  const paid = await env.DB.prepare(`SELECT 1 AS paid FROM orders o WHERE o.checkout_id = ?1 AND ${SOLD_ORDER}`).bind(payment.checkout_id).first();
  if (paid) log.warn("reconcile.order_completed", fields(payment));
  return paid !== null;
}

async function quoteAndStockIntact(input: ReconciliationInput, checkoutId: string): Promise<boolean> {
  const { db } = input;
  const [quoteRows, held] = await db.batch([
    db.select({ body: quotes.body, status: quotes.status }).from(quotes).where(eq(quotes.checkoutId, checkoutId)).limit(1),
    db
      .select({ variantId: stockReservations.variantId })
      .from(stockReservations)
      .where(and(eq(stockReservations.checkoutId, checkoutId), inArray(stockReservations.status, ["active", "committed"]))),
  ]);
  const quote = quoteRows[0];
  if (!quote || quote.status === "released" || held.length === 0) return false;
  return isQuoteIntact(input.env.QUOTE_SIGNING_SECRET ?? "", quote.body as Quote);
}

/**
 * The saga's own void call for this attempt (same idempotency keys), rebuilt from D1.
 * The payment method is not stored in D1; a void needs only the keys and the reference.
 */
function voidRequest(payment: PaymentRow): VoidRequest {
  const method: PaymentMethodInput = payment.provider === "stripe" ? { method: "stripe", payment_method: "" } : { method: "test", token: "unknown" };
  return {
    idempotencyKey: paymentKeys.void(payment.checkout_id, payment.attempt),
    reference: payment.reference,
    authorization: {
      idempotencyKey: paymentKeys.authorize(payment.checkout_id, payment.attempt),
      amount: payment.amount,
      currency: payment.currency,
      method,
      metadata: { checkout_id: payment.checkout_id, cart_id: payment.cart_id ?? "", attempt: payment.attempt },
    },
  };
}

/** A timeline entry for the admin, when the checkout row exists (keyed: a rerun adds none). */
function timeline(db: Database, payment: PaymentRow, at: string, event: string, key: string, detail: Record<string, unknown>) {
  if (!payment.checkout_state || !payment.checkout_phase) return null;
  return db
    .insert(checkoutEvents)
    .values({ checkoutId: payment.checkout_id, at, state: payment.checkout_state, phase: payment.checkout_phase, event, key, detail })
    .onConflictDoNothing();
}

const optional = <T>(statement: T | null): T[] => (statement ? [statement] : []);

function fields(payment: PaymentRow, extra: Record<string, unknown> = {}) {
  return { checkout_id: payment.checkout_id, cart_id: payment.cart_id, payment_id: payment.payment_id, state: payment.checkout_state, ...extra };
}
