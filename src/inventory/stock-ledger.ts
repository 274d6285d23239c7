/**
 * The stock ledger: reserve, commit, release and expire, each keyed by checkout id and
 * each a set of statements for one atomic D1 batch. Triggers (migration 0001) move
 * `inventory.reserved`/`on_hand` when a reservation row changes status, and a CHECK
 * makes a reservation beyond stock raise, which rolls the whole batch back. Restocks
 * (migration 0003) give units of a refunded order back: a restock row adds to `on_hand`.
 * Keep every stock write behind this module so a sharded per-SKU object can replace it.
 */
import { and, eq, lt, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { inJsonArray, insertJsonRows } from "../db/json-rows";
import { refundLines, refunds, stockReservations, stockRestocks } from "../db/schema";
import { stockLevelQuery, toStockLevel, type StockLevel } from "../db/stock-levels";
import { errorText } from "../lib/error-text";
import { availabilityCache } from "./availability-cache";

export interface ReservationLine {
  variantId: string;
  quantity: number;
}

/** Who a purchase limit counts: one customer whatever the case of their email. */
export function customerKey(email: string | null | undefined): string | null {
  const key = email?.trim().toLowerCase();
  return key ? key : null;
}

/**
 * Insert the checkout's reservations; replaying them after a crash changes nothing. The
 * cart's email goes on each row (lower-cased) so the purchase-limit trigger can count
 * the customer's units in the same batch.
 */
export function reserveStock(db: Database, checkoutId: string, lines: ReservationLine[], expiresAt: string, now: string, email: string | null = null) {
  const customerEmail = customerKey(email);
  const byVariant = new Map<string, number>();
  for (const l of lines) byVariant.set(l.variantId, (byVariant.get(l.variantId) ?? 0) + l.quantity);
  // One bound parameter for all lines: D1 binds at most 100 per statement (7 per row here).
  return insertJsonRows(
    db,
    stockReservations,
    [...byVariant].map(([variantId, quantity]) => ({
      checkoutId,
      variantId,
      quantity,
      status: "active" as const,
      expiresAt,
      createdAt: now,
      updatedAt: now,
      customerEmail,
    })),
  ).onConflictDoNothing();
}

/**
 * A statement that fails its batch (malformed JSON raises inside D1) unless the checkout
 * holds reservations and every one is still active: an order is only ever written
 * beside the stock it will take, even when the cleanup job released it meanwhile.
 */
export function requireActiveReservations(db: Database, checkoutId: string) {
  // An aggregate answers one row even when no reservation matches, so the guard always runs.
  const guard = sql<number>`json(CASE WHEN count(*) > 0 AND sum(${stockReservations.status} <> 'active') = 0 THEN '0' ELSE 'stock_reservations_not_active' END)`;
  return db.select({ guard }).from(stockReservations).where(eq(stockReservations.checkoutId, checkoutId));
}

/** Whether every reservation of the checkout is still active (read after a refused order batch). */
export async function reservationsActive(db: Database, checkoutId: string): Promise<boolean> {
  const rows = await db.select({ status: stockReservations.status }).from(stockReservations).where(eq(stockReservations.checkoutId, checkoutId));
  return rows.length > 0 && rows.every((r) => r.status === "active");
}

/** Move the deadline of the checkout's active reservations (they follow the checkout's one deadline). */
export function extendReservations(db: Database, checkoutId: string, expiresAt: string, now: string) {
  return db
    .update(stockReservations)
    .set({ expiresAt, updatedAt: now })
    .where(and(eq(stockReservations.checkoutId, checkoutId), eq(stockReservations.status, "active")));
}

/** Turn the checkout's active reservations into taken stock. */
export function commitStock(db: Database, checkoutId: string, now: string) {
  return db
    .update(stockReservations)
    .set({ status: "committed", updatedAt: now })
    .where(and(eq(stockReservations.checkoutId, checkoutId), eq(stockReservations.status, "active")));
}

/** Give the checkout's active reservations back. */
export function releaseStock(db: Database, checkoutId: string, now: string) {
  return db
    .update(stockReservations)
    .set({ status: "released", updatedAt: now })
    .where(and(eq(stockReservations.checkoutId, checkoutId), eq(stockReservations.status, "active")));
}

/**
 * Return the units of a succeeded refund that asked for a restock, once: keyed by refund
 * and variant, and a no-op for a refund that is not (yet) succeeded, so the refund's
 * settle batch can always carry it.
 */
export function restockRefund(db: Database, refundId: string, now: string) {
  return db
    .insert(stockRestocks)
    .select(
      db
        .select({
          refundId: refundLines.refundId,
          variantId: refundLines.variantId,
          quantity: sql<number>`sum(${refundLines.quantity})`.as("quantity"),
          createdAt: sql<string>`${now}`.as("created_at"),
        })
        .from(refundLines)
        .innerJoin(refunds, eq(refunds.id, refundLines.refundId))
        .where(and(eq(refunds.id, refundId), eq(refunds.status, "succeeded"), eq(refunds.restock, true)))
        .groupBy(refundLines.refundId, refundLines.variantId),
    )
    .onConflictDoNothing();
}

/**
 * Release active reservations of the given checkouts (the cleanup job's orphans). The ids
 * travel as one JSON parameter, so one statement serves any number of them within D1's
 * 100 bound parameters.
 */
export function releaseStockOf(db: Database, checkoutIds: string[], now: string) {
  return db
    .update(stockReservations)
    .set({ status: "released", updatedAt: now })
    .where(and(inJsonArray(stockReservations.checkoutId, checkoutIds), eq(stockReservations.status, "active")));
}

export async function readStock(db: Database, variantIds: string[]): Promise<Map<string, StockLevel>> {
  if (variantIds.length === 0) return new Map();
  const readAt = availabilityCache.clock();
  const rows = await stockLevelQuery(db, [...new Set(variantIds)]);
  const levels = new Map(rows.map((r) => [r.variantId, toStockLevel(r)]));
  // Every stock read teaches the isolate's sold-out knowledge.
  availabilityCache.record(levels.values(), readAt);
  return levels;
}

/** Active reservations past `before`, oldest first (for the cleanup job). */
export function overdueReservations(db: Database, before: string, limit: number) {
  return db
    .select({ checkoutId: stockReservations.checkoutId })
    .from(stockReservations)
    .where(and(eq(stockReservations.status, "active"), lt(stockReservations.expiresAt, before)))
    .groupBy(stockReservations.checkoutId)
    .orderBy(sql`min(${stockReservations.expiresAt})`)
    .limit(limit);
}

/** Which D1 error a failed reservation batch raised. */
export function isStockConstraintError(error: unknown): boolean {
  return errorText(error).includes("inventory_reserved_within_on_hand") || errorText(error).includes("inventory_missing");
}
