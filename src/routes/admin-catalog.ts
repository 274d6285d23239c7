/** The admin catalog (docs/contract.md, Admin): products, stock, prices, discounts, tax rates, currencies. */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { eq, sql } from "drizzle-orm";
import { decimalToScaled } from "../checkout/money";
import { forgetKnownCurrency } from "../db/catalog";
import { catalogCache } from "../db/catalog-cache";
import { createDb, isoNow } from "../db/client";
import { inJsonArray, insertJsonRows } from "../db/json-rows";
import { currencies, discounts, inventory, inventoryAdjustments, products, taxRates, variantPrices, variants } from "../db/schema";
import { availabilityCache } from "../inventory/availability-cache";
import { errorText } from "../lib/error-text";
import { getConfig } from "../lib/config";
import { AppError, notFound, validationError } from "../lib/errors";
import { newId } from "../lib/ids";
import type { AppEnv } from "./carts";
import { jsonBody, jsonResponse } from "./http";
import { CreatedProductSchema, CurrencySchema, DiscountSchema, StockSchema, TaxRateSchema, VariantPricesSchema } from "./admin-catalog-schemas";
import { ADMIN_ERRORS, BODY_ERRORS, errorResponses } from "./error-responses";
import { CountryCode, CurrencyCode, DiscountCode, Money } from "./schemas";
import { ADMIN_SECURITY } from "./openapi-security";

export const adminCatalogRoutes = new OpenAPIHono<AppEnv>();

const Sku = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._-]+$/, "Letters, digits, '.', '_' and '-' only");
const TaxClass = z
  .string()
  .trim()
  .min(1)
  .max(32)
  .regex(/^[a-z0-9_-]+$/, "Lower-case letters, digits, _ and -");
const Prices = z.record(CurrencyCode, Money).refine((p) => Object.keys(p).length <= 50, "At most 50 prices");
const Stock = z.number().int().min(0).max(1_000_000_000);

const CreateProductBody = z.strictObject({
  title: z.string().trim().min(1).max(200),
  variants: z
    .array(
      z.strictObject({
        sku: Sku,
        title: z.string().trim().min(1).max(200).optional(),
        prices: Prices,
        stock: Stock.default(0),
        tax_class: TaxClass.default("standard"),
      }),
    )
    .min(1)
    .max(100),
});

async function assertCurrencies(db: ReturnType<typeof createDb>, codes: string[]): Promise<void> {
  if (codes.length === 0) return;
  const rows = await db.select({ code: currencies.code }).from(currencies).where(inJsonArray(currencies.code, codes));
  const known = new Set(rows.map((r) => r.code));
  const missing = codes.filter((c) => !known.has(c));
  if (missing.length) {
    throw validationError(
      `Unknown currencies: ${missing.join(", ")}. Add them with PUT /admin/api/currencies/{code}.`,
      missing.map((m) => ({ path: `prices.${m}`, message: "Unknown currency" })),
    );
  }
}

function stockJson(row: { variantId: string; onHand: number; reserved: number }) {
  return { variant_id: row.variantId, on_hand: row.onHand, reserved: row.reserved, available: row.onHand - row.reserved };
}

adminCatalogRoutes.openapi(
  createRoute({
    method: "post",
    path: "/admin/api/products",
    operationId: "createProduct",
    tags: ["admin"],
    summary: "Create a product with its variants, prices and stock",
    security: ADMIN_SECURITY,
    request: jsonBody(CreateProductBody),
    responses: {
      201: jsonResponse(z.object({ product: CreatedProductSchema }), "The product"),
      ...errorResponses(...ADMIN_ERRORS, ...BODY_ERRORS, "sku_exists"),
    },
  }),
  async (c) => {
    const body = c.req.valid("json");
    const db = createDb(c.env.DB);
    const skus = body.variants.map((v) => v.sku);
    if (new Set(skus).size !== skus.length) throw validationError("SKUs must be unique.", [{ path: "variants", message: "Duplicate SKU" }]);
    await assertCurrencies(
      db,
      body.variants.flatMap((v) => Object.keys(v.prices)),
    );
    const existing = await db.select({ sku: variants.sku }).from(variants).where(inJsonArray(variants.sku, skus));
    if (existing.length) throw new AppError("sku_exists", "A variant with this SKU exists already.", { skus: existing.map((e) => e.sku) });
    const now = isoNow();
    const productId = newId("prod");
    const created = body.variants.map((v) => ({ ...v, id: newId("var"), title: v.title ?? body.title }));
    try {
      await db.batch([
        db.insert(products).values({ id: productId, title: body.title, createdAt: now }),
        // Rows as one JSON parameter each: D1 binds at most 100 per statement (a product has up to 100 variants).
        insertJsonRows(
          db,
          variants,
          created.map((v) => ({ id: v.id, productId, sku: v.sku, title: v.title, taxClass: v.tax_class, active: true, createdAt: now })),
        ),
        // Every variant's prices in one statement: 100 variants × 30 currencies is 3,000 rows.
        insertJsonRows(
          db,
          variantPrices,
          created.flatMap((v) => Object.entries(v.prices).map(([currency, amount]) => ({ variantId: v.id, currency, amount, updatedAt: now }))),
        ),
        insertJsonRows(
          db,
          inventory,
          created.map((v) => ({ variantId: v.id, onHand: v.stock, reserved: 0, updatedAt: now })),
        ),
        insertJsonRows(
          db,
          inventoryAdjustments,
          created.map((v) => ({ variantId: v.id, delta: v.stock, reason: "initial", at: now })),
        ),
      ]);
    } catch (error) {
      if (errorText(error).includes("UNIQUE")) throw new AppError("sku_exists", "A variant with this SKU exists already.", { skus });
      throw error;
    }
    return c.json(
      {
        product: {
          id: productId,
          title: body.title,
          variants: created.map((v) => ({
            id: v.id,
            sku: v.sku,
            title: v.title,
            tax_class: v.tax_class,
            prices: v.prices,
            stock: { on_hand: v.stock, reserved: 0, available: v.stock },
          })),
        },
      },
      201,
    );
  },
);

const VariantParam = z.object({
  id: z
    .string()
    .max(64)
    .openapi({ param: { name: "id", in: "path" } }),
});
adminCatalogRoutes.openapi(
  createRoute({
    method: "get",
    path: "/admin/api/variants/{id}/stock",
    operationId: "getVariantStock",
    tags: ["admin"],
    summary: "Stock of a variant",
    security: ADMIN_SECURITY,
    request: { params: VariantParam },
    responses: { 200: jsonResponse(StockSchema, "Stock"), ...errorResponses(...ADMIN_ERRORS, "not_found") },
  }),
  async (c) => {
    const db = createDb(c.env.DB);
    const row = await db
      .select()
      .from(inventory)
      .where(eq(inventory.variantId, c.req.valid("param").id))
      .get();
    if (!row) throw notFound("Variant");
    return c.json(stockJson(row), 200);
  },
);

adminCatalogRoutes.openapi(
  createRoute({
    method: "put",
    path: "/admin/api/variants/{id}/stock",
    operationId: "setVariantStock",
    tags: ["admin"],
    summary: "Set on-hand stock (never below what is reserved)",
    security: ADMIN_SECURITY,
    request: { params: VariantParam, ...jsonBody(z.strictObject({ on_hand: Stock })) },
    responses: { 200: jsonResponse(StockSchema, "Stock"), ...errorResponses(...ADMIN_ERRORS, ...BODY_ERRORS, "not_found", "stock_below_reserved") },
  }),
  async (c) => {
    const db = createDb(c.env.DB);
    const variantId = c.req.valid("param").id;
    const onHand = c.req.valid("json").on_hand;
    const now = isoNow();
    let rows: Array<typeof inventory.$inferSelect>;
    try {
      // The adjustment row and the new level land together, so stock is always accounted for.
      [, , rows] = await db.batch([
        db.insert(inventoryAdjustments).select(
          db
            // All columns in table order (drizzle's rule for INSERT … SELECT); a NULL id autoincrements.
            .select({
              id: sql<number>`NULL`.as("id"),
              variantId: inventory.variantId,
              delta: sql<number>`${onHand} - ${inventory.onHand}`.as("delta"),
              reason: sql<string>`'admin'`.as("reason"),
              at: sql<string>`${now}`.as("at"),
            })
            .from(inventory)
            .where(eq(inventory.variantId, variantId)),
        ),
        db.update(inventory).set({ onHand, updatedAt: now }).where(eq(inventory.variantId, variantId)),
        db.select().from(inventory).where(eq(inventory.variantId, variantId)),
      ]);
    } catch (error) {
      if (errorText(error).includes("inventory_reserved_within_on_hand")) {
        const current = await db.select().from(inventory).where(eq(inventory.variantId, variantId)).get();
        throw new AppError("stock_below_reserved", "on_hand cannot go below the units reserved by active checkouts.", {
          requested: onHand,
          reserved: current?.reserved,
        });
      }
      throw error;
    }
    const row = rows[0];
    if (!row) throw notFound("Variant");
    // New units are sellable in this isolate at once (elsewhere within a second).
    availabilityCache.forget([variantId]);
    return c.json(stockJson(row), 200);
  },
);

adminCatalogRoutes.openapi(
  createRoute({
    method: "put",
    path: "/admin/api/variants/{id}/prices",
    operationId: "setVariantPrices",
    tags: ["admin"],
    summary: "Set prices by currency (minor units)",
    security: ADMIN_SECURITY,
    request: { params: VariantParam, ...jsonBody(Prices) },
    responses: { 200: jsonResponse(VariantPricesSchema, "Prices"), ...errorResponses(...ADMIN_ERRORS, ...BODY_ERRORS, "not_found") },
  }),
  async (c) => {
    const db = createDb(c.env.DB);
    const variantId = c.req.valid("param").id;
    const prices = c.req.valid("json");
    const variant = await db.select({ id: variants.id }).from(variants).where(eq(variants.id, variantId)).get();
    if (!variant) throw notFound("Variant");
    await assertCurrencies(db, Object.keys(prices));
    const now = isoNow();
    const rows = Object.entries(prices).map(([currency, amount]) => ({ variantId, currency, amount, updatedAt: now }));
    // One statement however many currencies (a batch of one per currency would pass D1's 1,000).
    if (rows.length) {
      await insertJsonRows(db, variantPrices, rows).onConflictDoUpdate({
        target: [variantPrices.variantId, variantPrices.currency],
        set: { amount: sql`excluded.amount`, updatedAt: sql`excluded.updated_at` },
      });
    }
    catalogCache.forgetVariants([variantId]);
    const all = await db.select().from(variantPrices).where(eq(variantPrices.variantId, variantId));
    return c.json({ variant_id: variantId, prices: Object.fromEntries(all.map((p) => [p.currency, p.amount])) }, 200);
  },
);

const CreateDiscountBody = z
  .strictObject({
    code: DiscountCode,
    type: z.enum(["percentage", "fixed"]),
    percent: z.number().gt(0).max(100).optional(),
    amount: Money.optional(),
    currency: CurrencyCode.optional(),
    starts_at: z.iso.datetime().optional(),
    ends_at: z.iso.datetime().optional(),
    usage_limit: z.number().int().min(1).max(1_000_000_000).optional(),
    min_subtotal: Money.optional(),
  })
  .superRefine((d, ctx) => {
    if (d.type === "percentage" && d.percent === undefined) ctx.addIssue({ code: "custom", path: ["percent"], message: "Required for a percentage discount" });
    if (d.type === "percentage" && d.percent !== undefined && decimalToScaled(d.percent, 2) === null) {
      ctx.addIssue({ code: "custom", path: ["percent"], message: "At most two decimals" });
    }
    if (d.type === "fixed" && d.amount === undefined) ctx.addIssue({ code: "custom", path: ["amount"], message: "Required for a fixed discount" });
    if (d.starts_at && d.ends_at && d.starts_at >= d.ends_at) ctx.addIssue({ code: "custom", path: ["ends_at"], message: "Must be after starts_at" });
  });

adminCatalogRoutes.openapi(
  createRoute({
    method: "post",
    path: "/admin/api/discounts",
    operationId: "createDiscount",
    tags: ["admin"],
    summary: "Create a discount code",
    security: ADMIN_SECURITY,
    request: jsonBody(CreateDiscountBody),
    responses: {
      201: jsonResponse(z.object({ discount: DiscountSchema }), "The discount"),
      ...errorResponses(...ADMIN_ERRORS, ...BODY_ERRORS, "discount_exists"),
    },
  }),
  async (c) => {
    const body = c.req.valid("json");
    const db = createDb(c.env.DB);
    if (body.currency) await assertCurrencies(db, [body.currency]);
    const code = body.code.toUpperCase();
    const now = isoNow();
    const row = {
      code,
      type: body.type,
      percentBps: body.percent !== undefined ? decimalToScaled(body.percent, 2) : null,
      amount: body.amount ?? null,
      currency: body.currency ?? null,
      startsAt: body.starts_at ? new Date(body.starts_at).toISOString() : null,
      endsAt: body.ends_at ? new Date(body.ends_at).toISOString() : null,
      usageLimit: body.usage_limit ?? null,
      minSubtotal: body.min_subtotal ?? null,
      createdAt: now,
    };
    const inserted = await db.insert(discounts).values(row).onConflictDoNothing().returning();
    if (inserted.length === 0) throw new AppError("discount_exists", "A discount with this code exists already.", { code });
    return c.json({ discount: discountJson(inserted[0]!) }, 201);
  },
);

export function discountJson(d: typeof discounts.$inferSelect) {
  return {
    code: d.code,
    type: d.type,
    percent: d.percentBps === null ? null : d.percentBps / 100,
    amount: d.amount,
    currency: d.currency,
    starts_at: d.startsAt,
    ends_at: d.endsAt,
    usage_limit: d.usageLimit,
    used: d.usedCount,
    reserved: d.reservedCount,
    min_subtotal: d.minSubtotal,
    active: d.active,
  };
}

adminCatalogRoutes.openapi(
  createRoute({
    method: "put",
    path: "/admin/api/tax-rates/{country}/{tax_class}",
    operationId: "setTaxRate",
    tags: ["admin"],
    summary: "Set the tax rate of a country and tax class",
    security: ADMIN_SECURITY,
    request: {
      params: z.object({
        country: CountryCode.openapi({ param: { name: "country", in: "path" } }),
        tax_class: TaxClass.openapi({ param: { name: "tax_class", in: "path" } }),
      }),
      ...jsonBody(
        z.strictObject({ name: z.string().trim().min(1).max(64), rate_bps: z.number().int().min(0).max(10_000), inclusive: z.boolean().default(false) }),
      ),
    },
    responses: { 200: jsonResponse(TaxRateSchema, "The tax rate"), ...errorResponses(...ADMIN_ERRORS, ...BODY_ERRORS) },
  }),
  async (c) => {
    const { country, tax_class } = c.req.valid("param");
    const body = c.req.valid("json");
    const db = createDb(c.env.DB);
    const now = isoNow();
    await db
      .insert(taxRates)
      .values({ country, taxClass: tax_class, name: body.name, rateBps: body.rate_bps, inclusive: body.inclusive, updatedAt: now })
      .onConflictDoUpdate({
        target: [taxRates.country, taxRates.taxClass],
        set: { name: body.name, rateBps: body.rate_bps, inclusive: body.inclusive, updatedAt: now },
      });
    catalogCache.forgetTaxRates(country);
    return c.json({ country, tax_class, name: body.name, rate_bps: body.rate_bps, inclusive: body.inclusive, updated_at: now }, 200);
  },
);

adminCatalogRoutes.openapi(
  createRoute({
    method: "put",
    path: "/admin/api/currencies/{code}",
    operationId: "setCurrency",
    tags: ["admin"],
    summary: "Add a currency or change its exchange rate from the base currency",
    security: ADMIN_SECURITY,
    request: {
      params: z.object({ code: CurrencyCode.openapi({ param: { name: "code", in: "path" } }) }),
      ...jsonBody(
        z.strictObject({
          rate_from_base: z
            .string()
            .regex(/^\d{1,12}(\.\d{1,12})?$/, 'A positive decimal string, e.g. "0.92"')
            .refine((r) => Number(r) > 0, "Must be above 0"),
          exponent: z.number().int().min(0).max(4),
        }),
      ),
    },
    responses: { 200: jsonResponse(CurrencySchema, "The currency"), ...errorResponses(...ADMIN_ERRORS, ...BODY_ERRORS) },
  }),
  async (c) => {
    const { code } = c.req.valid("param");
    const body = c.req.valid("json");
    if (code === getConfig(c.env).baseCurrency && Number(body.rate_from_base) !== 1) {
      throw validationError("The base currency's rate is 1.", [{ path: "rate_from_base", message: "Must be 1 for the base currency" }]);
    }
    const db = createDb(c.env.DB);
    const now = isoNow();
    await db
      .insert(currencies)
      .values({ code, exponent: body.exponent, rateFromBase: body.rate_from_base, updatedAt: now })
      .onConflictDoUpdate({ target: currencies.code, set: { exponent: body.exponent, rateFromBase: body.rate_from_base, updatedAt: now } });
    catalogCache.forgetCurrency(code);
    forgetKnownCurrency(code);
    return c.json({ code, exponent: body.exponent, rate_from_base: body.rate_from_base, updated_at: now }, 200);
  },
);
