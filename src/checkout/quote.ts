/**
 * The quote: the prices, discounts, tax and exchange rate of a cart frozen at price
 * lock, in the API's JSON shape, signed. Later catalog changes never reach it; the
 * amount authorized and captured is `total`.
 */
import type { PricedCart } from "./pricing";
import { signQuote, verifyQuote } from "./quote-signature";

export interface QuoteLine {
  line_id: string;
  variant_id: string;
  sku: string;
  title: string;
  quantity: number;
  unit_price: number;
  subtotal: number;
  discount_total: number;
  discounts: Array<{ code: string; amount: number }>;
  tax_total: number;
  taxes: Array<{ name: string; rate_bps: number; amount: number; inclusive: boolean }>;
  total: number;
}

export interface Quote {
  id: string;
  checkout_id: string;
  cart_id: string;
  currency: string;
  /** Digits of the currency's minor unit at price lock (frozen with the amounts it gives meaning to). */
  currency_exponent: number;
  exchange_rate: string;
  exchange_rate_updated_at: string | null;
  base_currency: string;
  discount_codes: string[];
  created_at: string;
  expires_at: string;
  lines: QuoteLine[];
  subtotal: number;
  discount_total: number;
  tax_total: number;
  total: number;
  signature: string;
}

export interface QuoteInput {
  id: string;
  checkoutId: string;
  cartId: string;
  baseCurrency: string;
  priced: PricedCart;
  createdAt: string;
  expiresAt: string;
}

export function toQuoteLines(priced: PricedCart): QuoteLine[] {
  return priced.lines.map((l) => ({
    line_id: l.lineId,
    variant_id: l.variantId,
    sku: l.sku,
    title: l.title,
    quantity: l.quantity,
    unit_price: l.unitPrice,
    subtotal: l.subtotal,
    discount_total: l.discountTotal,
    discounts: l.discounts,
    tax_total: l.taxTotal,
    taxes: l.taxes.map((t) => ({ name: t.name, rate_bps: t.rateBps, amount: t.amount, inclusive: t.inclusive })),
    total: l.total,
  }));
}

export async function buildSignedQuote(secret: string, input: QuoteInput): Promise<Quote> {
  const { priced } = input;
  const unsigned: Omit<Quote, "signature"> = {
    id: input.id,
    checkout_id: input.checkoutId,
    cart_id: input.cartId,
    currency: priced.currency,
    currency_exponent: priced.exponent,
    exchange_rate: priced.exchangeRate,
    exchange_rate_updated_at: priced.exchangeRateUpdatedAt,
    base_currency: input.baseCurrency,
    discount_codes: priced.appliedDiscounts.map((d) => d.code),
    created_at: input.createdAt,
    expires_at: input.expiresAt,
    lines: toQuoteLines(priced),
    subtotal: priced.subtotal,
    discount_total: priced.discountTotal,
    tax_total: priced.taxTotal,
    total: priced.total,
  };
  return { ...unsigned, signature: await signQuote(secret, unsigned) };
}

/** The same quote with another deadline, signed again (its `expires_at` is signed). */
export async function withExpiry(secret: string, quote: Quote, expiresAt: string): Promise<Quote> {
  const { signature: _old, ...unsigned } = { ...quote, expires_at: expiresAt };
  return { ...unsigned, signature: await signQuote(secret, unsigned) };
}

/** True when the quote is exactly what was signed (checked again before capture). */
export function isQuoteIntact(secret: string, quote: Quote): Promise<boolean> {
  return verifyQuote(secret, quote as unknown as Record<string, unknown>);
}
