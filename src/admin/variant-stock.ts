/**
 * What the console's Stock pages show: each variant with its product, stock and purchase
 * limit, and the customers holding the most units of a limited variant. Read-only; the
 * limit is written through the same module as the admin API's.
 */
import { and, desc, eq, inArray, or, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { inventory, products, purchaseLimits, stockReservations, variants } from "../db/schema";

export interface VariantStock {
  id: string;
  sku: string;
  title: string;
  product_title: string;
  on_hand: number;
  reserved: number;
  available: number;
  max_per_customer: number | null;
}

export interface CustomerHolding {
  email: string;
  units: number;
}

/** Rows the Stock list shows at most: a search narrows it. */
export const STOCK_PAGE_SIZE = 100;

function variantStockQuery(db: Database) {
  return db
    .select({
      id: variants.id,
      sku: variants.sku,
      title: variants.title,
      productTitle: products.title,
      onHand: sql<number>`coalesce(${inventory.onHand}, 0)`,
      reserved: sql<number>`coalesce(${inventory.reserved}, 0)`,
      maxPerCustomer: purchaseLimits.maxPerCustomer,
    })
    .from(variants)
    .innerJoin(products, eq(products.id, variants.productId))
    .leftJoin(inventory, eq(inventory.variantId, variants.id))
    .leftJoin(purchaseLimits, eq(purchaseLimits.variantId, variants.id));
}

type Row = Awaited<ReturnType<ReturnType<typeof variantStockQuery>["all"]>>[number];

const toVariantStock = (r: Row): VariantStock => ({
  id: r.id,
  sku: r.sku,
  title: r.title,
  product_title: r.productTitle,
  on_hand: r.onHand,
  reserved: r.reserved,
  available: r.onHand - r.reserved,
  max_per_customer: r.maxPerCustomer ?? null,
});

/** Newest variants first; `search` matches the start of a SKU, or a variant id exactly. */
export async function listVariantStock(db: Database, search: string | null): Promise<VariantStock[]> {
  const escaped = search?.replace(/[\\%_]/g, (ch) => `\\${ch}`);
  const where = escaped ? or(sql`${variants.sku} LIKE ${`${escaped}%`} ESCAPE '\\'`, eq(variants.id, search!)) : undefined;
  const rows = await variantStockQuery(db).where(where).orderBy(desc(variants.createdAt), desc(variants.id)).limit(STOCK_PAGE_SIZE);
  return rows.map(toVariantStock);
}

/** One variant's stock and limit, and who holds the most of it (only when it is limited). */
export async function readVariantStock(db: Database, id: string): Promise<{ variant: VariantStock; holders: CustomerHolding[] } | null> {
  // Not one batch: D1's batch answers rows keyed by column name, which a join's two `title`s collide in.
  const [rows, holders] = await Promise.all([
    variantStockQuery(db).where(eq(variants.id, id)),
    db
      .select({ email: stockReservations.customerEmail, units: sql<number>`sum(${stockReservations.quantity})` })
      .from(stockReservations)
      .where(
        and(
          eq(stockReservations.variantId, id),
          inArray(stockReservations.status, ["active", "committed"]),
          sql`${stockReservations.customerEmail} IS NOT NULL`,
          sql`EXISTS (SELECT 1 FROM ${purchaseLimits} WHERE ${purchaseLimits.variantId} = ${id})`,
        ),
      )
      .groupBy(stockReservations.customerEmail)
      .orderBy(desc(sql`sum(${stockReservations.quantity})`))
      .limit(20),
  ]);
  const row = rows[0];
  if (!row) return null;
  return { variant: toVariantStock(row), holders: holders.map((h) => ({ email: h.email!, units: Number(h.units) })) };
}
