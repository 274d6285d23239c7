/**
 * The request bodies of the storefront API (carts, lines, discounts, checkout) and the
 * fields they are made of. The routes validate with them and the typed client takes its
 * input types from them, so both read one definition.
 */
import { z } from "@hono/zod-openapi";

export const CurrencyCode = z
  .string()
  .regex(/^[A-Z]{3}$/, "An ISO 4217 code in upper case, e.g. USD")
  .openapi({ example: "USD" });
export const CountryCode = z
  .string()
  .regex(/^[A-Z]{2}$/, "An ISO 3166-1 alpha-2 code in upper case, e.g. US")
  .openapi({ example: "US" });
export const Email = z.email().max(254);
/** An amount a request states, in the currency's minor unit. */
export const Money = z.number().int().min(0).max(1_000_000_000_000);
export const Quantity = z.number().int().min(1).max(1_000_000);
export const DiscountCode = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, "Letters, digits, _ and - only");
export const TtlMinutes = z
  .number()
  .int()
  .min(1)
  .max(24 * 60);

export const PaymentSchema = z
  .discriminatedUnion("method", [
    z.strictObject({ method: z.literal("test"), token: z.string().min(1).max(255).openapi({ example: "tok_visa" }) }),
    z.strictObject({ method: z.literal("stripe"), payment_method: z.string().min(1).max(255).openapi({ example: "pm_card_visa" }) }),
  ])
  .openapi("PaymentMethod");

export const CreateCartBody = z.strictObject({
  currency: CurrencyCode,
  country: CountryCode.optional(),
  email: Email.optional(),
});
export const AddLineBody = z.strictObject({ variant_id: z.string().min(1).max(64), quantity: Quantity });
export const UpdateLineBody = z.strictObject({ quantity: z.number().int().min(0).max(1_000_000) });
export const ApplyDiscountBody = z.strictObject({ code: DiscountCode });
export const UpdateCartBody = z.strictObject({ email: Email.nullable().optional(), country: CountryCode.nullable().optional() });
export const StartCheckoutBody = z.strictObject({ expected_total: Money.optional(), ttl_minutes: TtlMinutes.optional() });
export const CompleteCheckoutBody = z.strictObject({ payment: PaymentSchema, expected_total: Money.optional(), ttl_minutes: TtlMinutes.optional() });
