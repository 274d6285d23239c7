/**
 * How the cart object prices a cart live from a catalog snapshot (its JSON is built by
 * the serialisers in src/contract). Pure: data in, data out.
 */
import type { CatalogSnapshot } from "../db/catalog";
import { priceCart, type PricedCart, type PricingInput } from "../checkout/pricing";
import { isTerminal } from "../checkout/state-machine";
import type { CartLine, CheckoutRecord } from "./cart-state";

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

export function isActive(rec: CheckoutRecord | null): rec is CheckoutRecord {
  return rec !== null && !isTerminal(rec.state);
}

export function pricedOrNull(ctx: PricingContext | null, now: number): PricedCart | null {
  return ctx ? priceCart(ctx.input, new Date(now)) : null;
}
