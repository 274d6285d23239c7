/** `Cart`: a cart with live prices, as the cart object answers every cart call. */
import { z } from "@hono/zod-openapi";
import { isTerminal } from "../checkout/state-machine";
import { type CheckoutStatusFacts, CheckoutStatusSchema, checkoutStatus } from "./checkout-status";
import { CurrencyExponent, MinorUnits, Timestamp } from "./fields";

export const CartLineSchema = z.object({
  id: z.string(),
  variant_id: z.string(),
  sku: z.string().nullable(),
  title: z.string().nullable(),
  quantity: z.number().int(),
  unit_price: MinorUnits,
  subtotal: MinorUnits,
  discount_total: MinorUnits,
  tax_total: MinorUnits,
  total: MinorUnits,
  available: z.boolean(),
  unavailable_reason: z
    .string()
    .optional()
    .openapi({ description: "Why an unavailable line is left out of the totals: variant_not_found, variant_inactive or price_missing" }),
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
    discounts: z.array(z.object({ code: z.string(), amount: MinorUnits, applicable: z.boolean(), reason: z.string().nullable() })),
    subtotal: MinorUnits,
    discount_total: MinorUnits,
    tax_total: MinorUnits,
    total: MinorUnits,
    locked: z.boolean(),
    completed: z.boolean(),
    checkout: CheckoutStatusSchema.nullable(),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .openapi("Cart");
export type Cart = z.output<typeof CartSchema>;

/**
 * What a cart is made of (the cart object's state) and what live pricing made of it,
 * declared here by shape so the client's types need none of the server's modules.
 */
export interface CartFacts {
  id: string;
  currency: string;
  country: string | null;
  email: string | null;
  version: number;
  lines: Array<{ id: string; variantId: string; quantity: number }>;
  discountCodes: string[];
  completed: boolean;
  orderId: string | null;
  createdAt: string;
  updatedAt: string;
}
interface PricedLineFacts {
  lineId: string;
  sku: string;
  title: string;
  unitPrice: number;
  subtotal: number;
  discountTotal: number;
  taxTotal: number;
  total: number;
}
export interface PricedCartFacts {
  lines: PricedLineFacts[];
  appliedDiscounts: Array<{ code: string; amount: number }>;
  rejectedDiscounts: Array<{ code: string; reason: string }>;
  subtotal: number;
  discountTotal: number;
  taxTotal: number;
  total: number;
}

/** `exponent`: digits of the cart currency's minor unit, from the catalog. */
export function cartJson(
  cart: CartFacts,
  priced: PricedCartFacts | null,
  exponent: number,
  unavailable: Map<string, string>,
  rec: CheckoutStatusFacts | null,
  now: number,
): Cart {
  const byLine = new Map(priced?.lines.map((l) => [l.lineId, l]) ?? []);
  const rejected = new Map(priced?.rejectedDiscounts.map((r) => [r.code, r.reason]) ?? []);
  const applied = new Map(priced?.appliedDiscounts.map((d) => [d.code, d.amount]) ?? []);
  return {
    id: cart.id,
    currency: cart.currency,
    currency_exponent: exponent,
    country: cart.country,
    email: cart.email,
    version: cart.version,
    lines: cart.lines.map((line) => {
      const p = byLine.get(line.id);
      const reason = unavailable.get(line.id);
      return {
        id: line.id,
        variant_id: line.variantId,
        sku: p?.sku ?? null,
        title: p?.title ?? null,
        quantity: line.quantity,
        unit_price: p?.unitPrice ?? 0,
        subtotal: p?.subtotal ?? 0,
        discount_total: p?.discountTotal ?? 0,
        tax_total: p?.taxTotal ?? 0,
        total: p?.total ?? 0,
        available: p !== undefined,
        ...(reason !== undefined ? { unavailable_reason: reason } : {}),
      };
    }),
    discount_codes: cart.discountCodes,
    discounts: cart.discountCodes.map((code) => ({
      code,
      amount: applied.get(code) ?? 0,
      applicable: applied.has(code),
      reason: rejected.get(code) ?? null,
    })),
    subtotal: priced?.subtotal ?? 0,
    discount_total: priced?.discountTotal ?? 0,
    tax_total: priced?.taxTotal ?? 0,
    total: priced?.total ?? 0,
    locked: rec !== null && !isTerminal(rec.state),
    completed: cart.completed,
    checkout: rec ? checkoutStatus(cart, rec, now) : null,
    created_at: cart.createdAt,
    updated_at: cart.updatedAt,
  };
}
