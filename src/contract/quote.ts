/** `Quote`: the prices of a checkout frozen at price lock, signed; sent as it is stored. */
import { z } from "@hono/zod-openapi";
import { CurrencyExponent, MinorUnits, Timestamp } from "./fields";

export const QuoteLineSchema = z.object({
  line_id: z.string(),
  variant_id: z.string(),
  sku: z.string(),
  title: z.string(),
  quantity: z.number().int(),
  unit_price: MinorUnits,
  subtotal: MinorUnits,
  discount_total: MinorUnits,
  discounts: z.array(z.object({ code: z.string(), amount: MinorUnits })),
  tax_total: MinorUnits,
  taxes: z.array(z.object({ name: z.string(), rate_bps: z.number().int(), amount: MinorUnits, inclusive: z.boolean() })),
  total: MinorUnits,
});

export const QuoteSchema = z
  .object({
    id: z.string(),
    checkout_id: z.string(),
    cart_id: z.string(),
    currency: z.string(),
    currency_exponent: CurrencyExponent.openapi({
      description: "Digits of the currency's minor unit at price lock, frozen with the amounts it gives meaning to",
    }),
    exchange_rate: z.string().openapi({ description: "Units of `currency` per unit of `base_currency`, as a decimal string" }),
    exchange_rate_updated_at: Timestamp.nullable(),
    base_currency: z.string(),
    discount_codes: z.array(z.string()),
    created_at: Timestamp,
    expires_at: Timestamp,
    lines: z.array(QuoteLineSchema),
    subtotal: MinorUnits,
    discount_total: MinorUnits,
    tax_total: MinorUnits,
    total: MinorUnits,
    signature: z.string(),
  })
  .openapi("Quote");
export type Quote = z.output<typeof QuoteSchema>;
export type QuoteLine = z.output<typeof QuoteLineSchema>;
