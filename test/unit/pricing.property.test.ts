import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { allocateLargestRemainder, convertMinor } from "../../src/checkout/money";
import { priceCart, type CurrencyInfo, type DiscountRule, type PricedCart, type PricingInput, type TaxRateInfo } from "../../src/checkout/pricing";

const NOW = new Date("2026-11-22T10:00:00.000Z");
const HOUR = 3_600_000;
const TAX_CLASSES = ["standard", "reduced", "zero", "exempt"] as const;
const COUNTRIES = ["US", "DE", "JP"] as const;

// ---------------------------------------------------------------------------
// A decimal reference for convertMinor that shares nothing with money.ts: digit
// strings, schoolbook multiplication and rounding by looking at the first dropped digit.

function multiplyDigitStrings(a: string, b: string): string {
  const result = new Array<number>(a.length + b.length).fill(0);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      const pos = i + j + 1;
      const product = Number(a[i]) * Number(b[j]) + result[pos]!;
      result[pos] = product % 10;
      result[pos - 1]! += Math.floor(product / 10);
    }
  }
  return result.join("").replace(/^0+(?=\d)/, "");
}

function incrementDigitString(s: string): string {
  const digits = s.split("").map(Number);
  let i = digits.length - 1;
  while (i >= 0 && digits[i] === 9) digits[i--] = 0;
  if (i < 0) digits.unshift(1);
  else digits[i]! += 1;
  return digits.join("");
}

/** round-half-up(amount × rate × 10^(toExp − fromExp)) computed on decimal strings. */
function referenceConvert(amount: number, fromExp: number, toExp: number, rate: string): string {
  const [whole = "", fraction = ""] = rate.split(".");
  const product = multiplyDigitStrings(String(amount), whole + fraction);
  // The product carries `fraction.length` decimals; the exponent shift moves the point.
  const decimals = fraction.length - (toExp - fromExp);
  let integerPart: string;
  let dropped: string;
  if (decimals <= 0) {
    integerPart = product + "0".repeat(-decimals);
    dropped = "";
  } else {
    const padded = product.padStart(decimals + 1, "0");
    integerPart = padded.slice(0, padded.length - decimals);
    dropped = padded.slice(padded.length - decimals);
  }
  const rounded = dropped !== "" && Number(dropped[0]) >= 5 ? incrementDigitString(integerPart) : integerPart;
  return rounded.replace(/^0+(?=\d)/, "");
}

// ---------------------------------------------------------------------------
// Generators

/** A valid rate string with an integer part up to `maxWhole` and up to 6 decimals. */
const rateArb = (maxWhole: number) =>
  fc
    .tuple(fc.integer({ min: 0, max: maxWhole }), fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 6 }))
    .map(([whole, fraction]) => (fraction.length === 0 ? String(whole) : `${whole}.${fraction.join("")}`))
    .filter((rate) => /[1-9]/.test(rate));

const exponentArb = fc.constantFrom(0, 2, 3);

const isoAt = (offsetHours: number) => new Date(NOW.getTime() + offsetHours * HOUR).toISOString();
/** Mostly null (so most generated codes are eligible and actually apply), sometimes a value. */
const mostlyNull = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ arbitrary: fc.constant(null), weight: 4 }, { arbitrary: arb, weight: 1 });

const windowEdgeArb = mostlyNull(fc.integer({ min: -48, max: 48 }).map(isoAt));

function discountArb(cartCode: string, baseCode: string): fc.Arbitrary<{ code: string; rule: DiscountRule | null }> {
  const currencyArb = fc.oneof(
    { arbitrary: fc.constantFrom<string | null>(null, cartCode), weight: 6 },
    { arbitrary: fc.constantFrom<string | null>(baseCode, "GBP"), weight: 1 },
  );
  const ruleArb: fc.Arbitrary<DiscountRule> = fc.record({
    code: fc.constant(""),
    type: fc.constantFrom<"percentage" | "fixed">("percentage", "fixed"),
    percentBps: fc.option(fc.oneof(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 1, max: 3_000 })), { nil: null, freq: 10 }),
    amount: fc.option(fc.oneof(fc.integer({ min: 0, max: 5_000 }), fc.integer({ min: 0, max: 100_000_000 })), { nil: null, freq: 10 }),
    currency: currencyArb,
    startsAt: windowEdgeArb,
    endsAt: windowEdgeArb,
    usageLimit: mostlyNull(fc.integer({ min: 0, max: 5 })),
    usedCount: fc.integer({ min: 0, max: 5 }),
    reservedCount: fc.integer({ min: 0, max: 5 }),
    minSubtotal: mostlyNull(fc.integer({ min: 0, max: 20_000_000 })),
    active: fc.oneof({ arbitrary: fc.constant(true), weight: 9 }, { arbitrary: fc.constant(false), weight: 1 }),
  });
  return fc
    .record({
      code: fc.constantFrom("A", "B", "C", "D", "E", "F"),
      rule: fc.option(ruleArb, { nil: null, freq: 10 }),
    })
    .map(({ code, rule }) => ({ code, rule: rule === null ? null : { ...rule, code } }));
}

const taxRateArb: fc.Arbitrary<TaxRateInfo> = fc.record({
  country: fc.constantFrom(...COUNTRIES),
  taxClass: fc.constantFrom(...TAX_CLASSES),
  name: fc.constantFrom("VAT", "GST", "Sales tax"),
  rateBps: fc.oneof(fc.integer({ min: 0, max: 2_500 }), fc.integer({ min: 0, max: 10_000 })),
  inclusive: fc.boolean(),
});

const pricingInputArb: fc.Arbitrary<PricingInput> = fc
  .record({ baseExp: exponentArb, cartExp: exponentArb, isBase: fc.boolean() })
  .chain(({ baseExp, cartExp, isBase }) => {
    const base: CurrencyInfo = { code: "USD", exponent: baseExp, rateFromBase: "1", updatedAt: null };
    // Keep converted prices well inside 2^53 for 20 lines of 99 units: a large rate only
    // when the target has no more decimals than the base.
    const shift = isBase ? 0 : cartExp - baseExp;
    const cartCode = isBase ? "USD" : "XTS";
    const priceArb = fc.oneof(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 10_000_000 }));
    const lineArb = fc.record({
      lineId: fc.constant(""),
      variantId: fc.constant(""),
      sku: fc.constant(""),
      title: fc.constant(""),
      quantity: fc.integer({ min: 1, max: 99 }),
      taxClass: fc.constantFrom(...TAX_CLASSES),
      basePrice: priceArb,
      cartPrice: fc.option(priceArb, { nil: null }),
    });
    return fc
      .record({
        rate: isBase ? fc.constant("1") : rateArb(shift > 0 ? 9 : 999),
        country: fc.option(fc.constantFrom(...COUNTRIES), { nil: null, freq: 4 }),
        lines: fc.array(lineArb, { minLength: 1, maxLength: 20 }),
        discounts: fc.array(discountArb(cartCode, "USD"), { maxLength: 4 }),
        taxRates: fc.array(taxRateArb, { maxLength: 8 }),
        ownReservationCounted: fc.boolean(),
      })
      .map(({ rate, country, lines, discounts, taxRates, ownReservationCounted }) => ({
        currency: isBase ? base : { code: cartCode, exponent: cartExp, rateFromBase: rate, updatedAt: "2026-11-21T00:00:00.000Z" },
        baseCurrency: base,
        country,
        lines: lines.map(({ basePrice, cartPrice, ...rest }, i) => ({
          ...rest,
          lineId: `line_${i}`,
          variantId: `var_${i}`,
          sku: `SKU-${i}`,
          title: `Item ${i}`,
          prices: cartPrice === null || isBase ? { USD: basePrice } : { USD: basePrice, [cartCode]: cartPrice },
        })),
        discounts,
        taxRates,
        ownReservationCounted,
      }));
  });

const isNonNegativeInteger = (v: number) => Number.isSafeInteger(v) && v >= 0;

describe("priceCart properties", () => {
  it("every line and the cart add up, the cart is the sum of its lines, all integers ≥ 0", () => {
    fc.assert(
      fc.property(pricingInputArb, (input) => {
        const priced = priceCart(input, NOW);
        for (const l of priced.lines) {
          for (const v of [
            l.unitPrice,
            l.subtotal,
            l.discountTotal,
            l.taxTotal,
            l.total,
            ...l.discounts.map((d) => d.amount),
            ...l.taxes.map((t) => t.amount),
          ]) {
            expect(isNonNegativeInteger(v)).toBe(true);
          }
          expect(l.total).toBe(l.subtotal - l.discountTotal + l.taxTotal);
          expect(l.discountTotal).toBe(l.discounts.reduce((s, d) => s + d.amount, 0));
          expect(l.taxTotal).toBe(l.taxes.reduce((s, t) => s + t.amount, 0));
          // Discounts never exceed the list amount.
          expect(l.discountTotal).toBeLessThanOrEqual(l.unitPrice * l.quantity);
        }
        for (const v of [priced.subtotal, priced.discountTotal, priced.taxTotal, priced.total]) {
          expect(isNonNegativeInteger(v)).toBe(true);
        }
        const sum = (pick: (l: PricedCart["lines"][number]) => number) => priced.lines.reduce((s, l) => s + pick(l), 0);
        expect(priced.subtotal).toBe(sum((l) => l.subtotal));
        expect(priced.discountTotal).toBe(sum((l) => l.discountTotal));
        expect(priced.taxTotal).toBe(sum((l) => l.taxTotal));
        expect(priced.total).toBe(sum((l) => l.total));
        expect(priced.total).toBe(priced.subtotal - priced.discountTotal + priced.taxTotal);
        expect(priced.lines).toHaveLength(input.lines.length);
      }),
      { numRuns: 300 },
    );
  });

  it("allocates exactly the cart discount of each code: no cent lost or created", () => {
    fc.assert(
      fc.property(pricingInputArb, (input) => {
        const priced = priceCart(input, NOW);
        for (const applied of priced.appliedDiscounts) {
          expect(applied.amount).toBeGreaterThan(0);
          const allocated = priced.lines.reduce((s, l) => s + (l.discounts.find((d) => d.code === applied.code)?.amount ?? 0), 0);
          expect(allocated).toBe(applied.amount);
        }
        expect(priced.discountTotal).toBe(priced.appliedDiscounts.reduce((s, d) => s + d.amount, 0));
        // Every listed code ends up either applied or rejected (a repeated code counts once).
        const outcome = [...priced.appliedDiscounts.map((d) => d.code), ...priced.rejectedDiscounts.map((d) => d.code)].sort();
        expect(outcome).toEqual([...new Set(input.discounts.map((d) => d.code))].sort());
      }),
      { numRuns: 300 },
    );
  });

  it("is deterministic: the same input gives the same output", () => {
    fc.assert(
      fc.property(pricingInputArb, (input) => {
        expect(priceCart(structuredClone(input), new Date(NOW))).toEqual(priceCart(input, NOW));
      }),
      { numRuns: 100 },
    );
  });

  it("is fair: each line's share of a discount is within 1 of its exact proportional share", () => {
    fc.assert(
      fc.property(pricingInputArb, (input) => {
        const priced = priceCart(input, NOW);
        // Replay the discounts in order: before each one, a line's weight is its list
        // amount minus the shares it received from the earlier codes.
        const remaining = priced.lines.map((l) => BigInt(l.unitPrice) * BigInt(l.quantity));
        for (const applied of priced.appliedDiscounts) {
          const weightSum = remaining.reduce((a, b) => a + b, 0n);
          const amount = BigInt(applied.amount);
          expect(amount <= weightSum).toBe(true);
          priced.lines.forEach((l, i) => {
            const share = BigInt(l.discounts.find((d) => d.code === applied.code)?.amount ?? 0);
            // |share − amount × w / W| < 1  ⇔  |share × W − amount × w| < W
            const diff = share * weightSum - amount * remaining[i]!;
            expect((diff < 0n ? -diff : diff) < weightSum).toBe(true);
            remaining[i] = remaining[i]! - share;
            expect(remaining[i]! >= 0n).toBe(true);
          });
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("allocateLargestRemainder properties", () => {
  const weightsArb = fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 1_000_000_000 })), { minLength: 1, maxLength: 30 });

  it("sums to the total, gives zero weights nothing, and stays within 1 of the exact share", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000_000_000 }), weightsArb, (total, weights) => {
        const shares = allocateLargestRemainder(total, weights);
        const weightSum = weights.reduce((a, b) => a + BigInt(b), 0n);
        expect(shares).toHaveLength(weights.length);
        if (weightSum === 0n) {
          expect(shares.every((s) => s === 0)).toBe(true);
          return;
        }
        expect(shares.reduce((a, b) => a + b, 0)).toBe(total);
        shares.forEach((share, i) => {
          expect(isNonNegativeInteger(share)).toBe(true);
          if (weights[i] === 0) expect(share).toBe(0);
          const diff = BigInt(share) * weightSum - BigInt(total) * BigInt(weights[i]!);
          expect((diff < 0n ? -diff : diff) < weightSum).toBe(true);
        });
        expect(allocateLargestRemainder(total, [...weights])).toEqual(shares);
      }),
      { numRuns: 500 },
    );
  });
});

describe("convertMinor properties", () => {
  it("agrees with a string-based decimal reference for random rates", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), exponentArb, exponentArb, rateArb(999), (amount, fromExp, toExp, rate) => {
        expect(String(convertMinor(amount, fromExp, toExp, rate))).toBe(referenceConvert(amount, fromExp, toExp, rate));
      }),
      { numRuns: 1000 },
    );
  });

  it("the reference itself rounds known cases", () => {
    expect(referenceConvert(1999, 2, 0, "151.37")).toBe("3026");
    expect(referenceConvert(50, 2, 2, "0.93")).toBe("47");
    expect(referenceConvert(1, 3, 0, "1")).toBe("0");
    expect(referenceConvert(100, 0, 3, "2")).toBe("200000");
    expect(referenceConvert(9995, 2, 0, "1")).toBe("100");
  });
});
