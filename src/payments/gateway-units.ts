/**
 * The one place that maps the catalog's minor units to a payment gateway's units for a
 * currency, and back, with the gateway's limits. Pure: no I/O, no clock.
 *
 * The catalog counts money in the currency's minor unit at the exponent the admin set
 * for it (`currencies.exponent`, ISO 4217 by default). A gateway may count the same
 * currency differently, and may refuse amounts that are too small, too large, or not a
 * multiple of its step. Checking here, when a checkout starts, means a quote the gateway
 * cannot charge is refused before any stock is held, never at payment.
 *
 * Stripe's rules, from Stripe's "Supported currencies" page (docs.stripe.com/currencies),
 * sections "Zero-decimal currencies", "Three-decimal currencies", "Special cases" and
 * "Minimum and maximum charge amounts":
 * - zero-decimal currencies (BIF, CLP, DJF, GNF, JPY, KMF, KRW, MGA, PYG, RWF, VND, VUV,
 *   XAF, XOF, XPF): the amount is in whole units;
 * - special cases: ISK and UGX "transitioned to a zero-decimal currency, but backwards
 *   compatibility requires you to represent it as a two-decimal value, where the decimal
 *   amount is always 00" (Stripe lists UGX among the zero-decimal currencies too; the
 *   special case is the binding rule): hundredths, multiples of 100. HUF and TWD are
 *   two-decimal for charges but zero-decimal for payouts (integer amounts divisible by
 *   100): we charge whole units only, so every charge can be paid out and refunded in
 *   units the payout accepts;
 * - three-decimal currencies (BHD, JOD, KWD, OMR, TND): thousandths, and "these API calls
 *   require the least-significant (last) digit to be 0";
 * - every other currency: two decimals;
 * - minimum charge: the per-currency table below ("Minimum charge amount by currency").
 *   Stripe applies the minimum of the account's settlement currency after conversion; a
 *   currency missing from the table has no minimum we can know without a rate, so only
 *   its other rules apply (Stripe itself still refuses a conversion below the minimum);
 * - maximum: 9 digits of the amount, the narrowest card network (American Express) of
 *   the "Maximum charge amounts" section (cards are the only method this service takes).
 *
 * The built-in test gateway takes the catalog's units as they are (any positive amount):
 * it stands in for a processor in development and in the tests, where catalogs use
 * arbitrary prices and currencies; mirroring one provider's minimums there would make it
 * a second Stripe double. Stripe's rules are proven against the Stripe double instead.
 */

export type GatewayProvider = "test" | "stripe";

/** How a gateway counts one currency. */
export interface GatewayCurrencyUnits {
  /** Decimal places of the gateway's `amount` for this currency. */
  exponent: number;
  /** Every amount must be a multiple of this (in gateway units). */
  step: number;
  /** The smallest chargeable amount, in gateway units (a multiple of `step`). */
  minimum: number;
  /** The largest chargeable amount, in gateway units. */
  maximum: number;
}

export type GatewayAmountResult =
  | { ok: true; amount: number }
  /** `minimum` is in the catalog's minor units: the smallest chargeable total. */
  | { ok: false; reason: "amount_too_small"; minimum: number }
  | { ok: false; reason: "amount_not_chargeable" };

export type CatalogAmountResult = { ok: true; amount: number } | { ok: false; reason: "amount_not_exact" };

const STRIPE_ZERO_DECIMAL = new Set(["BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "VND", "VUV", "XAF", "XOF", "XPF"]);
/** Two decimals at Stripe, but only whole units (see the special cases above). */
const STRIPE_WHOLE_UNITS_IN_HUNDREDTHS = new Set(["ISK", "UGX", "HUF", "TWD"]);
const STRIPE_THREE_DECIMAL = new Set(["BHD", "JOD", "KWD", "OMR", "TND"]);
/** Stripe's minimum charge per currency, in that currency's Stripe units. */
const STRIPE_MINIMUMS: Readonly<Record<string, number>> = {
  USD: 50,
  AED: 200,
  ARS: 50,
  AUD: 50,
  BRL: 50,
  CAD: 50,
  CHF: 50,
  COP: 50,
  CZK: 1500,
  DKK: 250,
  EUR: 50,
  GBP: 30,
  HKD: 400,
  HUF: 17500,
  IDR: 50,
  ILS: 50,
  INR: 50,
  JPY: 50,
  KRW: 50,
  MXN: 1000,
  MYR: 200,
  NOK: 300,
  NZD: 50,
  PHP: 50,
  PLN: 200,
  RON: 200,
  RUB: 50,
  SEK: 300,
  SGD: 50,
  THB: 1000,
  ZAR: 50,
};
const STRIPE_MAXIMUM = 999_999_999;

/** How `provider` counts `currency` when the catalog counts it with `catalogExponent` decimals. */
export function gatewayCurrencyUnits(provider: GatewayProvider, currency: string, catalogExponent: number): GatewayCurrencyUnits {
  assertExponent(catalogExponent);
  if (provider === "test") return { exponent: catalogExponent, step: 1, minimum: 1, maximum: Number.MAX_SAFE_INTEGER };
  const code = currency.toUpperCase();
  const [exponent, step] = STRIPE_ZERO_DECIMAL.has(code)
    ? [0, 1]
    : STRIPE_WHOLE_UNITS_IN_HUNDREDTHS.has(code)
      ? [2, 100]
      : STRIPE_THREE_DECIMAL.has(code)
        ? [3, 10]
        : [2, 1];
  const listed = STRIPE_MINIMUMS[code];
  // Never below one step: the smallest amount Stripe could take at all.
  const minimum = Math.max(listed ?? step, step);
  return { exponent, step, minimum: Math.ceil(minimum / step) * step, maximum: STRIPE_MAXIMUM - (STRIPE_MAXIMUM % step) };
}

/**
 * The amount to send `provider` for `amountMinor` catalog minor units, or why it cannot be
 * charged: below the gateway's minimum (`amount_too_small`, with the smallest chargeable
 * total in catalog units), or not expressible exactly in the gateway's units, not a
 * multiple of its step, or above its maximum (`amount_not_chargeable`). An amount of 0 maps
 * to 0: there is nothing to charge, and the saga completes without calling the gateway.
 */
export function gatewayAmount(provider: GatewayProvider, currency: string, amountMinor: number, catalogExponent: number): GatewayAmountResult {
  if (!Number.isSafeInteger(amountMinor) || amountMinor < 0) return { ok: false, reason: "amount_not_chargeable" };
  const units = gatewayCurrencyUnits(provider, currency, catalogExponent);
  if (amountMinor === 0) return { ok: true, amount: 0 };
  const amount = shift(amountMinor, units.exponent - catalogExponent);
  if (amount === null || amount % units.step !== 0 || amount > units.maximum) return { ok: false, reason: "amount_not_chargeable" };
  if (amount < units.minimum) return { ok: false, reason: "amount_too_small", minimum: smallestCatalogAmountAtLeast(units, catalogExponent) };
  return { ok: true, amount };
}

/**
 * The catalog minor units of an amount that came back from `provider` (authorized,
 * captured, refunded), or `amount_not_exact` when it is no whole number of catalog minor
 * units (so it cannot equal any quote, and must never be rounded into one).
 */
export function catalogAmount(provider: GatewayProvider, currency: string, amountGateway: number, catalogExponent: number): CatalogAmountResult {
  if (!Number.isSafeInteger(amountGateway) || amountGateway < 0) return { ok: false, reason: "amount_not_exact" };
  const units = gatewayCurrencyUnits(provider, currency, catalogExponent);
  const amount = shift(amountGateway, catalogExponent - units.exponent);
  return amount === null ? { ok: false, reason: "amount_not_exact" } : { ok: true, amount };
}

/** The smallest catalog amount whose gateway amount is at least the minimum and chargeable. */
function smallestCatalogAmountAtLeast(units: GatewayCurrencyUnits, catalogExponent: number): number {
  const diff = units.exponent - catalogExponent;
  // Chargeable gateway amounts are multiples of the step that are also whole catalog
  // units: multiples of lcm(10^diff, step) when the gateway counts finer than the catalog.
  const period = diff >= 0 ? lcm(10 ** diff, units.step) : units.step;
  const minimumGateway = Math.ceil(units.minimum / period) * period;
  return shift(minimumGateway, -diff)!;
}

/** `value × 10^places` when that is a safe integer, else null (a fraction or an overflow). */
function shift(value: number, places: number): number | null {
  if (places >= 0) {
    const shifted = value * 10 ** places;
    return Number.isSafeInteger(shifted) ? shifted : null;
  }
  const divisor = 10 ** -places;
  return value % divisor === 0 ? value / divisor : null;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

function lcm(a: number, b: number): number {
  return (a / gcd(a, b)) * b;
}

function assertExponent(exponent: number): void {
  // The admin API stores 0..4; more would make 10^exponent leave the safe integers.
  if (!Number.isSafeInteger(exponent) || exponent < 0 || exponent > 6) {
    throw new Error(`catalog exponent must be an integer between 0 and 6, got ${String(exponent)}`);
  }
}

/**
 * The amount to send `provider` for refunding `amountMinor` of a charge: the rules of
 * `gatewayAmount` without the minimum, which binds charges only (a refund may return
 * any part of a charge the gateway's units can express).
 */
export function gatewayRefundAmount(provider: GatewayProvider, currency: string, amountMinor: number, catalogExponent: number): GatewayAmountResult {
  const result = gatewayAmount(provider, currency, amountMinor, catalogExponent);
  if (result.ok || result.reason !== "amount_too_small") return result;
  const units = gatewayCurrencyUnits(provider, currency, catalogExponent);
  const amount = shift(amountMinor, units.exponent - catalogExponent);
  return amount !== null && amount % units.step === 0 ? { ok: true, amount } : { ok: false, reason: "amount_not_chargeable" };
}
