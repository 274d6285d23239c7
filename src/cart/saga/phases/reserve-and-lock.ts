/**
 * Phases 2 and 3, inventory reservation and price lock, in one atomic D1 batch: every
 * line reserves its stock, the signed quote is stored and the discount uses are
 * reserved, or none of it happens. Their undo releases all three, again in one batch
 * (with the other phases' undo, see compensation.ts).
 */
import { exhaustedDiscountCodes, isDiscountLimitError, releaseDiscounts, reserveDiscounts } from "../../../db/discount-usage";
import { insertQuote, setQuoteStatus, timelineEntry, upsertCheckoutRow } from "../../../db/checkout-records";
import type { PricedCart } from "../../../checkout/pricing";
import { buildSignedQuote } from "../../../checkout/quote";
import { isoNow, type Database } from "../../../db/client";
import { stockReservations } from "../../../db/schema";
import { recordEvent } from "../../../events/outbox";
import type { StockLevel } from "../../../db/stock-levels";
import { isStockConstraintError, readStock, releaseStock, reserveStock } from "../../../inventory/stock-ledger";
import { explainPurchaseLimitError } from "../../../inventory/purchase-limits";
import { insufficientStock, isShort, shortLines, stockLines } from "../../../inventory/stock-shortage";
import { AppError } from "../../../lib/errors";
import { newId } from "../../../lib/ids";
import type { CheckoutRecord } from "../../cart-state";
import { InjectedFault } from "../probe";
import type { SagaContext } from "../saga-context";

/** Reserves the stock and locks the price; the checkout is `locked` after it. Throws what failed. */
export async function reserveAndLock(ctx: SagaContext, rec: CheckoutRecord, priced: PricedCart, knownStock: Map<string, StockLevel>): Promise<void> {
  const { db, host } = ctx;
  // Stock read with the catalog is already short: refuse now instead of sending a
  // reservation batch that must fail and re-reading stock (2 D1 round trips instead
  // of 4; in a flash sale most shoppers end here). Races it cannot see stay the CHECK's.
  const short = shortLines(rec.lines, knownStock);
  if (short.length) throw insufficientStock(short);

  const now = isoNow();
  rec.quote = await buildSignedQuote(host.quoteSecret, {
    id: newId("quo"),
    checkoutId: rec.id,
    cartId: rec.cartId,
    baseCurrency: ctx.config.baseCurrency,
    priced,
    createdAt: now,
    expiresAt: rec.expiresAt,
  });
  rec.reservationSent = true;
  host.saveCheckout(rec);
  await ctx.checkpoint("inventory_reservation");
  const locked: CheckoutRecord = { ...rec, state: "locked", phase: "price_lock", lockedAt: now };
  await db.batch([
    upsertCheckoutRow(db, locked, now),
    // With the cart's email on each row, the purchase-limit trigger judges the customer in this batch.
    reserveStock(db, rec.id, rec.lines, rec.expiresAt, now, rec.email),
    ...insertQuote(db, rec.quote),
    // A price-lock fault (tests only) fails inside the batch: the reservations roll back with it.
    ...(host.probe?.failingStatements(db, "price_lock") ?? []),
    ...(rec.quote.discount_codes.length ? [reserveDiscounts(db, rec.id, rec.quote.discount_codes, now)] : []),
    timelineEntry(db, { ...rec, state: "reserving", phase: "inventory_reservation" }, "stock_reserved", "stock_reserved", now, {
      lines: rec.lines.map((l) => ({ variant_id: l.variantId, quantity: l.quantity })),
    }),
    timelineEntry(db, locked, "price_locked", "price_locked", now, { quote_id: rec.quote.id, total: rec.quote.total }),
    recordEvent(db, "checkout.started", rec.id, ctx.eventData(locked), now),
  ]);
  await ctx.checkpoint("inventory_reservation:sent");
  rec.lockedAt = now;
  ctx.transition(rec, "price_locked");
  ctx.log.info("stock.reserved", ctx.fields(rec, { lines: rec.lines.length }));
  await host.scheduleAlarm();
}

/** The refusal a failed reservation batch means: a line out of stock, a discount used up, or the error itself. */
export async function explainReservationError(ctx: SagaContext, rec: CheckoutRecord, error: unknown): Promise<unknown> {
  const injected = ctx.host.probe?.takeBatchFault();
  if (injected) return injected;
  if (error instanceof AppError || error instanceof InjectedFault) return error;
  // A purchase limit refused the reservation (or a limited variant has no email to count).
  const limited = await explainPurchaseLimitError(ctx.db, error, rec.id, rec.email, rec.lines);
  if (limited) {
    rec.phase = "inventory_reservation";
    return limited;
  }
  if (isStockConstraintError(error)) {
    const stock = await readStock(
      ctx.db,
      rec.lines.map((l) => l.variantId),
    ).catch(() => new Map());
    const lines = stockLines(rec.lines, stock);
    const short = lines.filter(isShort);
    rec.phase = "inventory_reservation";
    // Stock freed since the batch failed can hide the short line: then every line is named.
    return insufficientStock(short.length ? short : lines);
  }
  if (isDiscountLimitError(error)) {
    rec.phase = "price_lock";
    // Name the code that ran out, not merely the first one on the cart.
    const codes = rec.quote?.discount_codes ?? [];
    const exhausted = await exhaustedDiscountCodes(ctx.db, codes).catch(() => []);
    const code = exhausted[0] ?? codes[0] ?? null;
    return new AppError("invalid_discount_code", `The discount code ${code} was used up while checking out.`, { code, reason: "used_up" });
  }
  return error;
}

/** The undo: stock, quote and discount uses released (each statement a no-op when nothing is held). */
export function releaseReservation(db: Database, rec: CheckoutRecord, now: string) {
  return [
    releaseStock(db, rec.id, now).returning({ variantId: stockReservations.variantId }),
    setQuoteStatus(db, rec.id, "released"),
    releaseDiscounts(db, rec.id, now),
  ] as const;
}
