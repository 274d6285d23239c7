import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { catalogAmount, gatewayAmount, gatewayCurrencyUnits, type GatewayProvider } from "../../src/payments/gateway-units";

describe("Stripe units per currency", () => {
  it.each([
    // code, ISO exponent, a total in catalog minor units, what Stripe must be sent
    ["USD", 2, 1999, 1999],
    ["EUR", 2, 50, 50],
    ["JPY", 0, 4000, 4000],
    ["KRW", 0, 50, 50],
    ["CLP", 0, 990, 990],
    // ISK and UGX: whole units sent as hundredths (a 4,000 ISK cart is 400000, not 4000).
    ["ISK", 0, 4000, 400_000],
    ["UGX", 0, 5000, 500_000],
    // HUF and TWD: two decimals at Stripe, whole units only.
    ["HUF", 2, 17_500, 17_500],
    ["TWD", 2, 12_300, 12_300],
    // Three decimals: thousandths ending in 0.
    ["KWD", 3, 12_340, 12_340],
    ["BHD", 3, 1_000, 1_000],
    ["JOD", 3, 990, 990],
    ["OMR", 3, 5_000, 5_000],
    ["TND", 3, 2_500, 2_500],
  ])("%s (exponent %i): %i minor units are sent as %i", (currency, exponent, total, sent) => {
    expect(gatewayAmount("stripe", currency, total, exponent)).toEqual({ ok: true, amount: sent });
    expect(catalogAmount("stripe", currency, sent, exponent)).toEqual({ ok: true, amount: total });
  });

  it("accepts lower-case codes as Stripe writes them", () => {
    expect(gatewayAmount("stripe", "isk", 4000, 0)).toEqual({ ok: true, amount: 400_000 });
  });

  it.each([
    // Three-decimal amounts whose last digit is not 0.
    ["KWD", 3, 12_345],
    ["BHD", 3, 1_001],
    ["TND", 3, 999_999],
    // Fractions of the whole-unit special cases.
    ["HUF", 2, 17_550],
    ["TWD", 2, 12_301],
    ["ISK", 2, 400_050],
    ["UGX", 2, 500_001],
    // A catalog that counts a zero-decimal currency in hundredths: only whole yen are chargeable.
    ["JPY", 2, 4_050],
  ])("%s (catalog exponent %i): %i cannot be expressed in Stripe's units", (currency, exponent, total) => {
    expect(gatewayAmount("stripe", currency, total, exponent)).toEqual({ ok: false, reason: "amount_not_chargeable" });
  });

  it("follows the catalog's exponent when it differs from Stripe's", () => {
    // ISK kept in hundredths by the catalog (its old ISO exponent): already Stripe's units.
    expect(gatewayAmount("stripe", "ISK", 400_000, 2)).toEqual({ ok: true, amount: 400_000 });
    // JPY kept in hundredths: whole yen divide out exactly.
    expect(gatewayAmount("stripe", "JPY", 400_000, 2)).toEqual({ ok: true, amount: 4_000 });
    // KWD kept with two decimals: Stripe's thousandths are ten times more.
    expect(gatewayAmount("stripe", "KWD", 1_234, 2)).toEqual({ ok: true, amount: 12_340 });
    expect(catalogAmount("stripe", "KWD", 12_340, 2)).toEqual({ ok: true, amount: 1_234 });
  });

  it.each([
    ["USD", 2, 49, 50],
    ["USD", 2, 1, 50],
    ["EUR", 2, 49, 50],
    ["GBP", 2, 29, 30],
    ["JPY", 0, 49, 50],
    ["HUF", 2, 17_400, 17_500],
    ["MXN", 2, 999, 1_000],
  ])("%s: %i is below the minimum, which is %i", (currency, exponent, total, minimum) => {
    expect(gatewayAmount("stripe", currency, total, exponent)).toEqual({ ok: false, reason: "amount_too_small", minimum });
    expect(gatewayAmount("stripe", currency, minimum, exponent)).toMatchObject({ ok: true });
  });

  it("a currency without a listed minimum takes any amount in whole steps", () => {
    expect(gatewayAmount("stripe", "KWD", 10, 3)).toEqual({ ok: true, amount: 10 });
    expect(gatewayAmount("stripe", "XOF", 1, 0)).toEqual({ ok: true, amount: 1 });
  });

  it("reports the minimum in the catalog's units when the catalog counts differently", () => {
    // USD 0.50 in a catalog that keeps USD with three decimals: 500 thousandths.
    expect(gatewayAmount("stripe", "USD", 490, 3)).toEqual({ ok: false, reason: "amount_too_small", minimum: 500 });
    // JPY 50 in a catalog with two decimals.
    expect(gatewayAmount("stripe", "JPY", 4_900, 2)).toEqual({ ok: false, reason: "amount_too_small", minimum: 5_000 });
    // ISK has no listed minimum: one whole krona is the least Stripe can take.
    expect(gatewayCurrencyUnits("stripe", "ISK", 0)).toMatchObject({ exponent: 2, step: 100, minimum: 100 });
  });

  it("refuses amounts above Stripe's 9-digit card maximum", () => {
    expect(gatewayAmount("stripe", "USD", 999_999_999, 2)).toEqual({ ok: true, amount: 999_999_999 });
    expect(gatewayAmount("stripe", "USD", 1_000_000_000, 2)).toEqual({ ok: false, reason: "amount_not_chargeable" });
    // ISK 10,000,000 is 1,000,000,000 hundredths: one digit too many.
    expect(gatewayAmount("stripe", "ISK", 10_000_000, 0)).toEqual({ ok: false, reason: "amount_not_chargeable" });
    expect(gatewayAmount("stripe", "ISK", 9_999_999, 0)).toEqual({ ok: true, amount: 999_999_900 });
  });

  it("never rounds an amount coming back into a quote", () => {
    // 12,345 hundredths of a krona are no whole number of catalog krónur.
    expect(catalogAmount("stripe", "ISK", 12_345, 0)).toEqual({ ok: false, reason: "amount_not_exact" });
    expect(catalogAmount("stripe", "JPY", 1.5, 0)).toEqual({ ok: false, reason: "amount_not_exact" });
    expect(catalogAmount("stripe", "USD", -1, 2)).toEqual({ ok: false, reason: "amount_not_exact" });
  });
});

describe("the test gateway", () => {
  it("takes the catalog's units as they are, any positive amount", () => {
    for (const [currency, exponent] of [
      ["USD", 2],
      ["ISK", 0],
      ["KWD", 3],
      ["JPY", 0],
    ] as const) {
      expect(gatewayAmount("test", currency, 1, exponent)).toEqual({ ok: true, amount: 1 });
      expect(gatewayAmount("test", currency, 12_345, exponent)).toEqual({ ok: true, amount: 12_345 });
      expect(catalogAmount("test", currency, 12_345, exponent)).toEqual({ ok: true, amount: 12_345 });
    }
  });
});

describe("every provider", () => {
  const providers: GatewayProvider[] = ["test", "stripe"];

  it.each(providers)("%s: a total of 0 is 0 (nothing to charge)", (provider) => {
    expect(gatewayAmount(provider, "USD", 0, 2)).toEqual({ ok: true, amount: 0 });
  });

  it.each(providers)("%s: negative, fractional and unsafe amounts are not chargeable", (provider) => {
    for (const bad of [-1, 0.5, Number.NaN, Number.POSITIVE_INFINITY, Number.MAX_SAFE_INTEGER + 1]) {
      expect(gatewayAmount(provider, "USD", bad, 2)).toEqual({ ok: false, reason: "amount_not_chargeable" });
    }
  });

  it("refuses an exponent the catalog cannot hold", () => {
    expect(() => gatewayAmount("stripe", "USD", 100, -1)).toThrow(/exponent/);
    expect(() => gatewayAmount("stripe", "USD", 100, 1.5)).toThrow(/exponent/);
    expect(() => gatewayAmount("stripe", "USD", 100, 7)).toThrow(/exponent/);
  });

  const currencies = ["USD", "EUR", "GBP", "JPY", "KRW", "ISK", "UGX", "HUF", "TWD", "KWD", "BHD", "JOD", "OMR", "TND", "CHF", "XOF", "ZZZ"];
  const cases = fc.record({
    provider: fc.constantFrom(...providers),
    currency: fc.constantFrom(...currencies),
    exponent: fc.integer({ min: 0, max: 4 }),
    amount: fc.oneof(fc.integer({ min: 0, max: 2_000 }), fc.integer({ min: 0, max: 2_000_000_000 })),
  });

  it("a chargeable amount converts back to exactly itself, in whole steps within the limits", () => {
    fc.assert(
      fc.property(cases, ({ provider, currency, exponent, amount }) => {
        const sent = gatewayAmount(provider, currency, amount, exponent);
        if (!sent.ok || amount === 0) return;
        const units = gatewayCurrencyUnits(provider, currency, exponent);
        expect(sent.amount % units.step).toBe(0);
        expect(sent.amount).toBeGreaterThanOrEqual(units.minimum);
        expect(sent.amount).toBeLessThanOrEqual(units.maximum);
        // Same value: amount / 10^catalog == sent / 10^gateway, checked without floats.
        expect(BigInt(amount) * 10n ** BigInt(units.exponent)).toBe(BigInt(sent.amount) * 10n ** BigInt(exponent));
        expect(catalogAmount(provider, currency, sent.amount, exponent)).toEqual({ ok: true, amount });
      }),
      { numRuns: 2_000 },
    );
  });

  it("the minimum named for a too-small amount is chargeable, and is the smallest chargeable amount above it", () => {
    fc.assert(
      fc.property(cases, ({ provider, currency, exponent, amount }) => {
        const sent = gatewayAmount(provider, currency, amount, exponent);
        if (sent.ok || sent.reason !== "amount_too_small") return;
        expect(sent.minimum).toBeGreaterThan(amount);
        expect(gatewayAmount(provider, currency, sent.minimum, exponent)).toMatchObject({ ok: true });
        for (let below = Math.max(amount + 1, sent.minimum - 50); below < sent.minimum; below++) {
          expect(gatewayAmount(provider, currency, below, exponent)).toMatchObject({ ok: false });
        }
      }),
      { numRuns: 2_000 },
    );
  });
});
