/** What is for sale and at what price: products, variants, prices, currencies, tax rates and discount codes. */
import { sql } from "drizzle-orm";
import { check, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const products = sqliteTable("products", {
  id: text("id").primaryKey(),
  title: text("title").notNull(),
  active: integer("active", { mode: "boolean" }).notNull().default(true),
  createdAt: text("created_at").notNull(),
});

export const variants = sqliteTable(
  "variants",
  {
    id: text("id").primaryKey(),
    productId: text("product_id")
      .notNull()
      .references(() => products.id),
    sku: text("sku").notNull(),
    title: text("title").notNull(),
    taxClass: text("tax_class").notNull().default("standard"),
    active: integer("active", { mode: "boolean" }).notNull().default(true),
    createdAt: text("created_at").notNull(),
  },
  (t) => [uniqueIndex("variants_sku_unique").on(t.sku), index("variants_product_idx").on(t.productId)],
);

export const variantPrices = sqliteTable(
  "variant_prices",
  {
    variantId: text("variant_id")
      .notNull()
      .references(() => variants.id),
    currency: text("currency").notNull(),
    amount: integer("amount").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.variantId, t.currency] }), check("variant_prices_amount_nonnegative", sql`${t.amount} >= 0`)],
);

export const currencies = sqliteTable("currencies", {
  code: text("code").primaryKey(),
  exponent: integer("exponent").notNull(),
  /** Decimal string: units of this currency per one unit of the base currency. */
  rateFromBase: text("rate_from_base").notNull(),
  updatedAt: text("updated_at").notNull(),
});

export const taxRates = sqliteTable(
  "tax_rates",
  {
    country: text("country").notNull(),
    taxClass: text("tax_class").notNull(),
    name: text("name").notNull(),
    rateBps: integer("rate_bps").notNull(),
    inclusive: integer("inclusive", { mode: "boolean" }).notNull().default(false),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.country, t.taxClass] }), check("tax_rates_rate_range", sql`${t.rateBps} >= 0 AND ${t.rateBps} <= 10000`)],
);

export const discounts = sqliteTable(
  "discounts",
  {
    code: text("code").primaryKey(),
    type: text("type", { enum: ["percentage", "fixed"] }).notNull(),
    /** Percentage in basis points (10% = 1000). */
    percentBps: integer("percent_bps"),
    amount: integer("amount"),
    currency: text("currency"),
    startsAt: text("starts_at"),
    endsAt: text("ends_at"),
    usageLimit: integer("usage_limit"),
    minSubtotal: integer("min_subtotal"),
    usedCount: integer("used_count").notNull().default(0),
    reservedCount: integer("reserved_count").notNull().default(0),
    active: integer("active", { mode: "boolean" }).notNull().default(true),
    createdAt: text("created_at").notNull(),
  },
  (t) => [
    check("discounts_usage_within_limit", sql`${t.usageLimit} IS NULL OR ${t.usedCount} + ${t.reservedCount} <= ${t.usageLimit}`),
    check("discounts_counts_nonnegative", sql`${t.usedCount} >= 0 AND ${t.reservedCount} >= 0`),
  ],
);
