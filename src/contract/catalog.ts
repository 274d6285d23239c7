/** The answers of the admin catalog API (`/admin/api/products`, prices, discounts, tax rates, currencies), field by field. */
import { z } from "@hono/zod-openapi";
import { CurrencyExponent, MinorUnits, Timestamp } from "./fields";
import { productOf } from "./product";
import { StockSchema } from "./stock";

const PricesSchema = z.record(z.string(), MinorUnits).openapi({ description: "Price per currency code, in its minor unit" });
const CurrencyExponentsSchema = z
  .record(z.string(), CurrencyExponent)
  .openapi({ description: "The catalog's exponent of each currency priced here: a price is `amount / 10^exponent` major units" });

export const CreatedProductSchema = productOf({
  tax_class: z.string(),
  prices: PricesSchema,
  stock: StockSchema.omit({ variant_id: true }),
})
  .extend({ currency_exponents: CurrencyExponentsSchema })
  .openapi("CreatedProduct");
export type CreatedProduct = z.output<typeof CreatedProductSchema>;

export const VariantPricesSchema = z
  .object({ variant_id: z.string(), prices: PricesSchema, currency_exponents: CurrencyExponentsSchema })
  .openapi("VariantPrices");
export type VariantPrices = z.output<typeof VariantPricesSchema>;

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
export type Discount = z.output<typeof DiscountSchema>;

export const TaxRateSchema = z
  .object({ country: z.string(), tax_class: z.string(), name: z.string(), rate_bps: z.number().int(), inclusive: z.boolean(), updated_at: Timestamp })
  .openapi("TaxRate");
export type TaxRate = z.output<typeof TaxRateSchema>;

export const CurrencySchema = z.object({ code: z.string(), exponent: z.number().int(), rate_from_base: z.string(), updated_at: Timestamp }).openapi("Currency");
export type Currency = z.output<typeof CurrencySchema>;
