/** Catalog commands: what each sends to the admin API, and what it refuses before sending anything. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { discountBody, parsePrice, productBody } from "../../../src/cli/commands/catalog-commands.ts";
import { UsageError } from "../../../src/cli/cli-args.ts";
import { fakeAdminApi, runCli } from "./fake-admin-api.ts";

afterEach(() => vi.unstubAllGlobals());

describe("catalog commands", () => {
  it("stock set, prices set, currencies set, tax-rates set and limits set send the API's bodies", async () => {
    const requests = fakeAdminApi({
      "PUT /admin/api/variants/var_1/stock": { body: { variant_id: "var_1", on_hand: 25, reserved: 2, available: 23 } },
      "PUT /admin/api/variants/var_1/prices": {
        body: { variant_id: "var_1", prices: { USD: 2499, JPY: 3000, HUF: 99 }, currency_exponents: { USD: 2, JPY: 0 } },
      },
      "PUT /admin/api/currencies/HUF": { body: { code: "HUF", rate_from_base: "360.5", exponent: 2 } },
      "PUT /admin/api/tax-rates/DE/standard": { body: { country: "DE", tax_class: "standard", name: "VAT", rate_bps: 1900, inclusive: true } },
      "PUT /admin/api/variants/var_1/limits": (r) => ({ body: { variant_id: "var_1", ...(r.body as object) } }),
    });
    const stock = await runCli(["stock", "set", "var_1", "25"]);
    expect(stock.stdout).toMatch(/Stock set\nVariant\s+var_1\nOn hand\s+25\nReserved\s+2\nAvailable\s+23/);
    const prices = await runCli(["prices", "set", "var_1", "USD=2499", "jpy=3000"]);
    // Each price with the exponent the catalog sent; one it sent none for as typed, never with digits Intl would guess.
    expect(prices.stdout).toBe("Prices set for var_1: $24.99, ¥3,000, HUF=99");
    await runCli(["currencies", "set", "huf", "--rate", "360.5", "--exponent", "2"]);
    const tax = await runCli(["tax-rates", "set", "de", "standard", "--name", "VAT", "--rate-bps", "1900", "--inclusive"]);
    expect(tax.stdout).toBe("Tax rate set DE/standard: VAT 19.00 % (inclusive)");
    const limit = await runCli(["limits", "set", "var_1", "1"]);
    expect(limit.stdout).toBe("Limit set for var_1: at most 1 per customer");
    const cleared = await runCli(["limits", "set", "var_1", "none"]);
    expect(cleared.stdout).toBe("Limit set for var_1: none");
    expect(requests.map((r) => [r.method, r.path, r.body])).toEqual([
      ["PUT", "/admin/api/variants/var_1/stock", { on_hand: 25 }],
      ["PUT", "/admin/api/variants/var_1/prices", { USD: 2499, JPY: 3000 }],
      ["PUT", "/admin/api/currencies/HUF", { rate_from_base: "360.5", exponent: 2 }],
      ["PUT", "/admin/api/tax-rates/DE/standard", { name: "VAT", rate_bps: 1900, inclusive: true }],
      ["PUT", "/admin/api/variants/var_1/limits", { max_per_customer: 1 }],
      ["PUT", "/admin/api/variants/var_1/limits", { max_per_customer: null }],
    ]);
  });

  it("stock get shows a variant; stock below reserved is refused with the server's reason", async () => {
    fakeAdminApi({
      "GET /admin/api/variants/var_1/stock": { body: { variant_id: "var_1", on_hand: 5, reserved: 3, available: 2 } },
      "PUT /admin/api/variants/var_1/stock": {
        status: 409,
        body: { error: { code: "stock_below_reserved", message: "on_hand cannot go below the units reserved by active checkouts." } },
      },
    });
    expect((await runCli(["stock", "get", "var_1", "--json"])).stdout).toBe(
      JSON.stringify({ variant_id: "var_1", on_hand: 5, reserved: 3, available: 2 }, null, 2),
    );
    expect(await runCli(["stock", "set", "var_1", "1"])).toMatchObject({
      code: 1,
      stderr: "Not set: on_hand cannot go below the units reserved by active checkouts.",
    });
  });

  it("refuses malformed numbers and prices before sending", async () => {
    const requests = fakeAdminApi({});
    for (const argv of [
      ["stock", "set", "var_1", "-3"],
      ["stock", "set", "var_1", "2.5"],
      ["prices", "set", "var_1", "USD=19.99"],
      ["prices", "set", "var_1", "USD"],
      ["limits", "set", "var_1", "0"],
      ["currencies", "set", "EUR", "--rate", "0.9"],
      ["discounts", "create", "X", "--percent", "10", "--amount", "5"],
      ["discounts", "create", "X", "--percent", "ten"],
      ["discounts", "create", "X", "--amount", "500", "--ends-at", "tomorrow"],
    ]) {
      expect((await runCli(argv)).code, argv.join(" ")).toBe(2);
    }
    expect(requests).toHaveLength(0);
  });

  it("builds discount and product bodies", () => {
    expect(discountBody("SAVE10", { percent: "12.5", "usage-limit": "100", "ends-at": "2026-12-24" })).toEqual({
      code: "SAVE10",
      type: "percentage",
      percent: 12.5,
      usage_limit: 100,
      ends_at: "2026-12-24T00:00:00.000Z",
    });
    expect(discountBody("FIVE", { amount: "500", currency: "usd", "min-subtotal": "2000" })).toEqual({
      code: "FIVE",
      type: "fixed",
      amount: 500,
      currency: "USD",
      min_subtotal: 2000,
    });
    expect(productBody({ title: "Mug", sku: "MUG-1", price: ["USD=1200", "EUR=1100"], stock: "40" })).toEqual({
      title: "Mug",
      variants: [{ sku: "MUG-1", prices: { USD: 1200, EUR: 1100 }, stock: 40 }],
    });
    expect(productBody({ file: "p.json" }, () => '{"title":"T","variants":[]}')).toEqual({ title: "T", variants: [] });
    expect(() => productBody({ file: "p.json", sku: "x" }, () => "{}")).toThrow(/drop --sku/);
    expect(() => productBody({ file: "p.json" }, () => "{nope")).toThrow(UsageError);
    expect(() => productBody({ title: "Mug" })).toThrow(/needs --title, --sku and at least one --price/);
    expect(parsePrice("eur=0")).toEqual(["EUR", 0]);
  });

  it("products list shows every variant with its price", async () => {
    fakeAdminApi({
      "GET /v1/products?currency=JPY": {
        body: {
          data: [
            {
              id: "prod_1",
              title: "Tee",
              variants: [{ id: "var_1", sku: "TEE-S", title: "Tee S", price: 2500, currency: "JPY", currency_exponent: 0, available: 7 }],
            },
          ],
        },
      },
    });
    const run = await runCli(["products", "list", "--currency", "jpy"]);
    expect(run.stdout).toMatch(/Tee\s+var_1\s+TEE-S\s+Tee S\s+¥2,500\s+7/);
  });

  it("show tells a lock, an order and an event apart by the id", async () => {
    const requests = fakeAdminApi({});
    await runCli(["show", "chk_1"]);
    await runCli(["show", "ord_1"]);
    await runCli(["show", "evt_x"]);
    expect(requests.map((r) => r.path)).toEqual(["/admin/api/checkout-locks/chk_1", "/admin/api/orders/ord_1", "/admin/api/events/evt_x"]);
    expect((await runCli(["show", "var_1"])).code).toBe(2);
  });
});
