/**
 * Prices a cart: unit prices (explicit or converted from the base currency), discounts
 * in the order they were applied, and tax per line. Pure: plain data and a clock in,
 * plain data out, so the live cart and the frozen quote use the very same arithmetic.
 *
 * Every figure is an integer in the cart currency's minor unit, never negative, and
 * every line and the cart satisfy `total = subtotal − discountTotal + taxTotal`, with
 * each cart figure the sum of the line figures.
 */
import { allocateLargestRemainder, assertNonNegativeInteger, convertMinor, parseRate, roundHalfUpDiv, toSafeNumber, type DecimalRate } from "./money";

export interface CurrencyInfo {
  code: string;
  exponent: number;
  rateFromBase: string;
  updatedAt: string | null;
}

export interface DiscountRule {
  code: string;
  type: "percentage" | "fixed";
  /** Percentage in basis points: 10% = 1000. */
  percentBps: number | null;
  /** Fixed amount in minor units of `currency` (or of the base currency when currency is null). */
  amount: number | null;
  currency: string | null;
  /** ISO strings; the rule is valid in [startsAt, endsAt). */
  startsAt: string | null;
  endsAt: string | null;
  usageLimit: number | null;
  usedCount: number;
  reservedCount: number;
  /** In the discount's currency (or base when null); compared with the cart subtotal converted to that money. */
  minSubtotal: number | null;
  active: boolean;
}

export interface TaxRateInfo {
  country: string;
  taxClass: string;
  name: string;
  rateBps: number;
  inclusive: boolean;
}

export interface PricingLineInput {
  lineId: string;
  variantId: string;
  sku: string;
  title: string;
  quantity: number;
  taxClass: string;
  /** Explicit prices by ISO currency, minor units; may lack the cart currency. */
  prices: Record<string, number>;
}

export interface PricingInput {
  /** The cart currency. */
  currency: CurrencyInfo;
  /** The base currency (rateFromBase "1"). */
  baseCurrency: CurrencyInfo;
  /** Tax country; null → no tax. */
  country: string | null;
  lines: PricingLineInput[];
  /** In the order applied to the cart; rule null = unknown code. */
  discounts: Array<{ code: string; rule: DiscountRule | null }>;
  /** May contain other countries; picked by (country, taxClass). */
  taxRates: TaxRateInfo[];
  /** When true, a discount already reserved by THIS checkout does not count against its own limit (used at price lock). Default false. */
  ownReservationCounted?: boolean;
}

export type DiscountRejection = "not_found" | "inactive" | "not_started" | "expired" | "used_up" | "min_subtotal" | "currency_mismatch" | "no_effect";

export interface PricedLine {
  lineId: string;
  variantId: string;
  sku: string;
  title: string;
  quantity: number;
  unitPrice: number;
  priceSource: "explicit" | "converted";
  subtotal: number;
  discountTotal: number;
  discounts: Array<{ code: string; amount: number }>;
  taxTotal: number;
  taxes: Array<{ name: string; rateBps: number; amount: number; inclusive: boolean }>;
  total: number;
  taxInclusive: boolean;
}

export interface PricedCart {
  currency: string;
  exponent: number;
  /** "1" when the cart currency is the base currency, else currency.rateFromBase. */
  exchangeRate: string;
  exchangeRateUpdatedAt: string | null;
  lines: PricedLine[];
  subtotal: number;
  discountTotal: number;
  taxTotal: number;
  total: number;
  appliedDiscounts: Array<{ code: string; amount: number }>;
  rejectedDiscounts: Array<{ code: string; reason: DiscountRejection }>;
}

export class PricingError extends Error {
  constructor(
    public readonly code: "price_missing" | "invalid_rate",
    message: string,
    public readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = "PricingError";
  }
}

const BPS_DENOMINATOR = 10_000n;

/** Working state of one line while discounts are applied. */
interface LineState {
  input: PricingLineInput;
  unitPrice: number;
  priceSource: "explicit" | "converted";
  /** unitPrice × quantity, before discounts and before the inclusive-tax split. */
  gross: number;
  /** gross minus the discounts applied so far. */
  remaining: number;
  discounts: Map<string, number>;
}

/** The cart currency's relation to the base currency. */
interface Exchange {
  isBase: boolean;
  rate: DecimalRate;
  rateText: string;
}

export function priceCart(input: PricingInput, now: Date): PricedCart {
  const nowMs = now.getTime();
  if (Number.isNaN(nowMs)) throw new Error("priceCart: now is an invalid Date");

  const exchange = resolveExchange(input);
  const lines = input.lines.map((line) => priceLine(line, input, exchange));
  const cartGross = sumSafe(lines.map((l) => l.gross));

  const appliedDiscounts: Array<{ code: string; amount: number }> = [];
  const rejectedDiscounts: Array<{ code: string; reason: DiscountRejection }> = [];
  // A code listed twice counts once (its first occurrence): stacking a code with itself
  // is never intended, and reporting it twice would double its usage.
  const seen = new Set<string>();

  for (const { code, rule } of input.discounts) {
    if (seen.has(code)) continue;
    seen.add(code);

    const rejection = checkEligibility(rule, input, exchange, cartGross, nowMs);
    if (rejection !== null || rule === null) {
      rejectedDiscounts.push({ code, reason: rejection ?? "not_found" });
      continue;
    }

    // Each discount works on what the previous ones left, so stacking 10% + 10% is 19%,
    // and a fixed amount can never take the cart below zero.
    const remainingCart = sumSafe(lines.map((l) => l.remaining));
    const amount = Math.min(discountAmount(rule, input, exchange, remainingCart), remainingCart);
    if (amount <= 0) {
      rejectedDiscounts.push({ code, reason: "no_effect" });
      continue;
    }

    // Spread over lines in proportion to what each line still has to discount, so the
    // line figures sum exactly to the cart figure and no line goes below zero.
    const shares = allocateLargestRemainder(
      amount,
      lines.map((l) => l.remaining),
    );
    lines.forEach((line, i) => {
      const share = shares[i] ?? 0;
      if (share === 0) return;
      line.remaining -= share;
      line.discounts.set(code, (line.discounts.get(code) ?? 0) + share);
    });
    appliedDiscounts.push({ code, amount });
  }

  const pricedLines = lines.map((line) => finishLine(line, input));
  const sum = (pick: (l: PricedLine) => number) => sumSafe(pricedLines.map(pick));

  return {
    currency: input.currency.code,
    exponent: input.currency.exponent,
    exchangeRate: exchange.isBase ? "1" : exchange.rateText,
    // The base currency's rate is "1" by definition; it has no source to date.
    exchangeRateUpdatedAt: exchange.isBase ? null : input.currency.updatedAt,
    lines: pricedLines,
    subtotal: sum((l) => l.subtotal),
    discountTotal: sum((l) => l.discountTotal),
    taxTotal: sum((l) => l.taxTotal),
    total: sum((l) => l.total),
    appliedDiscounts,
    rejectedDiscounts,
  };
}

/** Sums integers exactly, throwing instead of silently passing 2^53. */
function sumSafe(values: number[]): number {
  return toSafeNumber(values.reduce((acc, v) => acc + BigInt(v), 0n));
}

function sameCode(a: string, b: string): boolean {
  return a.toUpperCase() === b.toUpperCase();
}

function resolveExchange(input: PricingInput): Exchange {
  const isBase = sameCode(input.currency.code, input.baseCurrency.code);
  if (isBase) return { isBase, rate: parseRate("1"), rateText: "1" };
  // Validated up front even when every price is explicit: the rate is frozen into the
  // quote, so a malformed one must never get that far.
  try {
    return { isBase, rate: parseRate(input.currency.rateFromBase), rateText: input.currency.rateFromBase };
  } catch (err) {
    throw new PricingError("invalid_rate", `invalid exchange rate for ${input.currency.code}`, {
      currency: input.currency.code,
      rate_from_base: input.currency.rateFromBase,
      reason: err instanceof Error ? err.message : String(err),
    });
  }
}

function explicitPrice(prices: Record<string, number>, code: string): number | undefined {
  // Object.hasOwn so that a currency code can never hit an inherited property.
  if (!Object.hasOwn(prices, code)) return undefined;
  const value = prices[code];
  return typeof value === "number" ? value : undefined;
}

function priceLine(line: PricingLineInput, input: PricingInput, exchange: Exchange): LineState {
  assertNonNegativeInteger(line.quantity, `quantity of line ${line.lineId}`);
  let unitPrice: number;
  let priceSource: "explicit" | "converted";
  const explicit = explicitPrice(line.prices, input.currency.code);
  const base = explicitPrice(line.prices, input.baseCurrency.code);
  if (explicit !== undefined) {
    assertNonNegativeInteger(explicit, `price of ${line.variantId}`);
    unitPrice = explicit;
    priceSource = "explicit";
  } else if (base !== undefined && !exchange.isBase) {
    assertNonNegativeInteger(base, `base price of ${line.variantId}`);
    unitPrice = convertMinor(base, input.baseCurrency.exponent, input.currency.exponent, exchange.rate);
    priceSource = "converted";
  } else {
    throw new PricingError("price_missing", `variant ${line.variantId} has no price in ${input.currency.code} or the base currency`, {
      variant_id: line.variantId,
      currency: input.currency.code,
    });
  }
  const gross = toSafeNumber(BigInt(unitPrice) * BigInt(line.quantity));
  return { input: line, unitPrice, priceSource, gross, remaining: gross, discounts: new Map() };
}

/** The first failing reason, in the contract's order, or null when the rule applies. */
function checkEligibility(rule: DiscountRule | null, input: PricingInput, exchange: Exchange, cartGross: number, nowMs: number): DiscountRejection | null {
  if (rule === null) return "not_found";
  if (!rule.active) return "inactive";
  // An unparseable date fails closed: a window we cannot read does not grant a discount.
  if (rule.startsAt !== null) {
    const starts = Date.parse(rule.startsAt);
    if (Number.isNaN(starts) || nowMs < starts) return "not_started";
  }
  if (rule.endsAt !== null) {
    const ends = Date.parse(rule.endsAt);
    if (Number.isNaN(ends) || nowMs >= ends) return "expired";
  }
  if (rule.usageLimit !== null) {
    // At price lock this checkout's own reservation is already in reservedCount; it must
    // not count against itself, or the last available use would reject its own holder.
    const own = input.ownReservationCounted ? 1 : 0;
    const used = Math.max(0, rule.usedCount + rule.reservedCount - own);
    if (used >= rule.usageLimit) return "used_up";
  }
  if (rule.type === "fixed" && rule.currency !== null && !sameCode(rule.currency, input.currency.code)) {
    return "currency_mismatch";
  }
  if (rule.minSubtotal !== null && rule.minSubtotal > 0) {
    const met = meetsMinSubtotal(rule.minSubtotal, rule.currency, input, exchange, cartGross);
    if (met === null) return "currency_mismatch";
    if (!met) return "min_subtotal";
  }
  return null;
}

/**
 * Whether the cart's subtotal (before discounts) reaches `minSubtotal` expressed in
 * `currency` (null = base). Compared exactly as rationals rather than by rounding a
 * converted figure, so a cart one rounding step short never qualifies by accident.
 * Returns null when the threshold is in a third currency we hold no rate for.
 */
function meetsMinSubtotal(minSubtotal: number, currency: string | null, input: PricingInput, exchange: Exchange, cartGross: number): boolean | null {
  if (currency !== null && sameCode(currency, input.currency.code)) return cartGross >= minSubtotal;
  if (currency !== null && !sameCode(currency, input.baseCurrency.code)) return null;
  if (exchange.isBase) return cartGross >= minSubtotal;
  // cartGross / 10^cartExp / rate  >=  minSubtotal / 10^baseExp
  // ⇔ cartGross × 10^baseExp × 10^scale  >=  minSubtotal × numerator × 10^cartExp
  const left = BigInt(cartGross) * 10n ** BigInt(input.baseCurrency.exponent) * exchange.rate.denominator;
  const right = BigInt(minSubtotal) * exchange.rate.numerator * 10n ** BigInt(input.currency.exponent);
  return left >= right;
}

/** The discount in cart minor units before capping at what is left (malformed values count as 0). */
function discountAmount(rule: DiscountRule, input: PricingInput, exchange: Exchange, remainingCart: number): number {
  if (rule.type === "percentage") {
    const bps = rule.percentBps;
    if (bps === null || !Number.isSafeInteger(bps) || bps <= 0) return 0;
    return toSafeNumber(roundHalfUpDiv(BigInt(remainingCart) * BigInt(bps), BPS_DENOMINATOR));
  }
  const amount = rule.amount;
  if (amount === null || !Number.isSafeInteger(amount) || amount <= 0) return 0;
  // A fixed amount without currency is in base money (a currency other than the cart's
  // was already rejected as currency_mismatch).
  if (rule.currency === null && !exchange.isBase) {
    return convertMinor(amount, input.baseCurrency.exponent, input.currency.exponent, exchange.rate);
  }
  return amount;
}

function findTaxRate(input: PricingInput, taxClass: string): TaxRateInfo | undefined {
  const country = input.country;
  if (country === null) return undefined;
  return input.taxRates.find((t) => sameCode(t.country, country) && t.taxClass === taxClass);
}

function finishLine(line: LineState, input: PricingInput): PricedLine {
  const net = line.remaining;
  const discountTotal = line.gross - net;
  const rate = findTaxRate(input, line.input.taxClass);
  let taxTotal = 0;
  let subtotal = line.gross;
  let total = net;
  const taxes: PricedLine["taxes"] = [];

  if (rate !== undefined) {
    assertNonNegativeInteger(rate.rateBps, `tax rate ${rate.name}`);
    const bps = BigInt(rate.rateBps);
    if (rate.inclusive) {
      // The listed price already contains the tax: extract it from the net, and keep
      // total = net. For `total = subtotal − discountTotal + taxTotal` to hold, the
      // reported subtotal is the pre-tax part of the list price: unitPrice×quantity − tax.
      taxTotal = toSafeNumber(roundHalfUpDiv(BigInt(net) * bps, BPS_DENOMINATOR + bps));
      subtotal = line.gross - taxTotal;
      total = net;
    } else {
      taxTotal = toSafeNumber(roundHalfUpDiv(BigInt(net) * bps, BPS_DENOMINATOR));
      total = toSafeNumber(BigInt(net) + BigInt(taxTotal));
    }
    taxes.push({ name: rate.name, rateBps: rate.rateBps, amount: taxTotal, inclusive: rate.inclusive });
  }

  return {
    lineId: line.input.lineId,
    variantId: line.input.variantId,
    sku: line.input.sku,
    title: line.input.title,
    quantity: line.input.quantity,
    unitPrice: line.unitPrice,
    priceSource: line.priceSource,
    subtotal,
    discountTotal,
    discounts: [...line.discounts].map(([code, amount]) => ({ code, amount })),
    taxTotal,
    taxes,
    total,
    taxInclusive: rate?.inclusive ?? false,
  };
}
