/**
 * A stock read: on-hand, reserved and available units per variant, with when the
 * earliest active reservation lapses. The catalog read carries it in its batch and the
 * stock ledger reads it alone; what they learn is the inventory's business, not this file's.
 */
import { and, eq, min } from "drizzle-orm";
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

/**
 * The statement reading the stock of these variants (ids travel as one JSON parameter),
 * with when each one's earliest active reservation lapses. A join, not a correlated
 * subquery: drizzle writes a single-table query's columns without their table, and inside
 * a subquery `"variant_id" = "variant_id"` compared the reservation with itself, so the
 * earliest lapse was any variant's.
 */
export function stockLevelQuery(db: Database, variantIds: string[]) {
  return db
    .select({ variantId: inventory.variantId, onHand: inventory.onHand, reserved: inventory.reserved, earliestLapse: min(stockReservations.expiresAt) })
    .from(inventory)
    .leftJoin(stockReservations, and(eq(stockReservations.variantId, inventory.variantId), eq(stockReservations.status, "active")))
    .where(inJsonArray(inventory.variantId, variantIds))
    .groupBy(inventory.variantId);
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
