/** What the admin catalog routes accept in common: a variant in the path, a tax class, a stock level, known currencies. */
import { z } from "@hono/zod-openapi";
import type { Database } from "../db/client";
import { inJsonArray } from "../db/json-rows";
import { currencies } from "../db/schema";
import { validationError } from "../lib/errors";

export const VariantParam = z.object({
  id: z
    .string()
    .max(64)
    .openapi({ param: { name: "id", in: "path" } }),
});

export const TaxClass = z
  .string()
  .trim()
  .min(1)
  .max(32)
  .regex(/^[a-z0-9_-]+$/, "Lower-case letters, digits, _ and -");

/** Units on hand, as an admin sets them. */
export const OnHand = z.number().int().min(0).max(1_000_000_000);

/**
 * Refuses currency codes the catalog does not have (add them first with PUT
 * /admin/api/currencies/{code}); answers the catalog's exponent of each one asked.
 */
export async function assertCurrencies(db: Database, codes: string[]): Promise<Record<string, number>> {
  if (codes.length === 0) return {};
  const rows = await db.select({ code: currencies.code, exponent: currencies.exponent }).from(currencies).where(inJsonArray(currencies.code, codes));
  const exponents: Record<string, number> = Object.fromEntries(rows.map((r) => [r.code, r.exponent]));
  const missing = codes.filter((c) => !(c in exponents));
  if (missing.length) {
    throw validationError(
      `Unknown currencies: ${missing.join(", ")}. Add them with PUT /admin/api/currencies/{code}.`,
      missing.map((m) => ({ path: `prices.${m}`, message: "Unknown currency" })),
    );
  }
  return exponents;
}
