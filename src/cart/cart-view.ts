/**
 * What the cart object shows: the docs/contract.md `Cart`, `CheckoutStatus` and `Checkout`,
 * priced live from a catalog snapshot. Pure: data in, JSON out.
 */
import type { CatalogSnapshot } from "../db/catalog";
import { priceCart, type DiscountRejection, type PricedCart, type PricingInput } from "../checkout/pricing";
import { isTerminal } from "../checkout/state-machine";
import type { CartLine, CartState, CheckoutRecord } from "./cart-state";

export interface PricingContext {
  input: PricingInput;
  /** Lines left out of pricing: variant gone, inactive or without a price. */
  unavailable: Map<string, string>;
}

/** Build the pricing input for `lines`, or null when the cart currency is not configured. */
export function pricingContext(
  lines: CartLine[],
  discountCodes: string[],
  currency: string,
  country: string | null,
  snapshot: CatalogSnapshot,
  baseCurrency: string,
  ownReservationCounted = false,
): PricingContext | null {
  const cartCurrency = snapshot.currencies.get(currency);
  const base = snapshot.currencies.get(baseCurrency);
  if (!cartCurrency || !base) return null;
  const unavailable = new Map<string, string>();
  const priced: PricingInput["lines"] = [];
  for (const line of lines) {
    const v = snapshot.variants.get(line.variantId);
    if (!v) unavailable.set(line.id, "variant_not_found");
    else if (!v.active) unavailable.set(line.id, "variant_inactive");
    else if (v.prices[currency] === undefined && v.prices[baseCurrency] === undefined) unavailable.set(line.id, "price_missing");
    else
      priced.push({
        lineId: line.id,
        variantId: v.id,
        sku: v.sku,
        title: v.productTitle === v.title ? v.title : `${v.productTitle} — ${v.title}`,
        quantity: line.quantity,
        taxClass: v.taxClass,
        prices: v.prices,
      });
  }
  return {
    input: {
      currency: cartCurrency,
      baseCurrency: base,
      country,
      lines: priced,
      discounts: discountCodes.map((code) => ({ code, rule: snapshot.discounts.get(code) ?? null })),
      taxRates: snapshot.taxRates,
      ownReservationCounted,
    },
    unavailable,
  };
}

export interface CheckoutStatusJson {
  locked: boolean;
  can_checkout: boolean;
  lock_id: string | null;
  state: string | null;
  phase: string | null;
  expires_at: string | null;
  can_resume: boolean;
  order_id: string | null;
}

export function isActive(rec: CheckoutRecord | null): rec is CheckoutRecord {
  return rec !== null && !isTerminal(rec.state);
}

export function checkoutStatus(cart: CartState, rec: CheckoutRecord | null, now: number): CheckoutStatusJson {
  const active = isActive(rec);
  return {
    locked: active,
    can_checkout: !active && !cart.completed,
    lock_id: rec?.id ?? null,
    state: rec?.state ?? null,
    phase: rec?.phase ?? null,
    expires_at: rec?.expiresAt ?? null,
    can_resume: active && rec.state === "locked" && Date.parse(rec.expiresAt) > now,
    order_id: cart.orderId,
  };
}

export function checkoutJson(rec: CheckoutRecord, now: number) {
  return {
    id: rec.id,
    cart_id: rec.cartId,
    state: rec.state,
    phase: rec.phase,
    created_at: rec.createdAt,
    expires_at: rec.expiresAt,
    locked_at: rec.lockedAt,
    completed_at: rec.completedAt,
    ended_at: rec.endedAt,
    failure: rec.failure,
    cancel_reason: rec.cancelReason,
    can_resume: rec.state === "locked" && Date.parse(rec.expiresAt) > now,
    order_id: rec.orderId,
    payment_attempts: rec.attempts.map((a) => ({ number: a.number, provider: a.provider, status: a.status, decline_code: a.declineCode })),
    quote: rec.quote,
  };
}

/** `exponent`: digits of the cart currency's minor unit, from the catalog. */
export function cartJson(
  cart: CartState,
  priced: PricedCart | null,
  exponent: number,
  unavailable: Map<string, string>,
  rec: CheckoutRecord | null,
  now: number,
) {
  const byLine = new Map(priced?.lines.map((l) => [l.lineId, l]) ?? []);
  const rejected = new Map<string, DiscountRejection>(priced?.rejectedDiscounts.map((r) => [r.code, r.reason]) ?? []);
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
        ...(unavailable.has(line.id) ? { unavailable_reason: unavailable.get(line.id) } : {}),
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
    locked: isActive(rec),
    completed: cart.completed,
    checkout: rec ? checkoutStatus(cart, rec, now) : null,
    created_at: cart.createdAt,
    updated_at: cart.updatedAt,
  };
}

export function pricedOrNull(ctx: PricingContext | null, now: number): PricedCart | null {
  return ctx ? priceCart(ctx.input, new Date(now)) : null;
}
