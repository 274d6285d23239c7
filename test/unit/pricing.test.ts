import { describe, expect, it } from "vitest";
import {
  PricingError,
  priceCart,
  type CurrencyInfo,
  type DiscountRule,
  type PricedCart,
  type PricingInput,
  type PricingLineInput,
  type TaxRateInfo,
} from "../../src/checkout/pricing";

const NOW = new Date("2026-11-22T10:00:00.000Z");

const USD: CurrencyInfo = { code: "USD", exponent: 2, rateFromBase: "1", updatedAt: "2026-01-01T00:00:00.000Z" };
const EUR: CurrencyInfo = { code: "EUR", exponent: 2, rateFromBase: "0.92", updatedAt: "2026-11-20T08:00:00.000Z" };
const JPY: CurrencyInfo = { code: "JPY", exponent: 0, rateFromBase: "151.37", updatedAt: "2026-11-21T08:00:00.000Z" };
const KWD: CurrencyInfo = { code: "KWD", exponent: 3, rateFromBase: "0.307", updatedAt: null };

function line(id: string, prices: Record<string, number>, quantity = 1, taxClass = "standard"): PricingLineInput {
  return { lineId: `line_${id}`, variantId: `var_${id}`, sku: `SKU-${id}`, title: `Item ${id}`, quantity, taxClass, prices };
}

function rule(code: string, overrides: Partial<DiscountRule> = {}): DiscountRule {
  return {
    code,
    type: "percentage",
    percentBps: 1000,
    amount: null,
    currency: null,
    startsAt: null,
    endsAt: null,
    usageLimit: null,
    usedCount: 0,
    reservedCount: 0,
    minSubtotal: null,
    active: true,
    ...overrides,
  };
}

function fixed(code: string, amount: number, currency: string | null, overrides: Partial<DiscountRule> = {}): DiscountRule {
  return rule(code, { type: "fixed", percentBps: null, amount, currency, ...overrides });
}

function cart(overrides: Partial<PricingInput> = {}): PricingInput {
  return { currency: USD, baseCurrency: USD, country: null, lines: [], discounts: [], taxRates: [], ...overrides };
}

function withCodes(...rules: Array<DiscountRule | [string, null]>): PricingInput["discounts"] {
  return rules.map((r) => (Array.isArray(r) ? { code: r[0], rule: null } : { code: r.code, rule: r }));
}

/** The API invariants every priced cart must satisfy. */
function expectConsistent(priced: PricedCart): void {
  for (const l of priced.lines) {
    expect(l.total).toBe(l.subtotal - l.discountTotal + l.taxTotal);
    expect(l.discountTotal).toBe(l.discounts.reduce((s, d) => s + d.amount, 0));
    expect(l.taxTotal).toBe(l.taxes.reduce((s, t) => s + t.amount, 0));
    for (const v of [l.subtotal, l.discountTotal, l.taxTotal, l.total, l.unitPrice]) {
      expect(Number.isSafeInteger(v) && v >= 0).toBe(true);
    }
  }
  const sum = (pick: (l: PricedCart["lines"][number]) => number) => priced.lines.reduce((s, l) => s + pick(l), 0);
  expect(priced.subtotal).toBe(sum((l) => l.subtotal));
  expect(priced.discountTotal).toBe(sum((l) => l.discountTotal));
  expect(priced.taxTotal).toBe(sum((l) => l.taxTotal));
  expect(priced.total).toBe(sum((l) => l.total));
  expect(priced.total).toBe(priced.subtotal - priced.discountTotal + priced.taxTotal);
  expect(priced.discountTotal).toBe(priced.appliedDiscounts.reduce((s, d) => s + d.amount, 0));
}

function price(input: PricingInput, now = NOW): PricedCart {
  const priced = priceCart(input, now);
  expectConsistent(priced);
  return priced;
}

describe("unit prices", () => {
  it("uses the explicit price in the cart currency", () => {
    const priced = price(cart({ currency: EUR, lines: [line("a", { USD: 1999, EUR: 1899 }, 2)] }));
    expect(priced.lines[0]).toMatchObject({ unitPrice: 1899, priceSource: "explicit", subtotal: 3798, total: 3798 });
    expect(priced).toMatchObject({ currency: "EUR", exponent: 2, exchangeRate: "0.92", exchangeRateUpdatedAt: EUR.updatedAt });
  });

  it("converts the base price when the cart currency has none", () => {
    const priced = price(cart({ currency: EUR, lines: [line("a", { USD: 1999 }, 3)] }));
    // 19.99 × 0.92 = 18.3908 → 1839 cents.
    expect(priced.lines[0]).toMatchObject({ unitPrice: 1839, priceSource: "converted", subtotal: 5517 });
    expect(priced.total).toBe(5517);
  });

  it("converts USD to JPY (exponent 0)", () => {
    const priced = price(cart({ currency: JPY, lines: [line("a", { USD: 1999 }), line("b", { USD: 1999, JPY: 3000 })] }));
    // 19.99 × 151.37 = 3025.8863 → ¥3026
    expect(priced.lines.map((l) => [l.unitPrice, l.priceSource])).toEqual([
      [3026, "converted"],
      [3000, "explicit"],
    ]);
    expect(priced).toMatchObject({ currency: "JPY", exponent: 0, exchangeRate: "151.37", subtotal: 6026, total: 6026 });
  });

  it("rounds a converted price half up", () => {
    const half = { ...EUR, rateFromBase: "0.93" };
    // 0.50 × 0.93 = 0.465 → 47 cents; 1 cent × 150 = ¥1.5 → ¥2.
    expect(price(cart({ currency: half, lines: [line("a", { USD: 50 })] })).lines[0]!.unitPrice).toBe(47);
    const yen = { ...JPY, rateFromBase: "150" };
    expect(price(cart({ currency: yen, lines: [line("a", { USD: 1 })] })).lines[0]!.unitPrice).toBe(2);
  });

  it("converts into a 3-decimal currency", () => {
    const priced = price(cart({ currency: KWD, lines: [line("a", { USD: 1999 }, 2)] }));
    // 19.99 × 0.307 = 6.13693 → 6.137 KWD
    expect(priced.lines[0]).toMatchObject({ unitPrice: 6137, subtotal: 12274 });
    expect(priced).toMatchObject({ exponent: 3, exchangeRate: "0.307", exchangeRateUpdatedAt: null });
  });

  it("reports rate 1 and no rate date for the base currency", () => {
    const priced = price(cart({ lines: [line("a", { USD: 1999 })] }));
    expect(priced).toMatchObject({ currency: "USD", exchangeRate: "1", exchangeRateUpdatedAt: null, total: 1999 });
  });

  it("prices a zero-price line and an empty cart", () => {
    expect(price(cart({ lines: [line("a", { USD: 0 }, 5)] })).total).toBe(0);
    const empty = price(cart());
    expect(empty).toMatchObject({ lines: [], subtotal: 0, discountTotal: 0, taxTotal: 0, total: 0 });
  });

  it("throws price_missing when neither the cart nor the base currency has a price", () => {
    const input = cart({ currency: EUR, lines: [line("a", { USD: 100 }), line("b", { GBP: 900 })] });
    expect(() => priceCart(input, NOW)).toThrow(PricingError);
    try {
      priceCart(input, NOW);
    } catch (err) {
      expect(err).toBeInstanceOf(PricingError);
      expect((err as PricingError).code).toBe("price_missing");
      expect((err as PricingError).details).toMatchObject({ variant_id: "var_b" });
    }
    // In a base-currency cart there is nothing to convert from.
    expect(() => priceCart(cart({ lines: [line("c", { EUR: 100 })] }), NOW)).toThrow(
      expect.objectContaining({ code: "price_missing", details: expect.objectContaining({ variant_id: "var_c" }) }),
    );
  });

  it("throws invalid_rate for a malformed cart-currency rate", () => {
    for (const bad of ["", "0", "-1", "1e2", "abc", ".5"]) {
      const input = cart({ currency: { ...EUR, rateFromBase: bad }, lines: [line("a", { EUR: 100 })] });
      expect(() => priceCart(input, NOW)).toThrow(expect.objectContaining({ name: "PricingError", code: "invalid_rate" }));
    }
  });
});

describe("discounts", () => {
  it("applies a percentage discount, rounding half up", () => {
    const priced = price(cart({ lines: [line("a", { USD: 1999 }, 2)], discounts: withCodes(rule("SAVE10")) }));
    // 10% of 39.98 = 3.998 → 4.00
    expect(priced).toMatchObject({ subtotal: 3998, discountTotal: 400, total: 3598 });
    expect(priced.appliedDiscounts).toEqual([{ code: "SAVE10", amount: 400 }]);
    expect(priced.lines[0]!.discounts).toEqual([{ code: "SAVE10", amount: 400 }]);
    expect(priced.rejectedDiscounts).toEqual([]);
  });

  it("rounds an exact half of a percentage up", () => {
    // 12.5% of 1.00 = 12.5 cents → 13
    const priced = price(cart({ lines: [line("a", { USD: 100 })], discounts: withCodes(rule("P", { percentBps: 1250 })) }));
    expect(priced.discountTotal).toBe(13);
  });

  it("applies a fixed discount in the cart currency", () => {
    const priced = price(cart({ lines: [line("a", { USD: 1999 }, 2)], discounts: withCodes(fixed("FIVE", 500, "USD")) }));
    expect(priced).toMatchObject({ discountTotal: 500, total: 3498 });
  });

  it("converts a fixed discount without currency from base money", () => {
    const priced = price(cart({ currency: EUR, lines: [line("a", { EUR: 5000 })], discounts: withCodes(fixed("FIVE", 500, null)) }));
    // $5.00 × 0.92 = €4.60
    expect(priced).toMatchObject({ discountTotal: 460, total: 4540 });
    const yen = price(cart({ currency: JPY, lines: [line("a", { JPY: 5000 })], discounts: withCodes(fixed("FIVE", 500, null)) }));
    // $5.00 × 151.37 = ¥756.85 → ¥757
    expect(yen).toMatchObject({ discountTotal: 757, total: 4243 });
  });

  it("stacks two codes, each on what the previous one left", () => {
    const lines = [line("a", { USD: 10000 })];
    const pctFirst = price(cart({ lines, discounts: withCodes(rule("PCT"), fixed("FIVE", 500, "USD")) }));
    expect(pctFirst.appliedDiscounts).toEqual([
      { code: "PCT", amount: 1000 },
      { code: "FIVE", amount: 500 },
    ]);
    expect(pctFirst.total).toBe(8500);
    const fixedFirst = price(cart({ lines, discounts: withCodes(fixed("FIVE", 500, "USD"), rule("PCT")) }));
    expect(fixedFirst.appliedDiscounts).toEqual([
      { code: "FIVE", amount: 500 },
      { code: "PCT", amount: 950 },
    ]);
    expect(fixedFirst.total).toBe(8550);
    // Two percentages compound: 10% then 10% is 19%.
    const twoPct = price(cart({ lines, discounts: withCodes(rule("A"), rule("B")) }));
    expect(twoPct.discountTotal).toBe(1900);
  });

  it("allocates a discount that does not divide evenly over three lines by largest remainder", () => {
    const lines = [line("a", { USD: 999 }), line("b", { USD: 999 }), line("c", { USD: 999 })];
    const priced = price(cart({ lines, discounts: withCodes(fixed("ONE", 100, "USD")) }));
    // 100/3 = 33.33 each; the one leftover cent goes to the first line (tie → lower index).
    expect(priced.lines.map((l) => l.discountTotal)).toEqual([34, 33, 33]);
    expect(priced.lines.map((l) => l.total)).toEqual([965, 966, 966]);
    expect(priced.discountTotal).toBe(100);
  });

  it("weights the allocation by each line's remaining amount", () => {
    const lines = [line("a", { USD: 333 }), line("b", { USD: 667 }), line("c", { USD: 1000 })];
    const priced = price(cart({ lines, discounts: withCodes(rule("TEN")) }));
    // 10% of 20.00 = 200; exact shares 33.3, 66.7, 100 → the .7 gets the leftover cent.
    expect(priced.lines.map((l) => l.discountTotal)).toEqual([33, 67, 100]);

    // A second code is weighted by what the first one left per line: 300, 600, 900.
    const stacked = price(cart({ lines, discounts: withCodes(rule("TEN"), fixed("X", 100, "USD")) }));
    expect(stacked.lines.map((l) => l.discounts)).toEqual([
      [
        { code: "TEN", amount: 33 },
        { code: "X", amount: 17 },
      ],
      [
        { code: "TEN", amount: 67 },
        { code: "X", amount: 33 },
      ],
      [
        { code: "TEN", amount: 100 },
        { code: "X", amount: 50 },
      ],
    ]);
    expect(stacked.appliedDiscounts).toEqual([
      { code: "TEN", amount: 200 },
      { code: "X", amount: 100 },
    ]);
  });

  it("caps a fixed discount larger than the cart at the cart: total 0, never negative", () => {
    const lines = [line("a", { USD: 1999 }, 2), line("b", { USD: 1 })];
    const taxRates: TaxRateInfo[] = [{ country: "US", taxClass: "standard", name: "Sales tax", rateBps: 800, inclusive: false }];
    const priced = price(cart({ lines, country: "US", taxRates, discounts: withCodes(fixed("BIG", 100000, "USD"), rule("PCT")) }));
    expect(priced).toMatchObject({ subtotal: 3999, discountTotal: 3999, taxTotal: 0, total: 0 });
    expect(priced.lines.map((l) => l.total)).toEqual([0, 0]);
    expect(priced.appliedDiscounts).toEqual([{ code: "BIG", amount: 3999 }]);
    // Nothing is left for the percentage code to take.
    expect(priced.rejectedDiscounts).toEqual([{ code: "PCT", reason: "no_effect" }]);
  });

  it("applies a code listed twice only once", () => {
    const priced = price(cart({ lines: [line("a", { USD: 1000 })], discounts: withCodes(rule("A"), rule("A")) }));
    expect(priced.appliedDiscounts).toEqual([{ code: "A", amount: 100 }]);
    expect(priced.rejectedDiscounts).toEqual([]);
  });
});

describe("discount rejections", () => {
  const lines = [line("a", { USD: 5000 })];
  const HOUR = 3_600_000;
  const at = (offsetMs: number) => new Date(NOW.getTime() + offsetMs).toISOString();

  function rejection(r: DiscountRule | [string, null], extra: Partial<PricingInput> = {}) {
    const priced = price(cart({ lines, discounts: withCodes(r), ...extra }));
    return priced.rejectedDiscounts[0]?.reason ?? null;
  }

  it.each<[string, DiscountRule | [string, null], string]>([
    ["unknown code", ["NOPE", null], "not_found"],
    ["inactive", rule("X", { active: false }), "inactive"],
    ["starts later", rule("X", { startsAt: at(1) }), "not_started"],
    ["ended", rule("X", { endsAt: at(-HOUR) }), "expired"],
    ["ends exactly now", rule("X", { endsAt: at(0) }), "expired"],
    ["limit reached by uses", rule("X", { usageLimit: 3, usedCount: 3 }), "used_up"],
    ["limit reached by uses plus reservations", rule("X", { usageLimit: 5, usedCount: 3, reservedCount: 2 }), "used_up"],
    ["fixed in another currency", fixed("X", 100, "EUR"), "currency_mismatch"],
    ["min subtotal not met", rule("X", { minSubtotal: 5001 }), "min_subtotal"],
    ["percentage of zero", rule("X", { percentBps: 0 }), "no_effect"],
    ["fixed of zero", fixed("X", 0, "USD"), "no_effect"],
  ])("%s → %s", (_name, r, reason) => {
    expect(rejection(r)).toBe(reason);
  });

  it("accepts the window boundaries [startsAt, endsAt) and a limit not yet reached", () => {
    expect(rejection(rule("X", { startsAt: at(0), endsAt: at(1) }))).toBeNull();
    expect(rejection(rule("X", { usageLimit: 5, usedCount: 3, reservedCount: 1 }))).toBeNull();
    expect(rejection(rule("X", { minSubtotal: 5000 }))).toBeNull();
  });

  it("fails closed on an unreadable window date", () => {
    expect(rejection(rule("X", { startsAt: "not a date" }))).toBe("not_started");
    expect(rejection(rule("X", { endsAt: "not a date" }))).toBe("expired");
  });

  it("does not count this checkout's own reservation against the limit at price lock", () => {
    const held = rule("LAST", { usageLimit: 1, usedCount: 0, reservedCount: 1 });
    expect(rejection(held)).toBe("used_up");
    expect(rejection(held, { ownReservationCounted: true })).toBeNull();
    // Only one reservation is ours: another checkout's reservation still counts.
    expect(rejection(rule("LAST", { usageLimit: 2, usedCount: 1, reservedCount: 2 }), { ownReservationCounted: true })).toBe("used_up");
    // The count never goes below zero.
    expect(rejection(rule("Z", { usageLimit: 0 }), { ownReservationCounted: true })).toBe("used_up");
  });

  it("reports the first failing reason in the contract's order", () => {
    const everythingWrong = fixed("X", 100, "EUR", {
      active: false,
      startsAt: at(HOUR),
      endsAt: at(-HOUR),
      usageLimit: 1,
      usedCount: 1,
      minSubtotal: 999999,
    });
    expect(rejection(everythingWrong)).toBe("inactive");
    expect(rejection({ ...everythingWrong, active: true })).toBe("not_started");
    expect(rejection({ ...everythingWrong, active: true, startsAt: null })).toBe("expired");
    expect(rejection({ ...everythingWrong, active: true, startsAt: null, endsAt: null })).toBe("used_up");
    expect(rejection({ ...everythingWrong, active: true, startsAt: null, endsAt: null, usageLimit: null })).toBe("currency_mismatch");
    expect(rejection({ ...everythingWrong, active: true, startsAt: null, endsAt: null, usageLimit: null, currency: "USD" })).toBe("min_subtotal");
  });

  it("treats a fixed discount in the base currency code as a mismatch in a non-base cart", () => {
    const priced = price(cart({ currency: EUR, lines: [line("a", { EUR: 5000 })], discounts: withCodes(fixed("X", 100, "USD")) }));
    expect(priced.rejectedDiscounts).toEqual([{ code: "X", reason: "currency_mismatch" }]);
  });

  it("compares min_subtotal with the cart subtotal converted to the discount's money", () => {
    // Threshold $50.00 in base money; the EUR cart qualifies from €46.00 (50 × 0.92) up.
    const min = (eur: number) =>
      price(cart({ currency: EUR, lines: [line("a", { EUR: eur })], discounts: withCodes(rule("X", { minSubtotal: 5000 })) })).rejectedDiscounts;
    expect(min(4600)).toEqual([]);
    expect(min(4599)).toEqual([{ code: "X", reason: "min_subtotal" }]);
    // A threshold in the cart currency is compared directly.
    const eurMin = price(cart({ currency: EUR, lines: [line("a", { EUR: 4999 })], discounts: withCodes(rule("X", { currency: "EUR", minSubtotal: 5000 })) }));
    expect(eurMin.rejectedDiscounts).toEqual([{ code: "X", reason: "min_subtotal" }]);
    // JPY: $50.00 × 151.37 = ¥7568.5, so ¥7568 is short and ¥7569 qualifies (no rounding in the shopper's favour).
    const yen = (jpy: number) =>
      price(cart({ currency: JPY, lines: [line("a", { JPY: jpy })], discounts: withCodes(rule("X", { minSubtotal: 5000 })) })).rejectedDiscounts;
    expect(yen(7568)).toEqual([{ code: "X", reason: "min_subtotal" }]);
    expect(yen(7569)).toEqual([]);
    // The subtotal compared is before discounts: an earlier code does not disqualify a later one.
    const stacked = price(cart({ lines: [line("a", { USD: 5000 })], discounts: withCodes(rule("A"), rule("B", { minSubtotal: 5000 })) }));
    expect(stacked.rejectedDiscounts).toEqual([]);
  });

  it("rejects a percentage threshold in a currency it cannot convert", () => {
    const priced = price(cart({ lines, discounts: withCodes(rule("X", { currency: "GBP", minSubtotal: 100 })) }));
    expect(priced.rejectedDiscounts).toEqual([{ code: "X", reason: "currency_mismatch" }]);
    // Without a threshold the currency of a percentage code is irrelevant.
    expect(price(cart({ lines, discounts: withCodes(rule("Y", { currency: "GBP" })) })).appliedDiscounts).toEqual([{ code: "Y", amount: 500 }]);
  });

  it("rejected codes change nothing", () => {
    const base = price(cart({ lines, discounts: withCodes(rule("OK")) }));
    const noisy = price(cart({ lines, discounts: withCodes(["NOPE", null], rule("OFF", { active: false }), rule("OK"), fixed("EUR", 1, "EUR")) }));
    expect(noisy.lines).toEqual(base.lines);
    expect(noisy.total).toBe(base.total);
    expect(noisy.rejectedDiscounts.map((r) => [r.code, r.reason])).toEqual([
      ["NOPE", "not_found"],
      ["OFF", "inactive"],
      ["EUR", "currency_mismatch"],
    ]);
  });
});

describe("tax", () => {
  const taxRates: TaxRateInfo[] = [
    { country: "US", taxClass: "standard", name: "Sales tax", rateBps: 800, inclusive: false },
    { country: "DE", taxClass: "standard", name: "MwSt", rateBps: 1900, inclusive: true },
    { country: "DE", taxClass: "reduced", name: "MwSt ermäßigt", rateBps: 700, inclusive: true },
    { country: "JP", taxClass: "standard", name: "Consumption tax", rateBps: 1000, inclusive: false },
  ];

  it("adds exclusive tax on the discounted amount", () => {
    const priced = price(cart({ country: "US", taxRates, lines: [line("a", { USD: 1999 }, 2)], discounts: withCodes(rule("SAVE10")) }));
    // net 35.98 × 8% = 2.8784 → 2.88
    expect(priced.lines[0]).toMatchObject({
      subtotal: 3998,
      discountTotal: 400,
      taxTotal: 288,
      total: 3886,
      taxInclusive: false,
      taxes: [{ name: "Sales tax", rateBps: 800, amount: 288, inclusive: false }],
    });
  });

  it("rounds exclusive tax half up", () => {
    // 12.5% of 1.00 = 12.5 cents → 13
    const rates: TaxRateInfo[] = [{ country: "US", taxClass: "standard", name: "T", rateBps: 1250, inclusive: false }];
    expect(price(cart({ country: "US", taxRates: rates, lines: [line("a", { USD: 100 })] })).taxTotal).toBe(13);
  });

  it("extracts inclusive tax and reports the pre-tax part as the subtotal", () => {
    const priced = price(cart({ currency: EUR, country: "DE", taxRates, lines: [line("a", { EUR: 11900 })] }));
    // 119.00 includes 19% → tax 19.00; total stays 119.00, subtotal 100.00 so the formula holds.
    expect(priced.lines[0]).toMatchObject({ unitPrice: 11900, subtotal: 10000, discountTotal: 0, taxTotal: 1900, total: 11900, taxInclusive: true });
    expect(priced.lines[0]!.taxes).toEqual([{ name: "MwSt", rateBps: 1900, amount: 1900, inclusive: true }]);
  });

  it("extracts inclusive tax after a discount", () => {
    const priced = price(cart({ currency: EUR, country: "DE", taxRates, lines: [line("a", { EUR: 11900 })], discounts: withCodes(rule("TEN")) }));
    // net 107.10; tax = 107.10 × 19/119 = 17.10; subtotal = 119.00 − 17.10 = 101.90
    expect(priced.lines[0]).toMatchObject({ subtotal: 10190, discountTotal: 1190, taxTotal: 1710, total: 10710 });
    expect(priced.total).toBe(10710);
  });

  it("picks the rate by country and tax class, mixing classes in one cart", () => {
    const priced = price(
      cart({
        currency: EUR,
        country: "DE",
        taxRates,
        lines: [line("a", { EUR: 1190 }), line("b", { EUR: 1070 }, 1, "reduced"), line("c", { EUR: 500 }, 1, "exempt")],
      }),
    );
    expect(priced.lines.map((l) => [l.taxTotal, l.subtotal, l.total, l.taxInclusive])).toEqual([
      [190, 1000, 1190, true],
      [70, 1000, 1070, true],
      [0, 500, 500, false],
    ]);
    expect(priced.lines[2]!.taxes).toEqual([]);
    expect(priced).toMatchObject({ subtotal: 2500, taxTotal: 260, total: 2760 });
  });

  it("charges no tax without a country or without a matching rate", () => {
    const lines = [line("a", { USD: 1000 })];
    expect(price(cart({ country: null, taxRates, lines })).lines[0]).toMatchObject({ taxTotal: 0, taxes: [], total: 1000 });
    expect(price(cart({ country: "FR", taxRates, lines })).lines[0]).toMatchObject({ taxTotal: 0, taxes: [], total: 1000 });
  });

  it("prices JPY with a converted price, a discount and tax", () => {
    const priced = price(
      cart({ currency: JPY, country: "JP", taxRates, lines: [line("a", { USD: 1999 }), line("b", { JPY: 1000 }, 3)], discounts: withCodes(rule("TEN")) }),
    );
    // ¥3026 + ¥3000 = ¥6026; 10% = 602.6 → ¥603 allocated 303 / 300 (exact 302.8 / 300.2 → the leftover yen goes to the .8)
    expect(priced.lines.map((l) => [l.subtotal, l.discountTotal, l.taxTotal, l.total])).toEqual([
      [3026, 303, 272, 2995], // net 2723 × 10% = 272.3 → 272
      [3000, 300, 270, 2970],
    ]);
    expect(priced).toMatchObject({ currency: "JPY", exponent: 0, subtotal: 6026, discountTotal: 603, taxTotal: 542, total: 5965 });
  });

  it("never produces a negative inclusive subtotal, even fully discounted", () => {
    const priced = price(cart({ currency: EUR, country: "DE", taxRates, lines: [line("a", { EUR: 999 })], discounts: withCodes(fixed("ALL", 5000, "EUR")) }));
    expect(priced.lines[0]).toMatchObject({ subtotal: 999, discountTotal: 999, taxTotal: 0, total: 0 });
  });
});

describe("purity", () => {
  it("does not mutate its input and returns the same result for the same input", () => {
    const input = cart({
      currency: EUR,
      country: "DE",
      taxRates: [{ country: "DE", taxClass: "standard", name: "MwSt", rateBps: 1900, inclusive: true }],
      lines: [line("a", { USD: 1999 }, 2), line("b", { EUR: 500 })],
      discounts: withCodes(rule("TEN"), fixed("ONE", 100, null)),
    });
    const snapshot = structuredClone(input);
    const first = priceCart(input, NOW);
    expect(input).toEqual(snapshot);
    expect(priceCart(structuredClone(input), new Date(NOW))).toEqual(first);
  });

  it("rejects an invalid clock", () => {
    expect(() => priceCart(cart(), new Date("nope"))).toThrow();
  });
});
