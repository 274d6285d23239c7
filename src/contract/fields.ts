/** Shared field schemas of the resources: ISO 8601 UTC timestamps, integer money and its exponent. */
import { z } from "@hono/zod-openapi";

export const Timestamp = z.string().openapi({ format: "date-time", example: "2026-11-22T10:30:00.000Z" });
/** An amount in the currency's minor unit. */
export const MinorUnits = z.number().int();
/** Digits of the currency's minor unit, from the catalog: amounts are `amount / 10^currency_exponent` major units. */
export const CurrencyExponent = z
  .number()
  .int()
  .min(0)
  .openapi({ example: 2, description: "Digits of the currency's minor unit in this store's catalog (USD 2, JPY 0)." });
