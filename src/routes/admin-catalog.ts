/** The admin catalog API: products with their variants, and the prices of a variant. */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { eq, sql } from "drizzle-orm";
import { CreatedProductSchema, VariantPricesSchema } from "../contract/catalog";
import { catalogCache } from "../db/catalog-cache";
import { createDb, isoNow } from "../db/client";
import { inJsonArray, insertJsonRows } from "../db/json-rows";
import { currencies, inventory, inventoryAdjustments, products, variantPrices, variants } from "../db/schema";
import { errorText } from "../lib/error-text";
import { AppError, notFound, validationError } from "../lib/errors";
import { newId } from "../lib/ids";
import { assertCurrencies, OnHand, TaxClass, VariantParam } from "./admin-catalog-requests";
import type { AppEnv } from "./carts";
import { ADMIN_ERRORS, BODY_ERRORS, errorResponses } from "./error-responses";
import { jsonBody, jsonResponse } from "./http";
import { ADMIN_SECURITY } from "./openapi-security";
import { CurrencyCode, Money } from "./schemas";

export const adminCatalogRoutes = new OpenAPIHono<AppEnv>();

const Sku = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._-]+$/, "Letters, digits, '.', '_' and '-' only");
const Prices = z.record(CurrencyCode, Money).refine((p) => Object.keys(p).length <= 50, "At most 50 prices");

const CreateProductBody = z.strictObject({
  title: z.string().trim().min(1).max(200),
  variants: z
    .array(
      z.strictObject({
        sku: Sku,
        title: z.string().trim().min(1).max(200).optional(),
        prices: Prices,
        stock: OnHand.default(0),
        tax_class: TaxClass.default("standard"),
      }),
    )
    .min(1)
    .max(100),
});

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
    const exponents = await assertCurrencies(
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
          currency_exponents: exponents,
        },
      },
      201,
    );
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
    const all = await db
      .select({ currency: variantPrices.currency, amount: variantPrices.amount, exponent: currencies.exponent })
      .from(variantPrices)
      .leftJoin(currencies, eq(currencies.code, variantPrices.currency))
      .where(eq(variantPrices.variantId, variantId));
    return c.json(
      {
        variant_id: variantId,
        prices: Object.fromEntries(all.map((p) => [p.currency, p.amount])),
        // Currencies are never removed from the catalog, so every price's is there.
        currency_exponents: Object.fromEntries(all.flatMap((p) => (p.exponent === null ? [] : [[p.currency, p.exponent]]))),
      },
      200,
    );
  },
);
