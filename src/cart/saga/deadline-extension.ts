/**
 * 3-D Secure extends a checkout's deadline once, to at least 10 minutes from the
 * challenge and never past CHECKOUT_MAX_TTL_MINUTES from the start, so a shopper in the
 * bank's challenge does not lose the stock. The one deadline moves everywhere it lives:
 * the checkout row, its reservations, its quote (signed again: `expires_at` is signed),
 * the object's record and its alarm; the timeline says so.
 */
import { timelineEntry, updateQuoteExpiry, upsertCheckoutRow } from "../../db/checkout-records";
import { withExpiry } from "../../checkout/quote";
import { isoNow } from "../../db/client";
import { extendReservations } from "../../inventory/stock-ledger";
import { errorFields } from "../../lib/logger";
import type { CheckoutRecord } from "../cart-state";
import type { SagaContext } from "./saga-context";

/** How long a shopper gets for the bank's challenge, at least. */
export const CHALLENGE_MINUTES = 10;

/** The extended deadline (ms) for a challenge at `now`, or null when none is due (already extended, or enough time left). */
export function challengeDeadline(rec: CheckoutRecord, maxTtlMinutes: number, now: number): number | null {
  if (rec.deadlineExtension) return null;
  const cap = Date.parse(rec.createdAt) + maxTtlMinutes * 60_000;
  const wanted = Math.min(now + CHALLENGE_MINUTES * 60_000, cap);
  return wanted > Date.parse(rec.expiresAt) ? wanted : null;
}

/**
 * Extends the deadline for a challenge that starts now; the extension made, or null.
 * D1 first, in one batch: if it fails, nothing moved anywhere and the payment still
 * waits under the deadline it had (logged, never an error for the shopper).
 */
export async function extendForChallenge(ctx: SagaContext, rec: CheckoutRecord): Promise<{ from: string; to: string } | null> {
  const wanted = challengeDeadline(rec, ctx.config.maxTtlMinutes, Date.now());
  if (wanted === null || !rec.quote) return null;
  const extension = { from: rec.expiresAt, to: isoNow(wanted) };
  const quote = await withExpiry(ctx.host.quoteSecret, rec.quote, extension.to);
  const extended: CheckoutRecord = { ...rec, expiresAt: extension.to, quote, deadlineExtension: extension };
  const now = isoNow();
  const { db } = ctx;
  try {
    await db.batch([
      extendReservations(db, rec.id, extension.to, now),
      updateQuoteExpiry(db, quote),
      upsertCheckoutRow(db, extended, now),
      timelineEntry(db, extended, "deadline_extended", "deadline_extended", now, { ...extension, reason: "3d_secure" }),
    ]);
  } catch (error) {
    ctx.log.warn("checkout.deadline_extension_failed", ctx.fields(rec, errorFields(error)));
    return null;
  }
  Object.assign(rec, { expiresAt: extension.to, quote, deadlineExtension: extension });
  ctx.host.saveCheckout(rec);
  await ctx.host.scheduleAlarm();
  ctx.log.info("checkout.deadline_extended", ctx.fields(rec, extension));
  return extension;
}
