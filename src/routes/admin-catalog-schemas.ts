/** The answers of the admin catalog API, described field by field. */
import { z } from "@hono/zod-openapi";
import { MinorUnits, Timestamp } from "../contract/fields";

export const StockSchema = z
  .object({ variant_id: z.string(), on_hand: z.number().int(), reserved: z.number().int(), available: z.number().int() })
  .openapi("Stock");

const PricesSchema = z.record(z.string(), MinorUnits).openapi({ description: "Price per currency code, in its minor unit" });

export const CreatedProductSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    variants: z.array(
      z.object({
        id: z.string(),
        sku: z.string(),
        title: z.string(),
        tax_class: z.string(),
        prices: PricesSchema,
        stock: StockSchema.omit({ variant_id: true }),
      }),
    ),
  })
  .openapi("CreatedProduct");

export const VariantPricesSchema = z.object({ variant_id: z.string(), prices: PricesSchema }).openapi("VariantPrices");

export const DiscountSchema = z
  .object({
    code: z.string(),
    type: z.string(),
    percent: z.number().nullable(),
    amount: MinorUnits.nullable(),
    currency: z.string().nullable(),
    starts_at: Timestamp.nullable(),
    ends_at: Timestamp.nullable(),
    usage_limit: z.number().int().nullable(),
    used: z.number().int(),
    reserved: z.number().int(),
    min_subtotal: MinorUnits.nullable(),
    active: z.boolean(),
  })
  .openapi("Discount");

export const TaxRateSchema = z
  .object({ country: z.string(), tax_class: z.string(), name: z.string(), rate_bps: z.number().int(), inclusive: z.boolean(), updated_at: Timestamp })
  .openapi("TaxRate");

export const CurrencySchema = z.object({ code: z.string(), exponent: z.number().int(), rate_from_base: z.string(), updated_at: Timestamp }).openapi("Currency");
