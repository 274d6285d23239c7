/**
 * Diagnostics of one checkout (`GET /admin/api/diagnostics?lock_id=`): what its state
 * means in words, and whether its stock, quote, payments, order, discount holds and
 * events agree with that state.
 */
import { isQuoteIntact, type Quote } from "../checkout/quote";
import { isPastPivot, isTerminal, STATE_NAMES, type CheckoutState } from "../checkout/state-machine";
import type { Database } from "../db/client";
import { eventId, EVENT_TYPES } from "../events/outbox";
import type { Config } from "../lib/config";
import { REFUNDABLE_STATUSES, SOLD_STATUSES } from "../orders/refund-records";
import type { LockDetail } from "../contract/checkout-lock";
import { readLock } from "./checkout-locks";
import { type CheckStatus, type DiagnosticCheck, diagnosticCheck as check, worst } from "./diagnostic-check";

export interface LockDiagnostics {
  status: CheckStatus;
  generated_at: string;
  checkout_id: string;
  state: CheckoutState;
  explanation: string;
  checks: DiagnosticCheck[];
}

const minutes = (ms: number) => `${Math.max(0, Math.round(ms / 60_000))} min`;

/** null when D1 has no such checkout. */
export async function diagnoseLock(
  db: Database,
  d1: D1Database,
  config: Config,
  quoteSecret: string | undefined,
  checkoutId: string,
  now: number,
): Promise<LockDiagnostics | null> {
  const lock = await readLock(db, checkoutId, now);
  if (!lock) return null;
  const { checkout } = lock;
  const state = checkout.state;
  const eventIds = [
    ...EVENT_TYPES.filter((t) => t.startsWith("checkout.")).map((t) => eventId(t, checkoutId)),
    ...(checkout.order_id ? [eventId("order.created", checkout.order_id)] : []),
  ];
  const events = (
    await d1
      .prepare(`SELECT id, type, status, attempts, created_at FROM outbox WHERE id IN (${eventIds.map(() => "?").join(", ")}) ORDER BY created_at`)
      .bind(...eventIds)
      .all<{ id: string; type: string; status: string; attempts: number; created_at: string }>()
  ).results;

  const checks = [
    deadlineCheck(lock, config, now),
    reservationsCheck(lock),
    await quoteCheck(lock, quoteSecret),
    paymentsCheck(lock),
    orderCheck(lock),
    discountsCheck(lock),
    eventsCheck(events, config, now),
  ];
  return {
    status: worst(checks.map((c) => c.status)),
    generated_at: new Date(now).toISOString(),
    checkout_id: checkoutId,
    state,
    explanation: explain(lock, now),
    checks,
  };
}

/** The state of a checkout in one or two sentences an operator can act on. */
export function explain(lock: LockDetail, now: number): string {
  const c = lock.checkout;
  const declined = lock.payments.filter((p) => p.status === "declined");
  const voided = lock.payments.some((p) => p.status === "voided") ? "payment voided, " : "";
  const lastDecline = declined.at(-1);
  switch (c.state) {
    case "locked": {
      const left = Date.parse(c.expires_at) - now;
      const pay = lock.payments.length
        ? ` ${lock.payments.length} payment attempt(s)${lastDecline ? `, the last declined (${lastDecline.decline_code ?? "declined"})` : ""}; the shopper may pay again.`
        : " No payment attempted yet.";
      return left > 0
        ? `Locked since ${c.locked_at ?? c.created_at}: stock, prices and the cart are held until ${c.expires_at} (${minutes(left)} left).${pay} Releasing it gives everything back.`
        : `Locked, but its deadline ${c.expires_at} passed ${minutes(-left)} ago: the cart object's alarm (or the cleanup job) expires it and releases everything.`;
    }
    case "completed":
      return `Completed at ${c.completed_at}: order ${lock.order ? `#${lock.order.number} (${lock.order.id})` : c.order_id} paid and its stock taken. Nothing is held.`;
    case "failed":
      return `Failed in ${c.failure?.phase ?? c.phase} (${c.failure?.code ?? "unknown"}: ${c.failure?.message ?? "no message"}) at ${c.ended_at}; it was rolled back: ${voided}${lock.order ? "order cancelled, " : ""}quote, discounts and stock released, cart editable again.`;
    case "cancelled":
      return `Cancelled${c.cancel_reason ? ` (${c.cancel_reason})` : ""} at ${c.ended_at}; ${voided}quote, discounts and stock released, cart editable again.`;
    case "expired":
      return `Expired at ${c.ended_at} after its deadline ${c.expires_at}; quote, discounts and stock released, cart editable again.`;
    case "rolling_back":
      return `Rolling back since ${c.updated_at}: the cart object retries each compensation (void, cancel order, release) until it is done.`;
    case "committing":
      return `Payment captured; committing the stock (retried by the cart object's alarm until done). The order stands.`;
    default:
      return `In flight (${STATE_NAMES[c.state]}, phase ${c.phase}) since ${c.updated_at}. If the request doing it died, the cart object resumes it from its alarm: before capture it voids and reopens the lock, after capture it completes the order.`;
  }
}

function deadlineCheck(lock: LockDetail, config: Config, now: number): DiagnosticCheck {
  const c = lock.checkout;
  if (isTerminal(c.state)) return check("deadline", "ok", `Ended (${c.state}) at ${c.ended_at}.`, { expires_at: c.expires_at, ended_at: c.ended_at });
  const late = now - Date.parse(c.expires_at);
  const grace = config.cleanupIntervalMinutes * 60_000;
  if (isPastPivot(c.state))
    return check("deadline", "ok", "Past capture the deadline no longer applies: the order is being completed.", { expires_at: c.expires_at });
  if (late > grace)
    return check("deadline", "fail", `Active ${minutes(late)} past its deadline, beyond the ${config.cleanupIntervalMinutes}-minute cleanup interval.`, {
      expires_at: c.expires_at,
    });
  if (late > 0)
    return check("deadline", "warn", `Past its deadline by ${minutes(late)}; it is expired at the next alarm or cleanup.`, { expires_at: c.expires_at });
  return check("deadline", "ok", `${minutes(-late)} until its deadline.`, { expires_at: c.expires_at });
}

function reservationsCheck(lock: LockDetail): DiagnosticCheck {
  const c = lock.checkout;
  const by = (s: string) => lock.reservations.filter((r) => r.status === s);
  const active = by("active");
  const committed = by("committed");
  const evidence = { active: active.length, committed: committed.length, released: by("released").length };
  if (c.state === "completed") {
    if (active.length > 0) return check("reservations", "fail", `Completed, yet ${active.length} reservation(s) are still active.`, evidence);
    if (committed.length === 0) return check("reservations", "fail", "Completed, yet no stock was committed.", evidence);
    return check("reservations", "ok", `${committed.length} reservation(s) committed.`, evidence);
  }
  if (isTerminal(c.state)) {
    if (active.length > 0)
      return check(
        "reservations",
        "fail",
        `Ended (${c.state}) but still holds ${active.length} active reservation(s); the cleanup job releases them.`,
        evidence,
      );
    if (committed.length > 0)
      return check("reservations", "fail", `Ended (${c.state}) without an order, yet ${committed.length} reservation(s) were committed.`, evidence);
    return check("reservations", "ok", "Nothing held.", evidence);
  }
  if (c.state === "committing") return check("reservations", "ok", "Stock is held or already committed while the order completes.", evidence);
  if (c.locked_at && active.length === 0) return check("reservations", "fail", "Active and locked, yet it holds no stock.", evidence);
  if (committed.length > 0) return check("reservations", "fail", "Stock was committed before payment was captured.", evidence);
  return check("reservations", "ok", `${active.length} reservation(s) holding stock until the deadline.`, evidence);
}

async function quoteCheck(lock: LockDetail, quoteSecret: string | undefined): Promise<DiagnosticCheck> {
  const c = lock.checkout;
  const quote = c.quote as Quote | null;
  if (!quote) {
    return c.locked_at
      ? check("quote", "fail", "Locked, yet no quote is stored.")
      : check("quote", "ok", "No quote: the checkout ended before its price lock.");
  }
  const evidence = { quote_id: quote.id, total: quote.total, status: lock.quote_status };
  if (quoteSecret && !(await isQuoteIntact(quoteSecret, quote))) return check("quote", "fail", "The stored quote does not match its signature.", evidence);
  if (c.total !== null && c.total !== quote.total)
    return check("quote", "fail", `The checkout's total ${c.total} differs from its quote's ${quote.total}.`, evidence);
  const expected = c.state === "completed" ? "used" : isTerminal(c.state) ? "released" : c.state === "committing" ? null : "active";
  if (expected && lock.quote_status !== expected)
    return check("quote", "warn", `The quote is ${lock.quote_status}, expected ${expected} for a ${c.state} checkout.`, evidence);
  return check("quote", "ok", `Quote ${quote.id} ${quoteSecret ? "is intact" : "is stored"} (${lock.quote_status}).`, evidence);
}

function paymentsCheck(lock: LockDetail): DiagnosticCheck {
  const c = lock.checkout;
  const captured = lock.payments.filter((p) => p.status === "captured");
  // A total of 0 is paid without the gateway: its one payment is "not_required".
  const paid = lock.payments.filter((p) => p.status === "captured" || p.status === "not_required");
  const authorized = lock.payments.filter((p) => p.status === "authorized");
  const total = (c.quote as Quote | null)?.total ?? c.total;
  const evidence = { attempts: lock.payments.map((p) => ({ attempt: p.attempt, status: p.status, amount: p.amount, decline_code: p.decline_code })) };
  if (captured.length > 1) return check("payments", "fail", `${captured.length} captures for one checkout.`, evidence);
  if (c.state === "completed") {
    const amount = paid[0]?.captured_amount ?? paid[0]?.amount;
    if (paid.length !== 1) return check("payments", "fail", "Completed without a captured payment.", evidence);
    if (amount !== total) return check("payments", "fail", `Captured ${amount}, but the quote total is ${total}.`, evidence);
    return check("payments", "ok", `One capture of exactly the quote total (${total}).`, evidence);
  }
  if (isTerminal(c.state)) {
    if (captured.length) return check("payments", "fail", `Ended (${c.state}) without an order, yet a payment was captured.`, evidence);
    if (authorized.length) return check("payments", "fail", `Ended (${c.state}) with ${authorized.length} authorization(s) not voided.`, evidence);
    return check("payments", "ok", lock.payments.length ? "No payment left captured or authorized." : "No payment attempted.", evidence);
  }
  return check("payments", "ok", `${lock.payments.length} attempt(s), none captured twice.`, evidence);
}

function orderCheck(lock: LockDetail): DiagnosticCheck {
  const c = lock.checkout;
  const order = lock.order;
  const total = (c.quote as Quote | null)?.total ?? c.total;
  if (c.state === "completed") {
    // Refunds and cancellation come after the sale: the order was paid whatever followed.
    if (!order || !(SOLD_STATUSES as readonly string[]).includes(order.status))
      return check("order", "fail", "Completed, yet there is no paid order.", { order_id: c.order_id, status: order?.status ?? null });
    if (order.total !== total) return check("order", "fail", `The order total ${order.total} differs from the quote total ${total}.`, { order_id: order.id });
    return check(
      "order",
      "ok",
      `Order #${order.number} paid${order.status === "paid" ? "" : ` (now ${order.status.replace("_", " ")})`}, total equals the quote.`,
      { order_id: order.id },
    );
  }
  if (order && (REFUNDABLE_STATUSES as readonly string[]).includes(order.status) && !isPastPivot(c.state))
    return check("order", "fail", `A paid order exists for a ${c.state} checkout.`, { order_id: order.id });
  if (order && isTerminal(c.state) && order.status !== "cancelled")
    return check("order", "warn", `The order of an ended checkout is ${order.status}, expected cancelled.`, { order_id: order.id });
  return check("order", "ok", order ? `Order ${order.id} is ${order.status}.` : "No order.", { order_id: order?.id ?? null });
}

function discountsCheck(lock: LockDetail): DiagnosticCheck {
  const c = lock.checkout;
  const active = lock.discount_reservations.filter((d) => d.status === "active");
  const evidence = { holds: lock.discount_reservations };
  if (isTerminal(c.state) && active.length)
    return check("discounts", "fail", `Ended (${c.state}) but still holds discount use(s): ${active.map((d) => d.code).join(", ")}.`, evidence);
  return check("discounts", "ok", lock.discount_reservations.length ? "Discount holds agree with the state." : "No discount codes.", evidence);
}

function eventsCheck(events: Array<{ id: string; type: string; status: string; created_at: string }>, config: Config, now: number): DiagnosticCheck {
  const lagMs = 2 * config.cleanupIntervalMinutes * 60_000;
  const late = events.filter((e) => e.status === "pending" && now - Date.parse(e.created_at) > lagMs);
  const evidence = { events: events.map((e) => ({ type: e.type, status: e.status, created_at: e.created_at })) };
  if (late.length)
    return check("events", "warn", `${late.length} event(s) still pending after ${minutes(lagMs)}: ${late.map((e) => e.type).join(", ")}.`, evidence);
  return check("events", "ok", `${events.length} event(s) recorded.`, evidence);
}
