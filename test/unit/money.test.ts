import { describe, expect, it } from "vitest";
import { allocateLargestRemainder, convertMinor, decimalToScaled, isValidRate, parseRate, roundHalfUpDiv } from "../../src/checkout/money";
import { formatMinor } from "../../src/client/money-format";

describe("parseRate", () => {
  it("parses decimal strings into an exact numerator / 10^scale", () => {
    expect(parseRate("0.92")).toEqual({ numerator: 92n, scale: 2, denominator: 100n });
    expect(parseRate("151.37")).toEqual({ numerator: 15137n, scale: 2, denominator: 100n });
    expect(parseRate("1")).toEqual({ numerator: 1n, scale: 0, denominator: 1n });
    expect(parseRate("0.000001")).toEqual({ numerator: 1n, scale: 6, denominator: 1000000n });
    // Trailing zeros are kept as written; the value is the same rational.
    expect(parseRate("1.50")).toEqual({ numerator: 150n, scale: 2, denominator: 100n });
  });

  it.each(["", "0", "0.0", "00.000", "-1", "+1", "1.", ".5", "1e3", "1,5", " 1", "1 ", "0x10", "NaN", "Infinity", "1.2.3", "١"])(
    "rejects %j with a plain Error",
    (bad) => {
      expect(() => parseRate(bad)).toThrow(Error);
      expect(isValidRate(bad)).toBe(false);
    },
  );

  it("rejects non-strings", () => {
    expect(() => parseRate(0.92 as unknown as string)).toThrow(/invalid exchange rate/);
  });
});

describe("roundHalfUpDiv", () => {
  it.each([
    [0n, 7n, 0n],
    [14n, 10n, 1n],
    [15n, 10n, 2n], // exact half rounds up
    [16n, 10n, 2n],
    [5n, 10n, 1n],
    [4n, 10n, 0n],
    [10n, 5n, 2n],
    [1n, 3n, 0n],
    [2n, 3n, 1n],
    [123456789012345678901234567890n, 1n, 123456789012345678901234567890n],
  ])("%s / %s → %s", (n, d, expected) => {
    expect(roundHalfUpDiv(n, d)).toBe(expected);
  });

  it("rejects negative numerators and non-positive denominators", () => {
    expect(() => roundHalfUpDiv(-1n, 2n)).toThrow();
    expect(() => roundHalfUpDiv(1n, 0n)).toThrow();
    expect(() => roundHalfUpDiv(1n, -2n)).toThrow();
  });
});

describe("convertMinor", () => {
  it("converts USD cents to EUR cents at 0.92", () => {
    expect(convertMinor(1999, 2, 2, "0.92")).toBe(1839); // 1839.08
    expect(convertMinor(10000, 2, 2, "0.92")).toBe(9200);
  });

  it("converts USD cents to yen (exponent 0) at 151.37", () => {
    expect(convertMinor(1999, 2, 0, "151.37")).toBe(3026); // 19.99 × 151.37 = 3025.8863
    expect(convertMinor(100, 2, 0, "151.37")).toBe(151); // 151.37
    expect(convertMinor(1, 2, 0, "151.37")).toBe(2); // 1.5137
  });

  it("rounds an exact half up", () => {
    expect(convertMinor(50, 2, 2, "0.93")).toBe(47); // 46.5
    expect(convertMinor(1, 2, 0, "150")).toBe(2); // 1.5 yen
    expect(convertMinor(125, 2, 2, "0.5")).toBe(63); // 62.5
    expect(convertMinor(3, 2, 0, "50")).toBe(2); // 1.5
    expect(convertMinor(1, 2, 0, "149.99")).toBe(1); // 1.4999 stays down
  });

  it("converts into 3-decimal currencies and from exponent 0 currencies", () => {
    expect(convertMinor(1000, 2, 3, "0.307")).toBe(3070); // $10 → 3.070 KWD
    expect(convertMinor(1999, 2, 3, "0.307")).toBe(6137); // 6.13693 KWD
    expect(convertMinor(100, 0, 2, "0.0066")).toBe(66); // ¥100 → $0.66
    expect(convertMinor(1, 3, 0, "1")).toBe(0); // 0.001 → 0
    expect(convertMinor(500, 3, 0, "1")).toBe(1); // 0.5 → 1
  });

  it("accepts a parsed rate and rate 1 is the identity for equal exponents", () => {
    expect(convertMinor(1999, 2, 2, parseRate("0.92"))).toBe(1839);
    expect(convertMinor(123456, 2, 2, "1")).toBe(123456);
    expect(convertMinor(0, 2, 0, "151.37")).toBe(0);
  });

  it("rejects bad input instead of guessing", () => {
    expect(() => convertMinor(100, 2, 2, "abc")).toThrow();
    expect(() => convertMinor(100, 2, 2, "0")).toThrow();
    expect(() => convertMinor(-1, 2, 2, "1")).toThrow();
    expect(() => convertMinor(1.5, 2, 2, "1")).toThrow();
    expect(() => convertMinor(1, -1, 2, "1")).toThrow();
    expect(() => convertMinor(Number.MAX_SAFE_INTEGER, 0, 3, "1")).toThrow(/safe integer/);
  });
});

describe("allocateLargestRemainder", () => {
  it("splits evenly when it can", () => {
    expect(allocateLargestRemainder(90, [1, 1, 1])).toEqual([30, 30, 30]);
    expect(allocateLargestRemainder(100, [1, 3])).toEqual([25, 75]);
  });

  it("gives the leftover units to the largest remainders, ties to the lower index", () => {
    expect(allocateLargestRemainder(100, [1, 1, 1])).toEqual([34, 33, 33]);
    expect(allocateLargestRemainder(101, [1, 1, 1])).toEqual([34, 34, 33]);
    // 10 × [1, 2, 4] / 7 = 1.43, 2.86, 5.71 → floors 1, 2, 5; leftovers to .86 then .71.
    expect(allocateLargestRemainder(10, [1, 2, 4])).toEqual([1, 3, 6]);
    // 200 × [333, 667, 1000] / 2000 = 33.3, 66.7, 100 → the .7 gets the unit.
    expect(allocateLargestRemainder(200, [333, 667, 1000])).toEqual([33, 67, 100]);
  });

  it("never gives anything to a zero weight", () => {
    expect(allocateLargestRemainder(5, [0, 1, 0])).toEqual([0, 5, 0]);
    expect(allocateLargestRemainder(7, [0, 1, 1, 0])).toEqual([0, 4, 3, 0]);
  });

  it("returns all zeros when every weight is zero, and handles empty inputs", () => {
    expect(allocateLargestRemainder(10, [0, 0, 0])).toEqual([0, 0, 0]);
    expect(allocateLargestRemainder(0, [1, 2])).toEqual([0, 0]);
    expect(allocateLargestRemainder(10, [])).toEqual([]);
  });

  it("stays exact beyond 2^53 intermediate products", () => {
    const shares = allocateLargestRemainder(9_000_000_000_000, [999_999_999_999, 1, 3]);
    expect(shares.reduce((a, b) => a + b, 0)).toBe(9_000_000_000_000);
    expect(shares[1]).toBe(9);
    expect(shares[2]).toBe(27);
  });

  it("rejects negative or fractional inputs", () => {
    expect(() => allocateLargestRemainder(-1, [1])).toThrow();
    expect(() => allocateLargestRemainder(1.5, [1])).toThrow();
    expect(() => allocateLargestRemainder(1, [-1, 2])).toThrow();
  });
});

describe("formatMinor", () => {
  it.each([
    [1999, 2, "19.99"],
    [1999, 0, "1999"],
    [-5, 2, "-0.05"],
    [0, 2, "0.00"],
    [5, 3, "0.005"],
    [123456, 3, "123.456"],
    [-1999, 0, "-1999"],
    [100, 2, "1.00"],
    [7, 1, "0.7"],
  ])("formatMinor(%s, %s) → %s", (amount, exponent, expected) => {
    expect(formatMinor(amount, exponent)).toBe(expected);
  });

  it("formats bigints and rejects fractional amounts", () => {
    expect(formatMinor(12345678901234567890n, 2)).toBe("123456789012345678.90");
    expect(() => formatMinor(1.5, 2)).toThrow();
  });
});

describe("decimalToScaled", () => {
  it("scales every two-decimal value from 0.01 to 100 exactly, where value × 100 is not always an integer", () => {
    let floatMisses = 0;
    for (let hundredths = 1; hundredths <= 10_000; hundredths++) {
      const value = Number(formatMinor(hundredths, 2));
      if (value * 100 !== hundredths) floatMisses++;
      expect(decimalToScaled(value, 2)).toBe(hundredths);
    }
    // The reason for the function: plain float arithmetic misses some of them.
    expect(floatMisses).toBeGreaterThan(0);
  });

  it("refuses more decimals than asked for, exponent notation and non-finite values", () => {
    for (const bad of [1.005, 0.001, 1e-7, 1e21, Number.NaN, Number.POSITIVE_INFINITY]) expect(decimalToScaled(bad, 2)).toBeNull();
    expect(decimalToScaled(12, 0)).toBe(12);
    expect(decimalToScaled(-2.5, 2)).toBe(-250);
  });
});
