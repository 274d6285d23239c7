/**
 * Discount usage limits, a shared resource like stock: reserved at price lock,
 * consumed at order creation, released on rollback. Triggers keep the counters on
 * `discounts` equal to the reservation rows, and a CHECK stops them passing the limit.
 */
import { and, eq, inArray } from "drizzle-orm";
import type { Database } from "../db/client";
import { discountReservations } from "../db/schema";
import { errorText } from "../inventory/stock-ledger";

export function reserveDiscounts(db: Database, checkoutId: string, codes: string[], now: string) {
  return db
    .insert(discountReservations)
    .values(codes.map((code) => ({ checkoutId, code, status: "active" as const, createdAt: now, updatedAt: now })))
    .onConflictDoNothing();
}

export function consumeDiscounts(db: Database, checkoutId: string, now: string) {
  return db
    .update(discountReservations)
    .set({ status: "consumed", updatedAt: now })
    .where(and(eq(discountReservations.checkoutId, checkoutId), eq(discountReservations.status, "active")));
}

/** An order cancelled while the checkout stays locked keeps its reservation. */
export function reactivateDiscounts(db: Database, checkoutId: string, now: string) {
  return db
    .update(discountReservations)
    .set({ status: "active", updatedAt: now })
    .where(and(eq(discountReservations.checkoutId, checkoutId), eq(discountReservations.status, "consumed")));
}

export function releaseDiscounts(db: Database, checkoutId: string, now: string) {
  return db
    .update(discountReservations)
    .set({ status: "released", updatedAt: now })
    .where(and(eq(discountReservations.checkoutId, checkoutId), inArray(discountReservations.status, ["active", "consumed"])));
}

export function isDiscountLimitError(error: unknown): boolean {
  return errorText(error).includes("discounts_usage_within_limit");
}
