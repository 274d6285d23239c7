/**
 * Catalog reads for pricing: everything a cart or a checkout needs about its
 * variants, currencies, tax and discounts, in one D1 batch (one round trip).
 */
import { eq, inArray } from "drizzle-orm";
import type { CurrencyInfo, DiscountRule, TaxRateInfo } from "../checkout/pricing";
import type { Database } from "./client";
import { inJsonArray } from "./json-rows";
import { currencies, discounts, products, taxRates, variantPrices, variants } from "./schema";
import { stockLevelQuery, toStockLevel, type StockLevel } from "./stock-levels";

export interface CatalogVariant {
  id: string;
  productId: string;
  sku: string;
  title: string;
  productTitle: string;
  taxClass: string;
  active: boolean;
  prices: Record<string, number>;
}

export interface CatalogSnapshot {
  variants: Map<string, CatalogVariant>;
  currencies: Map<string, CurrencyInfo>;
  taxRates: TaxRateInfo[];
  discounts: Map<string, DiscountRule>;
  /** Stock per variant when read (free units, and when held ones lapse); the ledger's CHECK still decides. */
  stock: Map<string, StockLevel>;
}

export interface CatalogRequest {
  variantIds: string[];
  currencyCodes: string[];
  country: string | null;
  discountCodes: string[];
}

// SQLite limits bound parameters per statement; carts hold at most 100 lines.
const unique = (values: string[]) => [...new Set(values)];

export async function loadCatalog(db: Database, req: CatalogRequest): Promise<CatalogSnapshot> {
  const variantIds = unique(req.variantIds);
  const codes = unique(req.discountCodes);
  // An IN () with no values is not valid SQL, so absent lists query a value that cannot match.
  const orNone = (values: string[]) => (values.length ? values : ["\u0000"]);
  // Variant ids travel as one JSON parameter: D1 binds at most 100 per statement, and a
  // full cart plus the variant being added is 101.
  // Variants and products are read separately: D1 returns rows keyed by column name, so
  // a join would let products.title/active overwrite variants.title/active.
  const [variantRows, productRows, priceRows, currencyRows, taxRows, discountRows, stockRows] = await db.batch([
    ...variantQueries(db, variantIds),
    db
      .select()
      .from(currencies)
      .where(inArray(currencies.code, orNone(unique(req.currencyCodes)))),
    db
      .select()
      .from(taxRates)
      .where(eq(taxRates.country, req.country ?? "\u0000")),
    db
      .select()
      .from(discounts)
      .where(inArray(discounts.code, orNone(codes))),
    // Stock rides along (same round trip), so a start can refuse a short cart before it
    // sends a reservation batch that must fail.
    stockLevelQuery(db, variantIds),
  ]);
  return {
    variants: toCatalogVariants(variantRows, productRows, priceRows),
    currencies: new Map(currencyRows.map((c) => [c.code, toCurrencyInfo(c)])),
    taxRates: taxRows.map(toTaxRateInfo),
    discounts: new Map(discountRows.map((d) => [d.code, toDiscountRule(d)])),
    stock: new Map(stockRows.map((s) => [s.variantId, toStockLevel(s)])),
  };
}

/** The statements reading variants with their products and prices (one batch's worth). */
export function variantQueries(db: Database, variantIds: string[]) {
  return [
    db.select().from(variants).where(inJsonArray(variants.id, variantIds)),
    db
      .select({ id: products.id, title: products.title, active: products.active })
      .from(products)
      .where(inArray(products.id, db.select({ id: variants.productId }).from(variants).where(inJsonArray(variants.id, variantIds)))),
    db.select().from(variantPrices).where(inJsonArray(variantPrices.variantId, variantIds)),
  ] as const;
}

export function toCatalogVariants(
  variantRows: Array<typeof variants.$inferSelect>,
  productRows: Array<{ id: string; title: string; active: boolean }>,
  priceRows: Array<typeof variantPrices.$inferSelect>,
): Map<string, CatalogVariant> {
  const productById = new Map(productRows.map((p) => [p.id, p]));
  const prices = new Map<string, Record<string, number>>();
  for (const p of priceRows) {
    const entry = prices.get(p.variantId) ?? {};
    entry[p.currency] = p.amount;
    prices.set(p.variantId, entry);
  }
  return new Map(
    variantRows.map((v) => {
      const product = productById.get(v.productId);
      return [
        v.id,
        {
          id: v.id,
          productId: v.productId,
          sku: v.sku,
          title: v.title,
          productTitle: product?.title ?? v.title,
          taxClass: v.taxClass,
          active: v.active && (product?.active ?? false),
          prices: prices.get(v.id) ?? {},
        },
      ];
    }),
  );
}

export function toCurrencyInfo(c: typeof currencies.$inferSelect): CurrencyInfo {
  return { code: c.code, exponent: c.exponent, rateFromBase: c.rateFromBase, updatedAt: c.updatedAt };
}

export function toTaxRateInfo(t: typeof taxRates.$inferSelect): TaxRateInfo {
  return { country: t.country, taxClass: t.taxClass, name: t.name, rateBps: t.rateBps, inclusive: t.inclusive };
}

export function toDiscountRule(d: typeof discounts.$inferSelect): DiscountRule {
  return {
    code: d.code,
    type: d.type,
    percentBps: d.percentBps,
    amount: d.amount,
    currency: d.currency,
    startsAt: d.startsAt,
    endsAt: d.endsAt,
    usageLimit: d.usageLimit,
    usedCount: d.usedCount,
    reservedCount: d.reservedCount,
    minSubtotal: d.minSubtotal,
    active: d.active,
  };
}

// Currencies are only ever added or updated (PUT /admin/api/currencies), never removed, so
// a code seen once stays valid: creating a cart then skips a D1 round trip. Unknown codes
// are asked again every time, so a currency added later is accepted at once. The exponent
// remembered with it only labels a new, empty cart's zero totals: a cart with lines is
// priced, and labelled, from a fresh catalog read.
const knownCurrencies = new Map<string, number>();

/** `currencyExponent`, remembered per isolate once known: for cart creation, which otherwise needs no D1 read. */
export async function knownCurrencyExponent(db: Database, code: string): Promise<number | null> {
  const known = knownCurrencies.get(code);
  if (known !== undefined) return known;
  const row = await db.select({ exponent: currencies.exponent }).from(currencies).where(eq(currencies.code, code)).get();
  if (row) knownCurrencies.set(code, row.exponent);
  return row?.exponent ?? null;
}

/** A currency's exponent changed here (an admin write): new carts ask D1 again. */
export function forgetKnownCurrency(code: string): void {
  knownCurrencies.delete(code);
}

/** Every remembered currency (tests restoring the catalog between files). */
export function forgetKnownCurrencies(): void {
  knownCurrencies.clear();
}

/** The exponent the catalog counts a currency with, or null for an unknown code. */
export async function currencyExponent(db: Database, code: string): Promise<number | null> {
  const row = await db.select({ exponent: currencies.exponent }).from(currencies).where(eq(currencies.code, code)).get();
  return row?.exponent ?? null;
}
