/**
 * Integer money helpers. Amounts are integers in a currency's minor unit (cents, yen,
 * fils); exchange rates are decimal strings. Every computation here is exact: rates
 * become BigInt rationals and products go through BigInt, so no float ever touches a
 * price and the same input always gives the same cent.
 */

/** A decimal rate string as an exact rational: `numerator / 10^scale`. */
export interface DecimalRate {
  numerator: bigint;
  scale: number;
  /** `10^scale`, kept so callers need not recompute it. */
  denominator: bigint;
}

// Digits with an optional fractional part: no sign, no exponent, no leading "." and no
// trailing "." — the exact form the admin API stores, so anything else is a data error.
const RATE_PATTERN = /^\d+(\.\d+)?$/;

/** Parses "0.92", "151.37" or "1" exactly. Throws a plain Error on anything else or on 0. */
export function parseRate(rate: string): DecimalRate {
  if (typeof rate !== "string" || !RATE_PATTERN.test(rate)) {
    throw new Error(`invalid exchange rate ${JSON.stringify(rate)}: expected a decimal string like "0.92"`);
  }
  const [whole = "", fraction = ""] = rate.split(".");
  const numerator = BigInt(whole + fraction);
  if (numerator === 0n) {
    throw new Error(`invalid exchange rate ${JSON.stringify(rate)}: must be greater than 0`);
  }
  return { numerator, scale: fraction.length, denominator: 10n ** BigInt(fraction.length) };
}

/** Whether `rate` is a valid rate string (the same test `parseRate` applies). */
export function isValidRate(rate: string): boolean {
  try {
    parseRate(rate);
    return true;
  } catch {
    return false;
  }
}

/** round-half-up(numerator / denominator) for numerator >= 0 and denominator > 0. */
export function roundHalfUpDiv(numerator: bigint, denominator: bigint): bigint {
  if (denominator <= 0n) throw new Error("roundHalfUpDiv: denominator must be positive");
  if (numerator < 0n) throw new Error("roundHalfUpDiv: numerator must be non-negative");
  // floor((2n + d) / 2d) == floor(n/d + 1/2): exact half rounds up.
  return (2n * numerator + denominator) / (2n * denominator);
}

/** Converts a BigInt that must fit a JS number exactly; throws rather than lose a cent. */
export function toSafeNumber(value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new Error(`amount ${value} exceeds the safe integer range`);
  }
  return Number(value);
}

export function assertNonNegativeInteger(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new Error(`${what} must be a non-negative integer, got ${String(value)}`);
  }
}

function assertExponent(exponent: number, what: string): void {
  // ISO 4217 uses 0..4; 18 leaves room without letting 10^exp explode.
  if (!Number.isSafeInteger(exponent) || exponent < 0 || exponent > 18) {
    throw new Error(`${what} must be an integer between 0 and 18, got ${String(exponent)}`);
  }
}

/**
 * Converts `amountMinor` (minor units of a currency with `fromExponent` decimals) into
 * minor units of a currency with `toExponent` decimals at `rate` (target units per
 * source unit): round-half-up(amount × rate × 10^(toExponent − fromExponent)).
 */
export function convertMinor(amountMinor: number, fromExponent: number, toExponent: number, rate: string | DecimalRate): number {
  assertNonNegativeInteger(amountMinor, "amount");
  assertExponent(fromExponent, "fromExponent");
  assertExponent(toExponent, "toExponent");
  const parsed = typeof rate === "string" ? parseRate(rate) : rate;
  const shift = toExponent - fromExponent;
  let numerator = BigInt(amountMinor) * parsed.numerator;
  let denominator = parsed.denominator;
  if (shift >= 0) numerator *= 10n ** BigInt(shift);
  else denominator *= 10n ** BigInt(-shift);
  return toSafeNumber(roundHalfUpDiv(numerator, denominator));
}

/**
 * Splits `total` into integer shares proportional to `weights` (largest remainder
 * method): each share is floor(total × w / W); the units left over go one each to the
 * shares with the largest fractional remainders, ties to the lower index. The result
 * sums to `total` exactly when W > 0, a zero weight always gets 0, and every share is
 * within 1 of its exact proportional value. With all weights zero there is nothing to
 * be proportional to: every share is 0 and the caller must not allocate.
 */
export function allocateLargestRemainder(total: number, weights: number[]): number[] {
  assertNonNegativeInteger(total, "total");
  for (const [i, w] of weights.entries()) assertNonNegativeInteger(w, `weights[${i}]`);
  const totalBig = BigInt(total);
  const weightSum = weights.reduce((sum, w) => sum + BigInt(w), 0n);
  if (weightSum === 0n) return weights.map(() => 0);

  // BigInt because total × weight easily passes 2^53 for large carts.
  const shares = weights.map((w) => (totalBig * BigInt(w)) / weightSum);
  // Remainders share the denominator W, so comparing the integer remainders compares
  // the fractional parts exactly.
  const remainders = weights.map((w) => (totalBig * BigInt(w)) % weightSum);
  let left = totalBig - shares.reduce((sum, s) => sum + s, 0n);
  const order = weights
    .map((_, i) => i)
    .sort((a, b) => {
      const ra = remainders[a]!;
      const rb = remainders[b]!;
      if (ra !== rb) return ra > rb ? -1 : 1;
      return a - b;
    });
  // `left` is less than the number of non-zero remainders, so a zero weight (whose
  // remainder is 0) never receives one of these units.
  for (const i of order) {
    if (left === 0n) break;
    shares[i] = shares[i]! + 1n;
    left -= 1n;
  }
  return shares.map(toSafeNumber);
}

/**
 * `value` × 10^places as an exact integer when `value` has at most `places` decimals, else
 * null: 1.1 → 110 and 19.99 → 1999 at 2 places (where `1.1 * 100` is 110.00000000000001).
 * A JSON number arrives as the nearest double, and its shortest decimal form (what
 * `String` prints) is the literal the client sent, so the test is on those digits.
 */
export function decimalToScaled(value: number, places: number): number | null {
  if (!Number.isFinite(value)) return null;
  const text = String(Math.abs(value));
  const match = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) return null; // exponent notation: 1e-7, or too large to be a price of anything
  const [, whole = "", fraction = ""] = match;
  if (fraction.length > places) return null;
  const scaled = Number(whole + fraction.padEnd(places, "0"));
  if (!Number.isSafeInteger(scaled)) return null;
  return value < 0 ? -scaled : scaled;
}
