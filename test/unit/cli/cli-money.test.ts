/**
 * Money in the CLI: amounts come from the API in minor units with the catalog's
 * `currency_exponent`, and are written from that exponent (never Intl's own digits for
 * the currency) in the operator's locale (LC_ALL, LC_MONETARY, LANG; else Intl's default).
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { formatMoney } from "../../../src/client/money-format.ts";
import { localeFromEnvironment } from "../../../src/cli/locale.ts";
import { fakeAdminApi, runCli } from "./fake-admin-api.ts";

afterEach(() => vi.unstubAllGlobals());

const order = (currency: string, exponent: number, total: number) => ({
  id: "ord_1",
  number: 7,
  cart_id: "cart_1",
  checkout_id: "chk_1",
  status: "paid",
  currency,
  currency_exponent: exponent,
  email: null,
  lines: [{ line_id: "line_a", variant_id: "var_1", sku: "MUG", title: "Mug", quantity: 2, unit_price: total / 2, total }],
  subtotal: total,
  discount_total: 0,
  tax_total: 0,
  total,
  refunded_total: 0,
  payment: null,
  refunds: [],
  created_at: "2026-12-01T10:00:00.000Z",
});

const lock = (currency: string, exponent: number, total: number) => ({
  id: "chk_1",
  cart_id: "cart_1",
  state: "locked",
  phase: "price_lock",
  currency,
  currency_exponent: exponent,
  total,
  active: true,
  overdue: false,
  created_at: "2026-12-01T10:00:00.000Z",
  expires_at: "2026-12-01T10:15:00.000Z",
  ended_at: null,
});

describe("CLI money", () => {
  it("HUF with the exponent the store gave it: the same minor units 100 times apart at 2 and at 0 digits, in Hungarian", async () => {
    fakeAdminApi({
      "GET /admin/api/orders/ord_2": { body: { order: order("HUF", 2, 123450), refunds: [], timeline: [] } },
      "GET /admin/api/orders/ord_0": { body: { order: order("HUF", 0, 123450), refunds: [], timeline: [] } },
    });
    const hu = { LANG: "hu_HU.UTF-8" };
    const two = await runCli(["order", "ord_2"], undefined, hu);
    expect(two.code, two.stderr).toBe(0);
    expect(two.stdout).toMatch(/Total\s+1234,50\sFt \(subtotal 1234,50\sFt/);
    expect(two.stdout).toMatch(/MUG\s+2\s+617,25\sFt\s+1234,50\sFt/);
    const zero = await runCli(["order", "ord_0"], undefined, hu);
    expect(zero.stdout).toMatch(/Total\s+123\s450\sFt/);
    expect(zero.stdout).not.toContain("1234,50");
  });

  it("JPY at exponent 0 in the list, written for German and for Japanese", async () => {
    fakeAdminApi({ "GET /admin/api/checkout-locks": { body: { data: [lock("JPY", 0, 3800)], next_cursor: null } } });
    expect((await runCli(["locks"], undefined, { LANG: "de_DE.UTF-8" })).stdout).toMatch(/chk_1\s+locked\s+price_lock\s+3\.800\s¥/);
    expect((await runCli(["locks"], undefined, { LANG: "ja_JP.UTF-8" })).stdout).toMatch(/chk_1\s+locked\s+price_lock\s+￥3,800/);
  });

  it("CSV keeps the API's minor units whatever the locale", async () => {
    fakeAdminApi({ "GET /admin/api/checkout-locks": { body: { data: [lock("HUF", 2, 123450)], next_cursor: null } } });
    const run = await runCli(["locks", "--csv"], undefined, { LANG: "hu_HU.UTF-8" });
    expect(run.stdout.split("\r\n")[1]).toBe("chk_1,cart_1,locked,price_lock,HUF,123450,true,false,2026-12-01T10:00:00.000Z,2026-12-01T10:15:00.000Z,");
  });

  it("without a locale in the environment, Intl's default", async () => {
    fakeAdminApi({ "GET /admin/api/checkout-locks": { body: { data: [lock("JPY", 0, 3800)], next_cursor: null } } });
    const run = await runCli(["locks"], undefined, { LANG: "" });
    expect(run.stdout).toContain(formatMoney(3800, "JPY", 0));
  });
});

describe("the operator's locale", () => {
  it("LC_ALL, then LC_MONETARY, then LANG, without the encoding", () => {
    expect(localeFromEnvironment({ LC_ALL: "de_DE.UTF-8", LC_MONETARY: "ja_JP.UTF-8", LANG: "hu_HU.UTF-8" })).toBe("de-DE");
    expect(localeFromEnvironment({ LC_MONETARY: "ja_JP.UTF-8", LANG: "hu_HU.UTF-8" })).toBe("ja-JP");
    expect(localeFromEnvironment({ LC_ALL: "", LANG: "hu_HU.UTF-8" })).toBe("hu-HU");
    expect(localeFromEnvironment({ LANG: "sr_RS@latin" })).toBe("sr-RS");
  });

  it("C, POSIX, nothing or a malformed value: Intl's default (undefined)", () => {
    for (const LANG of ["C", "C.UTF-8", "POSIX", "", "not a locale!", undefined]) expect(localeFromEnvironment({ LANG }), String(LANG)).toBeUndefined();
  });
});
