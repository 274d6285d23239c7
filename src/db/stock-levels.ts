/**
 * A stock read: on-hand, reserved and available units per variant, with when the
 * earliest active reservation lapses. The catalog read carries it in its batch and the
 * stock ledger reads it alone; what they learn is the inventory's business, not this file's.
 */
import { sql } from "drizzle-orm";
import type { Database } from "./client";
import { inJsonArray } from "./json-rows";
import { inventory, stockReservations } from "./schema";

export interface StockLevel {
  variantId: string;
  onHand: number;
  reserved: number;
  available: number;
  /** Epoch ms when the variant's earliest active reservation lapses; null when none is active. */
  earliestLapseAt: number | null;
}

/** When each variant's earliest active reservation lapses (a column for a stock read). */
const earliestLapse = sql<
  string | null
>`(SELECT min(${stockReservations.expiresAt}) FROM ${stockReservations} WHERE ${stockReservations.variantId} = ${inventory.variantId} AND ${stockReservations.status} = 'active')`;

/** The statement reading the stock of these variants (ids travel as one JSON parameter). */
export function stockLevelQuery(db: Database, variantIds: string[]) {
  return db
    .select({ variantId: inventory.variantId, onHand: inventory.onHand, reserved: inventory.reserved, earliestLapse })
    .from(inventory)
    .where(inJsonArray(inventory.variantId, variantIds));
}

export function toStockLevel(row: { variantId: string; onHand: number; reserved: number; earliestLapse: string | null }): StockLevel {
  return {
    variantId: row.variantId,
    onHand: row.onHand,
    reserved: row.reserved,
    available: Math.max(0, row.onHand - row.reserved),
    earliestLapseAt: row.earliestLapse === null ? null : Date.parse(row.earliestLapse),
  };
}
