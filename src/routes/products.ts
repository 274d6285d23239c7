/** `GET /v1/products`: the public catalog with prices in one currency and live availability. */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { asc, eq, inArray } from "drizzle-orm";
import { convertMinor } from "../checkout/money";
import { createDb } from "../db/client";
import { currencies, inventory, products, variantPrices, variants } from "../db/schema";
import { getConfig } from "../lib/config";
import { validationError } from "../lib/errors";
import type { AppEnv } from "./carts";
import { jsonResponse } from "./http";
import { errorResponses } from "./error-responses";
import { CurrencyCode, ProductSchema } from "./schemas";
import { PUBLIC_SECURITY } from "./openapi-security";

export const productRoutes = new OpenAPIHono<AppEnv>();

productRoutes.openapi(
  createRoute({
    method: "get",
    path: "/v1/products",
    operationId: "listProducts",
    security: PUBLIC_SECURITY,
    tags: ["catalog"],
    summary: "Products with prices in a currency and available stock",
    request: { query: z.object({ currency: CurrencyCode.optional() }) },
    responses: { 200: jsonResponse(z.object({ data: z.array(ProductSchema) }), "The catalog"), ...errorResponses("validation_error", "internal_error") },
  }),
  async (c) => {
    const config = getConfig(c.env);
    const currency = c.req.valid("query").currency ?? config.baseCurrency;
    const db = createDb(c.env.DB);
    const [productRows, variantRows, priceRows, stockRows, currencyRows] = await db.batch([
      db.select().from(products).where(eq(products.active, true)).orderBy(asc(products.createdAt), asc(products.id)),
      db.select().from(variants).where(eq(variants.active, true)).orderBy(asc(variants.createdAt), asc(variants.sku)),
      db
        .select()
        .from(variantPrices)
        .where(inArray(variantPrices.currency, [currency, config.baseCurrency])),
      db.select().from(inventory),
      db
        .select()
        .from(currencies)
        .where(inArray(currencies.code, [currency, config.baseCurrency])),
    ]);
    const target = currencyRows.find((r) => r.code === currency);
    const base = currencyRows.find((r) => r.code === config.baseCurrency);
    if (!target || !base) throw validationError(`The currency ${currency} is not supported.`, [{ path: "currency", message: "Unsupported currency" }]);
    const price = new Map(priceRows.map((p) => [`${p.variantId}:${p.currency}`, p.amount]));
    const stock = new Map(stockRows.map((s) => [s.variantId, s.onHand - s.reserved]));
    const data = productRows.map((p) => ({
      id: p.id,
      title: p.title,
      variants: variantRows.flatMap((v) => {
        if (v.productId !== p.id) return [];
        const explicit = price.get(`${v.id}:${currency}`);
        const basePrice = price.get(`${v.id}:${config.baseCurrency}`);
        const amount = explicit ?? (basePrice === undefined ? undefined : convertMinor(basePrice, base.exponent, target.exponent, target.rateFromBase));
        if (amount === undefined) return [];
        return [
          {
            id: v.id,
            sku: v.sku,
            title: v.title,
            price: Number(amount),
            currency,
            currency_exponent: target.exponent,
            available: Math.max(0, stock.get(v.id) ?? 0),
          },
        ];
      }),
    }));
    return c.json({ data: data.filter((p) => p.variants.length > 0) }, 200);
  },
);
