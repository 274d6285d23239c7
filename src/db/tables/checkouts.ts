/** A checkout and what it holds: its timeline, its discount reservations and its signed price snapshot (quote). */
import { sql } from "drizzle-orm";
import { check, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { discounts } from "./catalog";
import { lineFigures } from "./line-figures";

export const checkouts = sqliteTable(
  "checkouts",
  {
    id: text("id").primaryKey(),
    cartId: text("cart_id").notNull(),
    state: text("state").notNull(),
    phase: text("phase").notNull(),
    currency: text("currency").notNull(),
    total: integer("total"),
    orderId: text("order_id"),
    attempts: integer("attempts").notNull().default(0),
    failureReason: text("failure_reason", { mode: "json" }),
    createdAt: text("created_at").notNull(),
    lockedAt: text("locked_at"),
    completedAt: text("completed_at"),
    failedAt: text("failed_at"),
    cancelledAt: text("cancelled_at"),
    expiredAt: text("expired_at"),
    expiresAt: text("expires_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [
    index("checkouts_cart_idx").on(t.cartId, t.createdAt),
    index("checkouts_state_expires_idx").on(t.state, t.expiresAt),
    index("checkouts_created_idx").on(t.createdAt),
  ],
);

/** The timeline of a checkout: one row per state transition or notable step. */
export const checkoutEvents = sqliteTable(
  "checkout_events",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    checkoutId: text("checkout_id").notNull(),
    at: text("at").notNull(),
    state: text("state").notNull(),
    phase: text("phase").notNull(),
    event: text("event").notNull(),
    /** Unique per checkout, so a batch replayed after a crash adds no duplicate entry. */
    key: text("key").notNull(),
    detail: text("detail", { mode: "json" }).$type<Record<string, unknown>>(),
  },
  (t) => [index("checkout_events_checkout_idx").on(t.checkoutId, t.id), uniqueIndex("checkout_events_key_unique").on(t.checkoutId, t.key)],
);

export const discountReservations = sqliteTable(
  "discount_reservations",
  {
    checkoutId: text("checkout_id").notNull(),
    code: text("code")
      .notNull()
      .references(() => discounts.code),
    status: text("status", { enum: ["active", "consumed", "released"] }).notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.checkoutId, t.code] }), index("discount_reservations_code_idx").on(t.code, t.status)],
);

/** The signed price snapshot (quote) frozen at price lock: cart and line figures in `body`. */
export const quotes = sqliteTable(
  "quotes",
  {
    id: text("id").primaryKey(),
    checkoutId: text("checkout_id").notNull(),
    currency: text("currency").notNull(),
    exchangeRate: text("exchange_rate").notNull(),
    exchangeRateUpdatedAt: text("exchange_rate_updated_at"),
    subtotal: integer("subtotal").notNull(),
    discountTotal: integer("discount_total").notNull(),
    taxTotal: integer("tax_total").notNull(),
    total: integer("total").notNull(),
    body: text("body", { mode: "json" }).notNull(),
    signature: text("signature").notNull(),
    status: text("status", { enum: ["active", "used", "released"] }).notNull(),
    createdAt: text("created_at").notNull(),
    expiresAt: text("expires_at").notNull(),
  },
  (t) => [uniqueIndex("quotes_checkout_unique").on(t.checkoutId), check("quotes_total_nonnegative", sql`${t.total} >= 0`)],
);

/** Line-level price snapshots of each quote, for queries and audits. */
export const priceSnapshots = sqliteTable(
  "price_snapshots",
  {
    quoteId: text("quote_id").notNull(),
    ...lineFigures(),
  },
  (t) => [primaryKey({ columns: [t.quoteId, t.lineId] })],
);
