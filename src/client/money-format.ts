/**
 * Money for people, from the API's own figures: an integer amount in minor units, the
 * `currency` code and the `currency_exponent` the catalog gives it (how many digits its
 * minor unit has). The exponent comes from the API, never from Intl's table: a store
 * that sets HUF to two digits would otherwise show every price 100 times off. Pure and
 * dependency-free, so a storefront, the Worker's pages and the CLI share it.
 *
 *   formatMoney(123450, "HUF", 2, "hu-HU") → "1234,50 Ft"
 *   formatMoney(3800, "JPY", 0, "de-DE")   → "3.800 ¥"
 */

/** Anything that carries an amount's currency the way the API does. */
export interface MoneyCurrency {
  currency: string;
  currency_exponent: number;
}

/** Formats minor units as a plain decimal string: (1999, 2) → "19.99", (1999, 0) → "1999", (-5, 2) → "-0.05". Exact for any integer. */
export function formatMinor(amount: number | bigint, exponent: number): string {
  if (!Number.isSafeInteger(exponent) || exponent < 0 || exponent > 18) {
    throw new Error(`exponent must be an integer between 0 and 18, got ${String(exponent)}`);
  }
  if (typeof amount === "number" && !Number.isSafeInteger(amount)) {
    throw new Error(`amount must be an integer, got ${String(amount)}`);
  }
  const value = BigInt(amount);
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString();
  if (exponent === 0) return (negative ? "-" : "") + digits;
  const padded = digits.padStart(exponent + 1, "0");
  const whole = padded.slice(0, padded.length - exponent);
  const fraction = padded.slice(padded.length - exponent);
  return `${negative ? "-" : ""}${whole}.${fraction}`;
}

const formats = new Map<string, Intl.NumberFormat | null>();

/** Intl's currency format for the locale with exactly `exponent` decimals, or null when Intl cannot make one. */
function numberFormat(locale: string | undefined, currency: string, exponent: number): Intl.NumberFormat | null {
  const key = `${locale ?? ""}|${currency}|${exponent}`;
  let format = formats.get(key);
  if (format === undefined) {
    try {
      format = new Intl.NumberFormat(locale, { style: "currency", currency, minimumFractionDigits: exponent, maximumFractionDigits: exponent });
    } catch {
      // A locale tag or currency code Intl refuses: try the runtime's default locale, then give up.
      format = locale === undefined ? null : numberFormat(undefined, currency, exponent);
    }
    formats.set(key, format);
  }
  return format;
}

/**
 * `amount` minor units of `currency`, whose minor unit has `exponent` digits, written for
 * `locale` (a BCP 47 tag such as "de-DE"; the runtime's default when omitted). Exact: the
 * decimal goes to Intl as a string, never through a float. Falls back to "1234.50 XYZ"
 * when Intl cannot format the currency.
 */
export function formatMoney(amount: number, currency: string, exponent: number, locale?: string): string {
  const decimal = formatMinor(amount, exponent);
  const format = numberFormat(locale, currency, exponent);
  // Intl formats decimal strings exactly (ES2023); its type still says number.
  return format ? format.format(decimal as unknown as number) : `${decimal} ${currency}`;
}

/** `formatMoney` for an amount of an API object that carries `currency` and `currency_exponent` (a cart, a quote, an order, a variant). */
export function formatAmountOf(amount: number, of: MoneyCurrency, locale?: string): string {
  return formatMoney(amount, of.currency, of.currency_exponent, locale);
}

/**
 * The locale to write for, from an `Accept-Language` header ("hu-HU,hu;q=0.9,en;q=0.8"):
 * the most preferred tag Intl supports, or undefined (the runtime's default) when none is.
 */
export function localeFromAcceptLanguage(header: string | null | undefined): string | undefined {
  if (!header) return undefined;
  const ranked = header
    .split(",")
    .map((part, index) => {
      const [tag = "", ...params] = part.trim().split(";");
      const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return { tag: tag.trim(), q: q === undefined ? 1 : Number(q), index };
    })
    .filter((r) => r.tag !== "" && r.tag !== "*" && Number.isFinite(r.q) && r.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const { tag } of ranked) {
    try {
      const [canonical] = Intl.getCanonicalLocales(tag);
      if (canonical && Intl.NumberFormat.supportedLocalesOf([canonical]).length > 0) return canonical;
    } catch {
      // Not a well-formed tag: try the next one.
    }
  }
  return undefined;
}
