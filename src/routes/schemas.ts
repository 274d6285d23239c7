/** Zod schemas of the HTTP contract (docs/contract.md): they validate requests and generate /openapi.json. */
import { z } from "@hono/zod-openapi";
import { PHASES, STATES } from "../checkout/state-machine";

export const CurrencyCode = z.string().regex(/^[A-Z]{3}$/, "An ISO 4217 code in upper case, e.g. USD").openapi({ example: "USD" });
export const CountryCode = z.string().regex(/^[A-Z]{2}$/, "An ISO 3166-1 alpha-2 code in upper case, e.g. US").openapi({ example: "US" });
export const Email = z.email().max(254);
/** Digits of the currency's minor unit, from the catalog: amounts are `amount / 10^currency_exponent` major units. */
export const CurrencyExponent = z.number().int().min(0).openapi({ example: 2, description: "Digits of the currency's minor unit in this store's catalog (USD 2, JPY 0)." });
const Money = z.number().int().min(0).max(1_000_000_000_000);
export const Quantity = z.number().int().min(1).max(1_000_000);
export const DiscountCode = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, "Letters, digits, _ and - only");
export const IdempotencyKeyHeader = z.object({
  "idempotency-key": z.string().min(1).max(255).optional().openapi({ description: "Makes the POST safe to retry (docs/contract.md)." }),
});

export const CheckoutStatusSchema = z
  .object({
    locked: z.boolean(),
    can_checkout: z.boolean(),
    lock_id: z.string().nullable(),
    state: z.enum(STATES).nullable(),
    phase: z.enum(PHASES).nullable(),
    expires_at: z.string().nullable(),
    can_resume: z.boolean(),
    order_id: z.string().nullable(),
  })
  .openapi("CheckoutStatus");

export const CartLineSchema = z.object({
  id: z.string(),
  variant_id: z.string(),
  sku: z.string().nullable(),
  title: z.string().nullable(),
  quantity: z.number().int(),
  unit_price: z.number().int(),
  subtotal: z.number().int(),
  discount_total: z.number().int(),
  tax_total: z.number().int(),
  total: z.number().int(),
  available: z.boolean(),
});

export const CartSchema = z
  .object({
    id: z.string(),
    currency: z.string(),
    currency_exponent: CurrencyExponent,
    country: z.string().nullable(),
    email: z.string().nullable(),
    version: z.number().int(),
    lines: z.array(CartLineSchema),
    discount_codes: z.array(z.string()),
    discounts: z.array(z.object({ code: z.string(), amount: z.number().int(), applicable: z.boolean(), reason: z.string().nullable() })),
    subtotal: z.number().int(),
    discount_total: z.number().int(),
    tax_total: z.number().int(),
    total: z.number().int(),
    locked: z.boolean(),
    completed: z.boolean(),
    checkout: CheckoutStatusSchema.nullable(),
  })
  .openapi("Cart");

export const QuoteLineSchema = z.object({
  line_id: z.string(),
  variant_id: z.string(),
  sku: z.string(),
  title: z.string(),
  quantity: z.number().int(),
  unit_price: z.number().int(),
  subtotal: z.number().int(),
  discount_total: z.number().int(),
  discounts: z.array(z.object({ code: z.string(), amount: z.number().int() })),
  tax_total: z.number().int(),
  taxes: z.array(z.object({ name: z.string(), rate_bps: z.number().int(), amount: z.number().int(), inclusive: z.boolean() })),
  total: z.number().int(),
});

export const QuoteSchema = z
  .object({
    id: z.string(),
    currency: z.string(),
    currency_exponent: CurrencyExponent,
    exchange_rate: z.string(),
    exchange_rate_updated_at: z.string().nullable(),
    expires_at: z.string(),
    lines: z.array(QuoteLineSchema),
    subtotal: z.number().int(),
    discount_total: z.number().int(),
    tax_total: z.number().int(),
    total: z.number().int(),
    signature: z.string(),
  })
  .openapi("Quote");

export const CheckoutSchema = z
  .object({
    id: z.string(),
    cart_id: z.string(),
    state: z.enum(STATES),
    phase: z.enum(PHASES),
    created_at: z.string(),
    expires_at: z.string(),
    completed_at: z.string().nullable(),
    failure: z.object({ phase: z.string(), code: z.string(), message: z.string() }).nullable(),
    can_resume: z.boolean(),
    order_id: z.string().nullable(),
    quote: QuoteSchema.nullable(),
  })
  .openapi("Checkout");

export const RefundSchema = z
  .object({
    id: z.string().openapi({ example: "ref_…" }),
    order_id: z.string(),
    kind: z.enum(["refund", "cancel"]).openapi({ description: "`cancel`: the refund of a cancellation" }),
    status: z.enum(["pending", "succeeded", "failed"]),
    amount: z.number().int(),
    currency: z.string(),
    lines: z.array(z.object({ line_id: z.string(), quantity: z.number().int(), amount: z.number().int() })),
    restock: z.boolean().openapi({ description: "Whether the refund asked to return its units to stock" }),
    restocked: z.boolean().openapi({ description: "Whether its units are back in stock (once it succeeded)" }),
    reason: z.string().nullable(),
    failure: z.string().nullable(),
    created_at: z.string(),
    settled_at: z.string().nullable(),
    gateway_reference: z.string().nullable(),
  })
  .openapi("Refund");

export const OrderSchema = z
  .object({
    id: z.string(),
    number: z.number().int().nullable(),
    cart_id: z.string(),
    checkout_id: z.string(),
    status: z.string(),
    currency: z.string(),
    currency_exponent: CurrencyExponent,
    email: z.string().nullable(),
    lines: z.array(QuoteLineSchema),
    subtotal: z.number().int(),
    discount_total: z.number().int(),
    tax_total: z.number().int(),
    total: z.number().int(),
    payment: z.object({ provider: z.string(), status: z.string(), amount: z.number().int() }).nullable(),
    created_at: z.string(),
    refunded_total: z.number().int().openapi({ description: "The sum of the succeeded refunds" }),
    refunds: z.array(RefundSchema),
  })
  .openapi("Order");

export const PaymentSchema = z
  .discriminatedUnion("method", [
    z.strictObject({ method: z.literal("test"), token: z.string().min(1).max(255).openapi({ example: "tok_visa" }) }),
    z.strictObject({ method: z.literal("stripe"), payment_method: z.string().min(1).max(255).openapi({ example: "pm_card_visa" }) }),
  ])
  .openapi("PaymentMethod");

export const TtlMinutes = z.number().int().min(1).max(24 * 60);
export { Money };

// Request bodies of the storefront routes. They live here, next to the responses, so the
// typed client (src/client) is typed from the same schemas that validate the requests.
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

export const ProductSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    variants: z.array(
      z.object({ id: z.string(), sku: z.string(), title: z.string(), price: z.number().int(), currency: z.string(), currency_exponent: CurrencyExponent, available: z.number().int() }),
    ),
  })
  .openapi("Product");
