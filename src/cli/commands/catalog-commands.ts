/**
 * The catalog, the everyday merchant tasks: products, stock, prices, currencies and
 * exchange rates, tax rates, discount codes and purchase limits. Amounts are integers
 * in the currency's minor units, as in the API (1999 = 19.99 USD); answers show them
 * with the exponent the catalog sends. A discount's answer carries none: its amount is
 * echoed as typed, CURRENCY=MINOR_UNITS.
 */
import { readFileSync } from "node:fs";
import { intOption, listOption, stringOption, flag, UsageError, wholeNumber } from "../cli-args.ts";
import type { CreatedProduct, Currency, Discount, TaxRate, VariantPrices } from "../../contract/catalog.ts";
import type { Product } from "../../contract/product.ts";
import type { PurchaseLimit } from "../../contract/purchase-limit.ts";
import type { Stock } from "../../contract/stock.ts";
import { EXIT, type Command, type CommandContext } from "../command.ts";
import { minorUnits, money } from "../format.ts";
import { refusal } from "../refusals.ts";
import { keyValues, table } from "../text-table.ts";

const MAX_MINOR_UNITS = Number.MAX_SAFE_INTEGER;
const segment = encodeURIComponent;

/** `USD=1999` → ["USD", 1999]. */
export function parsePrice(value: string): [string, number] {
  const match = /^([A-Za-z]{3})=(\d+)$/.exec(value);
  if (!match) throw new UsageError(`A price is CURRENCY=MINOR_UNITS, e.g. USD=1999 for 19.99 USD (got "${value}").`);
  return [match[1]!.toUpperCase(), wholeNumber(match[2]!, `The amount of ${value}`, 0, MAX_MINOR_UNITS)];
}

/** A price of the catalog's answer, with the exponent it sent for the currency (as typed, USD=1999, without one). */
function priced(amount: number, currency: string, exponents: Record<string, number>, locale: string | undefined): string {
  const exponent = exponents[currency];
  return exponent === undefined ? minorUnits(amount, currency) : money(amount, { currency, currency_exponent: exponent }, locale);
}

function printResult(ctx: CommandContext, result: unknown, text: string): number {
  ctx.io.out(ctx.json ? JSON.stringify(result, null, 2) : text);
  return EXIT.ok;
}

const productsList: Command = {
  name: "products list",
  summary: "the catalog: every variant with its price in a currency and what is available",
  usage: "[--currency C]",
  args: [0, 0],
  options: { currency: { type: "string", value: "C", help: "prices in this currency (the base currency otherwise)" } },
  examples: ["checkout-admin products list --currency EUR"],
  async run(ctx) {
    const currency = stringOption(ctx.options, "currency");
    const { data } = await ctx.client.get<{ data: Product[] }>(`/v1/products${currency ? `?currency=${segment(currency.toUpperCase())}` : ""}`);
    const rows = data.flatMap((p) => p.variants.map((v) => ({ product: p, variant: v })));
    return printResult(
      ctx,
      { data },
      rows.length === 0
        ? "No products."
        : table(rows, [
            { title: "PRODUCT", value: (r) => r.product.title, max: 40 },
            { title: "VARIANT", value: (r) => r.variant.id },
            { title: "SKU", value: (r) => r.variant.sku },
            { title: "TITLE", value: (r) => r.variant.title, max: 40 },
            { title: "PRICE", value: (r) => money(r.variant.price, r.variant, ctx.io.locale), align: "right" },
            { title: "AVAILABLE", value: (r) => String(r.variant.available), align: "right" },
          ]),
    );
  },
};

/** The body of `products create`: a JSON file (`--file`, `-` for stdin), or one variant from options. */
export function productBody(options: CommandContext["options"], readText: (path: string) => string = (p) => readFileSync(p === "-" ? 0 : p, "utf8")): unknown {
  const file = stringOption(options, "file");
  const fromOptions = ["title", "sku", "price", "stock", "tax-class", "variant-title"].filter((name) => options[name] !== undefined);
  if (file !== undefined) {
    if (fromOptions.length) throw new UsageError(`--file holds the whole product: drop --${fromOptions[0]}.`);
    try {
      return JSON.parse(readText(file));
    } catch (error) {
      throw new UsageError(`--file ${file}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const title = stringOption(options, "title");
  const sku = stringOption(options, "sku");
  const prices = listOption(options, "price").map(parsePrice);
  if (!title || !sku || prices.length === 0)
    throw new UsageError("products create needs --title, --sku and at least one --price CUR=AMOUNT (or --file product.json).");
  const variantTitle = stringOption(options, "variant-title");
  const taxClass = stringOption(options, "tax-class");
  return {
    title,
    variants: [
      {
        sku,
        ...(variantTitle ? { title: variantTitle } : {}),
        prices: Object.fromEntries(prices),
        stock: intOption(options, "stock", 0, 1_000_000_000) ?? 0,
        ...(taxClass ? { tax_class: taxClass } : {}),
      },
    ],
  };
}

const productsCreate: Command = {
  name: "products create",
  summary: "create a product: one variant from options, or any number from a JSON file",
  usage: "--title T --sku S --price CUR=AMOUNT … [--stock N] [--tax-class C] [--variant-title T] | --file FILE",
  args: [0, 0],
  options: {
    title: { type: "string", value: "T", help: "the product's title" },
    sku: { type: "string", value: "S", help: "the variant's SKU (unique)" },
    price: { type: "string", multiple: true, value: "CUR=AMOUNT", help: "a price in minor units, e.g. USD=1999 (repeatable)" },
    stock: { type: "string", value: "N", help: "units on hand (default 0)" },
    "tax-class": { type: "string", value: "C", help: "the variant's tax class (default standard)" },
    "variant-title": { type: "string", value: "T", help: "the variant's own title (default the product's)" },
    file: { type: "string", value: "FILE", help: `the request body as JSON ({"title", "variants": [{"sku", "prices", "stock", …}]}); - reads stdin` },
  },
  examples: [
    "checkout-admin products create --title 'Mug' --sku MUG-1 --price USD=1200 --price EUR=1100 --stock 40",
    "checkout-admin products create --file product.json",
  ],
  async run(ctx) {
    const body = productBody(ctx.options);
    try {
      const result = await ctx.client.post<{ product: CreatedProduct }>("/admin/api/products", body);
      const p = result.product;
      return printResult(
        ctx,
        result,
        `${ctx.io.paint.ok("Created")} ${p.id} "${p.title}"\n${table(p.variants, [
          { title: "VARIANT", value: (v) => v.id },
          { title: "SKU", value: (v) => v.sku },
          {
            title: "PRICES",
            value: (v) =>
              Object.entries(v.prices)
                .map(([c, a]) => priced(a, c, p.currency_exponents, ctx.io.locale))
                .join(", "),
          },
          { title: "ON HAND", value: (v) => String(v.stock.on_hand), align: "right" },
        ])}`,
      );
    } catch (error) {
      return refusal(error, ctx.io, { missing: "Not found.", refused: "Not created" });
    }
  },
};

const stockText = (s: Stock) =>
  keyValues([
    ["Variant", s.variant_id],
    ["On hand", String(s.on_hand)],
    ["Reserved", String(s.reserved)],
    ["Available", String(s.available)],
  ]);

const stockGet: Command = {
  name: "stock get",
  summary: "a variant's stock: on hand, reserved by active checkouts, available",
  usage: "VARIANT_ID",
  args: [1, 1],
  options: {},
  async run(ctx) {
    const id = ctx.positionals[0]!;
    try {
      const stock = await ctx.client.get<Stock>(`/admin/api/variants/${segment(id)}/stock`);
      return printResult(ctx, stock, stockText(stock));
    } catch (error) {
      return refusal(error, ctx.io, { missing: `No variant ${id}.`, refused: "Not shown" });
    }
  },
};

const stockSet: Command = {
  name: "stock set",
  summary: "set a variant's units on hand (never below what active checkouts reserved)",
  usage: "VARIANT_ID ON_HAND",
  args: [2, 2],
  options: {},
  examples: ["checkout-admin stock set var_… 25"],
  async run(ctx) {
    const [id, count] = ctx.positionals as [string, string];
    const onHand = wholeNumber(count, "ON_HAND", 0, 1_000_000_000);
    try {
      const stock = await ctx.client.put<Stock>(`/admin/api/variants/${segment(id)}/stock`, { on_hand: onHand });
      return printResult(ctx, stock, `${ctx.io.paint.ok("Stock set")}\n${stockText(stock)}`);
    } catch (error) {
      return refusal(error, ctx.io, { missing: `No variant ${id}.`, refused: "Not set" });
    }
  },
};

const pricesSet: Command = {
  name: "prices set",
  summary: "set a variant's prices in one or more currencies (minor units)",
  usage: "VARIANT_ID CUR=AMOUNT …",
  args: [2, 50],
  options: {},
  examples: ["checkout-admin prices set var_… USD=2499 EUR=2299"],
  async run(ctx) {
    const [id, ...pairs] = ctx.positionals as [string, ...string[]];
    const prices = Object.fromEntries(pairs.map(parsePrice));
    try {
      const result = await ctx.client.put<VariantPrices>(`/admin/api/variants/${segment(id)}/prices`, prices);
      return printResult(
        ctx,
        result,
        `${ctx.io.paint.ok("Prices set")} for ${result.variant_id}: ${Object.entries(result.prices)
          .map(([c, a]) => priced(a, c, result.currency_exponents, ctx.io.locale))
          .join(", ")}`,
      );
    } catch (error) {
      return refusal(error, ctx.io, { missing: `No variant ${id}.`, refused: "Not set" });
    }
  },
};

const currenciesSet: Command = {
  name: "currencies set",
  summary: "add a currency or change its exchange rate from the base currency",
  usage: "CODE --rate R --exponent E",
  args: [1, 1],
  options: {
    rate: { type: "string", value: "R", help: "units of it per unit of the base currency, a decimal like 0.92 (1 for the base currency)" },
    exponent: { type: "string", value: "E", help: "its minor-unit digits, 0-4 (2 for EUR, 0 for JPY)" },
  },
  details: "A price missing in a cart's currency converts from the base currency at this rate; a quote keeps the rate it was made with.",
  examples: ["checkout-admin currencies set EUR --rate 0.92 --exponent 2"],
  async run(ctx) {
    const code = ctx.positionals[0]!.toUpperCase();
    const rate = stringOption(ctx.options, "rate");
    const exponent = intOption(ctx.options, "exponent", 0, 4);
    if (rate === undefined || exponent === undefined)
      throw new UsageError("currencies set needs --rate and --exponent: checkout-admin currencies set EUR --rate 0.92 --exponent 2");
    const result = await ctx.client.put<Currency>(`/admin/api/currencies/${segment(code)}`, {
      rate_from_base: rate,
      exponent,
    });
    return printResult(ctx, result, `${ctx.io.paint.ok("Currency set")} ${result.code}: rate from base ${result.rate_from_base}, exponent ${result.exponent}`);
  },
};

const taxRatesSet: Command = {
  name: "tax-rates set",
  summary: "set the tax rate of a country and tax class",
  usage: "COUNTRY TAX_CLASS --name N --rate-bps B [--inclusive]",
  args: [2, 2],
  options: {
    name: { type: "string", value: "N", help: "what receipts call it, e.g. VAT" },
    "rate-bps": { type: "string", value: "B", help: "the rate in basis points (1900 = 19 %)" },
    inclusive: { type: "boolean", help: "prices already include it" },
  },
  examples: ["checkout-admin tax-rates set DE standard --name VAT --rate-bps 1900 --inclusive"],
  async run(ctx) {
    const [country, taxClass] = ctx.positionals as [string, string];
    const name = stringOption(ctx.options, "name");
    const rateBps = intOption(ctx.options, "rate-bps", 0, 10_000);
    if (name === undefined || rateBps === undefined) throw new UsageError("tax-rates set needs --name and --rate-bps.");
    const result = await ctx.client.put<TaxRate>(`/admin/api/tax-rates/${segment(country.toUpperCase())}/${segment(taxClass)}`, {
      name,
      rate_bps: rateBps,
      inclusive: flag(ctx.options, "inclusive"),
    });
    return printResult(
      ctx,
      result,
      `${ctx.io.paint.ok("Tax rate set")} ${result.country}/${result.tax_class}: ${result.name} ${(result.rate_bps / 100).toFixed(2)} %${result.inclusive ? " (inclusive)" : ""}`,
    );
  },
};

export function discountBody(code: string, options: CommandContext["options"]): Record<string, unknown> {
  const percent = stringOption(options, "percent");
  const amount = stringOption(options, "amount");
  if ((percent === undefined) === (amount === undefined)) throw new UsageError("A discount is --percent P or --amount N (with --currency): one of them.");
  if (percent !== undefined && !/^\d{1,3}(\.\d{1,2})?$/.test(percent))
    throw new UsageError("--percent is a number above 0 up to 100 with at most two decimals, e.g. 10 or 12.5.");
  const currency = stringOption(options, "currency");
  const minSubtotal = stringOption(options, "min-subtotal");
  const usageLimit = intOption(options, "usage-limit", 1, 1_000_000_000);
  const body: Record<string, unknown> = {
    code,
    type: percent !== undefined ? "percentage" : "fixed",
    ...(percent !== undefined ? { percent: Number(percent) } : {}),
    ...(amount !== undefined ? { amount: wholeNumber(amount, "--amount (minor units)", 1, MAX_MINOR_UNITS) } : {}),
    ...(currency ? { currency: currency.toUpperCase() } : {}),
    ...(usageLimit !== undefined ? { usage_limit: usageLimit } : {}),
    ...(minSubtotal !== undefined ? { min_subtotal: wholeNumber(minSubtotal, "--min-subtotal (minor units)", 0, MAX_MINOR_UNITS) } : {}),
  };
  for (const [option, field] of [
    ["starts-at", "starts_at"],
    ["ends-at", "ends_at"],
  ] as const) {
    const value = stringOption(options, option);
    if (value === undefined) continue;
    const at = new Date(value);
    if (Number.isNaN(at.getTime())) throw new UsageError(`--${option} is a date and time, e.g. 2026-12-24T00:00:00Z (got "${value}").`);
    body[field] = at.toISOString();
  }
  return body;
}

const discountsCreate: Command = {
  name: "discounts create",
  summary: "create a discount code: a percentage or a fixed amount",
  usage: "CODE (--percent P | --amount N --currency C) [--starts-at T] [--ends-at T] [--usage-limit N] [--min-subtotal N]",
  args: [1, 1],
  options: {
    percent: { type: "string", value: "P", help: "percent off (up to two decimals)" },
    amount: { type: "string", value: "N", help: "a fixed amount off, in minor units of --currency" },
    currency: { type: "string", value: "C", help: "the currency of --amount and --min-subtotal" },
    "starts-at": { type: "string", value: "T", help: "valid from (ISO 8601)" },
    "ends-at": { type: "string", value: "T", help: "valid until (ISO 8601)" },
    "usage-limit": { type: "string", value: "N", help: "how many orders may use it" },
    "min-subtotal": { type: "string", value: "N", help: "the smallest subtotal it applies to (minor units)" },
  },
  examples: ["checkout-admin discounts create SAVE10 --percent 10", "checkout-admin discounts create FIVEOFF --amount 500 --currency USD --usage-limit 100"],
  async run(ctx) {
    const body = discountBody(ctx.positionals[0]!, ctx.options);
    try {
      const result = await ctx.client.post<{ discount: Discount }>("/admin/api/discounts", body);
      const d = result.discount;
      return printResult(
        ctx,
        result,
        `${ctx.io.paint.ok("Created")} discount ${d.code}: ${d.type === "percentage" ? `${d.percent} % off` : `${minorUnits(d.amount, d.currency)} (minor units) off`}`,
      );
    } catch (error) {
      return refusal(error, ctx.io, { missing: "Not found.", refused: "Not created" });
    }
  },
};

const limitsSet: Command = {
  name: "limits set",
  summary: "set how many units of a variant one customer (by email) may buy; none clears it",
  usage: "VARIANT_ID MAX_PER_CUSTOMER|none",
  args: [2, 2],
  options: {},
  details: "Checkouts of a limited variant need the cart's email; what a customer holds in active checkouts and has ordered never exceeds the limit.",
  examples: ["checkout-admin limits set var_… 1", "checkout-admin limits set var_… none"],
  async run(ctx) {
    const [id, value] = ctx.positionals as [string, string];
    const max = value === "none" ? null : wholeNumber(value, "MAX_PER_CUSTOMER", 1, 1_000_000);
    try {
      const result = await ctx.client.put<PurchaseLimit>(`/admin/api/variants/${segment(id)}/limits`, {
        max_per_customer: max,
      });
      return printResult(
        ctx,
        result,
        `${ctx.io.paint.ok("Limit set")} for ${result.variant_id}: ${result.max_per_customer === null ? "none" : `at most ${result.max_per_customer} per customer`}`,
      );
    } catch (error) {
      return refusal(error, ctx.io, { missing: `No variant ${id}.`, refused: "Not set" });
    }
  },
};

export const catalogCommands: Command[] = [productsList, productsCreate, stockGet, stockSet, pricesSet, currenciesSet, taxRatesSet, discountsCreate, limitsSet];
