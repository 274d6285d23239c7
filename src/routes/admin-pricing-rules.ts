/**
 * The admin API of what pricing applies besides a variant's price: discount codes, tax
 * rates per country and tax class, and currencies with their rate from the base currency.
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { decimalToScaled } from "../checkout/money";
import { CurrencySchema, DiscountSchema, TaxRateSchema } from "../contract/catalog";
import { forgetKnownCurrency } from "../db/catalog";
import { catalogCache } from "../db/catalog-cache";
import { createDb, isoNow } from "../db/client";
import { currencies, discounts, taxRates } from "../db/schema";
import { getConfig } from "../lib/config";
import { AppError, validationError } from "../lib/errors";
import { assertCurrencies, TaxClass } from "./admin-catalog-requests";
import type { AppEnv } from "./carts";
import { ADMIN_ERRORS, BODY_ERRORS, errorResponses } from "./error-responses";
import { jsonBody, jsonResponse } from "./http";
import { ADMIN_SECURITY } from "./openapi-security";
import { CountryCode, CurrencyCode, DiscountCode, Money } from "./schemas";

export const adminPricingRuleRoutes = new OpenAPIHono<AppEnv>();

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

adminPricingRuleRoutes.openapi(
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

adminPricingRuleRoutes.openapi(
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

adminPricingRuleRoutes.openapi(
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
