import { describe, expect, it } from "vitest";
import { formatAmountOf, formatMinor, formatMoney, localeFromAcceptLanguage } from "../../src/client/money-format";

/** Intl separates number and symbol with (narrow) no-break spaces: compare with plain ones. */
const plain = (text: string) => text.replace(/[\u00a0\u202f]/g, " ");

describe("formatMoney: the catalog's exponent, the viewer's locale", () => {
  it("uses the exponent it is given, not Intl's table (HUF with two digits is not 100× off)", () => {
    // Intl knows HUF with 0 digits; a store that keeps fillér has exponent 2.
    expect(plain(formatMoney(123450, "HUF", 2, "hu-HU"))).toBe("1234,50 Ft");
    expect(plain(formatMoney(1234, "HUF", 0, "hu-HU"))).toBe("1234 Ft");
    expect(plain(formatMoney(3800, "JPY", 0, "de-DE"))).toBe("3.800 ¥");
    expect(plain(formatMoney(3800, "JPY", 2, "de-DE"))).toBe("38,00 ¥");
    expect(plain(formatMoney(1250, "KWD", 3, "en-US"))).toBe("KWD 1.250");
  });

  it("writes the same amount as each locale does", () => {
    expect(formatMoney(5413, "USD", 2, "en-US")).toBe("$54.13");
    expect(plain(formatMoney(5413, "USD", 2, "de-DE"))).toBe("54,13 $");
    expect(plain(formatMoney(123456789, "EUR", 2, "fr-FR"))).toBe("1 234 567,89 €");
    expect(formatMoney(3800, "JPY", 0, "ja-JP")).toBe("￥3,800");
  });

  it("is exact beyond a float's precision, and signs negative amounts", () => {
    expect(formatMoney(9007199254740991, "USD", 2, "en-US")).toBe("$90,071,992,547,409.91");
    expect(formatMoney(-5, "USD", 2, "en-US")).toBe("-$0.05");
    expect(() => formatMoney(1.5, "USD", 2, "en-US")).toThrow();
    expect(() => formatMoney(100, "USD", -1, "en-US")).toThrow();
  });

  it("falls back instead of failing: a bad locale tag uses the default locale; a code Intl refuses is written plainly", () => {
    expect(formatMoney(1999, "USD", 2, "not a locale!")).toBe(formatMoney(1999, "USD", 2));
    expect(formatMoney(1999, "US", 2, "en-US")).toBe("19.99 US");
  });

  it("formats an amount of an API object by its currency and currency_exponent", () => {
    expect(plain(formatAmountOf(123450, { currency: "HUF", currency_exponent: 2 }, "hu-HU"))).toBe("1234,50 Ft");
  });

  it("formatMinor writes the plain decimal", () => {
    expect(formatMinor(1999, 2)).toBe("19.99");
    expect(formatMinor(5, 3)).toBe("0.005");
    expect(formatMinor(-5, 2)).toBe("-0.05");
    expect(formatMinor(1999, 0)).toBe("1999");
  });
});

describe("localeFromAcceptLanguage", () => {
  it("picks the most preferred well-formed tag, by q then by order", () => {
    expect(localeFromAcceptLanguage("hu-HU,hu;q=0.9,en;q=0.8")).toBe("hu-HU");
    expect(localeFromAcceptLanguage("en;q=0.5, de-DE;q=0.9, fr")).toBe("fr");
    expect(localeFromAcceptLanguage("ja-jp")).toBe("ja-JP");
  });

  it("skips wildcards, q=0, and tags that are not well formed", () => {
    expect(localeFromAcceptLanguage("*, de;q=0.4")).toBe("de");
    expect(localeFromAcceptLanguage("fr;q=0, en-GB;q=0.2")).toBe("en-GB");
    expect(localeFromAcceptLanguage("x_bad!, es-ES;q=0.1")).toBe("es-ES");
    expect(localeFromAcceptLanguage("")).toBeUndefined();
    expect(localeFromAcceptLanguage(undefined)).toBeUndefined();
    expect(localeFromAcceptLanguage("*")).toBeUndefined();
  });
});
