/** The stock ledger: on-hand and reserved units per variant, their adjustments, reservations and purchase limits. */
import { sql } from "drizzle-orm";
import { check, index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { variants } from "./catalog";

export const inventory = sqliteTable(
  "inventory",
  {
    variantId: text("variant_id")
      .primaryKey()
      .references(() => variants.id),
    onHand: integer("on_hand").notNull(),
    reserved: integer("reserved").notNull().default(0),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [
    check("inventory_on_hand_nonnegative", sql`${t.onHand} >= 0`),
    check("inventory_reserved_nonnegative", sql`${t.reserved} >= 0`),
    check("inventory_reserved_within_on_hand", sql`${t.reserved} <= ${t.onHand}`),
  ],
);

/** Every admin change to on_hand (initial stock included), so conservation can be checked. */
export const inventoryAdjustments = sqliteTable(
  "inventory_adjustments",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    variantId: text("variant_id")
      .notNull()
      .references(() => variants.id),
    delta: integer("delta").notNull(),
    reason: text("reason").notNull(),
    at: text("at").notNull(),
  },
  (t) => [index("inventory_adjustments_variant_idx").on(t.variantId)],
);

export const stockReservations = sqliteTable(
  "stock_reservations",
  {
    checkoutId: text("checkout_id").notNull(),
    variantId: text("variant_id")
      .notNull()
      .references(() => variants.id),
    quantity: integer("quantity").notNull(),
    status: text("status", { enum: ["active", "committed", "released"] }).notNull(),
    expiresAt: text("expires_at").notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    /** The cart's email in lower case when the checkout started: who a purchase limit counts. */
    customerEmail: text("customer_email"),
  },
  (t) => [
    primaryKey({ columns: [t.checkoutId, t.variantId] }),
    index("stock_reservations_status_expires_idx").on(t.status, t.expiresAt),
    index("stock_reservations_variant_idx").on(t.variantId, t.status),
    index("stock_reservations_customer_idx").on(t.variantId, t.customerEmail),
    check("stock_reservations_quantity_positive", sql`${t.quantity} > 0`),
  ],
);

/**
 * Per-customer purchase limits of drop variants. A trigger (migration 0004) refuses a
 * reservation that would take a customer's active plus committed units past the limit,
 * inside the reservation batch, so racing checkouts can never pass it.
 */
export const purchaseLimits = sqliteTable(
  "purchase_limits",
  {
    variantId: text("variant_id")
      .primaryKey()
      .references(() => variants.id),
    maxPerCustomer: integer("max_per_customer").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [check("purchase_limits_max_positive", sql`${t.maxPerCustomer} >= 1`)],
);
