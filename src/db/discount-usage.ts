/**
 * Discount usage limits, a shared resource like stock: reserved at price lock,
 * consumed at order creation, released on rollback. Triggers keep the counters on
 * `discounts` equal to the reservation rows, and a CHECK stops them passing the limit.
 */
import { and, eq, inArray, isNotNull, sql } from "drizzle-orm";
import type { Database } from "./client";
import { inJsonArray } from "./json-rows";
import { discountReservations, discounts } from "./schema";
import { errorText } from "../lib/error-text";

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
  return releaseDiscountsOf(db, [checkoutId], now);
}

/** Releases the discount uses of many checkouts in one statement (one bound parameter for the ids). */
export function releaseDiscountsOf(db: Database, checkoutIds: string[], now: string) {
  return db
    .update(discountReservations)
    .set({ status: "released", updatedAt: now })
    .where(and(inJsonArray(discountReservations.checkoutId, checkoutIds), inArray(discountReservations.status, ["active", "consumed"])));
}

export function isDiscountLimitError(error: unknown): boolean {
  return errorText(error).includes("discounts_usage_within_limit");
}

/** Which of `codes` have no use left (used + reserved at the limit), in the order given. */
export async function exhaustedDiscountCodes(db: Database, codes: string[]): Promise<string[]> {
  if (codes.length === 0) return [];
  const rows = await db
    .select({ code: discounts.code })
    .from(discounts)
    .where(
      and(inArray(discounts.code, codes), isNotNull(discounts.usageLimit), sql`${discounts.usedCount} + ${discounts.reservedCount} >= ${discounts.usageLimit}`),
    );
  const exhausted = new Set(rows.map((r) => r.code));
  return codes.filter((c) => exhausted.has(c));
}
