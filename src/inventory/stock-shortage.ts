/**
 * The one `409 insufficient_stock` answer, wherever the shortage was found (the sold-out
 * cache, the catalog read at start, a reservation the ledger's CHECK refused). A line
 * whose missing units are partly held by active reservations says when the earliest of
 * them lapses (`retry_after_seconds`), and the answer then carries `Retry-After`: a
 * drop's shopper learns whether waiting can help instead of hammering the store.
 */
import { AppError } from "../lib/errors";
import type { Database } from "../db/client";
import { availabilityCache, type ShortLine } from "./availability-cache";
import type { StockLevel } from "../db/stock-levels";
import { readStock } from "./stock-ledger";

/** Each variant the lines ask for, with its units requested and its stock; a variant not read has none. */
export function stockLines(lines: Array<{ variantId: string; quantity: number }>, levels: Map<string, StockLevel>): ShortLine[] {
  const requested = new Map<string, number>();
  for (const l of lines) requested.set(l.variantId, (requested.get(l.variantId) ?? 0) + l.quantity);
  return [...requested].map(([variantId, quantity]) => ({ variantId, requested: quantity, level: levels.get(variantId) ?? noStock(variantId) }));
}

export const isShort = (line: ShortLine) => line.level.available < line.requested;

/** Lines asking for more than their variant has available. */
export function shortLines(lines: Array<{ variantId: string; quantity: number }>, levels: Map<string, StockLevel>): ShortLine[] {
  return stockLines(lines, levels).filter(isShort);
}

/**
 * Refuses, without a D1 query, lines the isolate knows (within the last second) cannot
 * be served; knowledge older than that is re-read first, one query per variant shared by
 * every waiting shopper. Anything else passes on to the checkout's own reads and the ledger.
 */
export async function refuseKnownShortage(db: Database, lines: Array<{ variantId: string; quantity: number }>): Promise<void> {
  const short = await availabilityCache.knownShortages(lines, (ids) => readStock(db, ids));
  if (short.length) throw insufficientStock(short);
}

/** Seconds until a reservation holding some of the line's missing units lapses; null when none does. */
export function retryAfterSeconds(line: ShortLine, now: number): number | null {
  const { level } = line;
  if (level.reserved <= 0 || level.earliestLapseAt === null) return null;
  // An overdue reservation is released by its cart's alarm or the cleanup job any moment now.
  return Math.max(1, Math.ceil((level.earliestLapseAt - now) / 1000));
}

export function insufficientStock(short: ShortLine[], now: number = Date.now()): AppError {
  const lines = short.map((l) => {
    const retry = retryAfterSeconds(l, now);
    return { variant_id: l.variantId, requested: l.requested, available: l.level.available, ...(retry === null ? {} : { retry_after_seconds: retry }) };
  });
  const waits = lines.flatMap((l) => (l.retry_after_seconds === undefined ? [] : [l.retry_after_seconds]));
  // The soonest moment a retry can meet a different answer.
  const headers = waits.length ? { "Retry-After": String(Math.min(...waits)) } : undefined;
  return new AppError("insufficient_stock", "Not enough stock for some lines.", { lines }, headers);
}

function noStock(variantId: string): StockLevel {
  return { variantId, onHand: 0, reserved: 0, available: 0, earliestLapseAt: null };
}
