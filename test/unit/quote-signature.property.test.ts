/**
 * Properties of quote signing (docs/architecture.md, Frozen money): any change to any signed
 * field — at any depth, lines, discounts and taxes included — is detected, the
 * signature does not depend on key order, and nothing but the right secret and the
 * exact contents verifies.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildSignedQuote, isQuoteIntact, type Quote } from "../../src/checkout/quote";
import { canonicalJson, signQuote, verifyQuote } from "../../src/checkout/quote-signature";

const SECRET = "test-quote-secret";
const RUNS = 150;

// ---------------------------------------------------------------------------
// Generators: quotes of the real shape (src/checkout/quote.ts), with awkward strings.

const text = fc.oneof(fc.string({ maxLength: 12 }), fc.string({ unit: "grapheme", maxLength: 8 }));
const money = fc.integer({ min: 0, max: 10_000_000 });
const iso = fc.date({ min: new Date("2020-01-01T00:00:00.000Z"), max: new Date("2040-01-01T00:00:00.000Z"), noInvalidDate: true }).map((d) => d.toISOString());

const quoteLine = fc.record({
  line_id: text,
  variant_id: text,
  sku: text,
  title: text,
  quantity: fc.integer({ min: 1, max: 99 }),
  unit_price: money,
  subtotal: money,
  discount_total: money,
  discounts: fc.array(fc.record({ code: text, amount: money }), { maxLength: 3 }),
  tax_total: money,
  taxes: fc.array(fc.record({ name: text, rate_bps: fc.integer({ min: 0, max: 10_000 }), amount: money, inclusive: fc.boolean() }), { maxLength: 3 }),
  total: money,
});

const unsignedQuote = fc.record({
  id: text,
  checkout_id: text,
  cart_id: text,
  currency: fc.constantFrom("USD", "EUR", "JPY", "GBP"),
  currency_exponent: fc.constantFrom(0, 2, 3),
  exchange_rate: fc.constantFrom("1", "0.92", "151.234567", "0.000001"),
  exchange_rate_updated_at: fc.option(iso, { nil: null }),
  base_currency: fc.constantFrom("USD", "EUR"),
  discount_codes: fc.array(text, { maxLength: 3 }),
  created_at: iso,
  expires_at: iso,
  lines: fc.array(quoteLine, { minLength: 1, maxLength: 4 }),
  subtotal: money,
  discount_total: money,
  tax_total: money,
  total: money,
});

async function signed(quote: Omit<Quote, "signature">, secret = SECRET): Promise<Quote> {
  return { ...quote, signature: await signQuote(secret, quote) } as Quote;
}

/** verifyQuote takes any JSON object: a stored quote comes back from storage untyped. */
const verifies = (quote: unknown, secret = SECRET) => verifyQuote(secret, quote as Record<string, unknown>);

// ---------------------------------------------------------------------------
// Paths into a JSON value, and edits at a path.

type Path = Array<string | number>;
type JsonObject = Record<string, unknown>;

/** Every path to a value inside `value` (containers and leaves), except the signature. */
function paths(value: unknown, prefix: Path = []): Path[] {
  const out: Path[] = [];
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      out.push([...prefix, i], ...paths(item, [...prefix, i]));
    });
  } else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      if (prefix.length === 0 && key === "signature") continue;
      out.push([...prefix, key], ...paths(item, [...prefix, key]));
    }
  }
  return out;
}

function containers(value: unknown): Path[] {
  const all: Path[] = [[], ...paths(value)];
  return all.filter((p) => {
    const target = at(value, p);
    return target !== null && typeof target === "object";
  });
}

function at(value: unknown, path: Path): unknown {
  return path.reduce<unknown>((node, key) => (node as Record<string | number, unknown>)[key], value);
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

/** Replaces the value at `path` (a non-empty path) in a deep copy. */
function replaceAt<T>(value: T, path: Path, replacement: unknown): T {
  const copy = clone(value);
  const parent = at(copy, path.slice(0, -1)) as Record<string | number, unknown>;
  parent[path.at(-1)!] = replacement;
  return copy;
}

/** Two JSON values that mean the same data have the same canonical form. */
const sameData = (a: unknown, b: unknown) => canonicalJson(a) === canonicalJson(b);

/** Rebuilds every object with its keys in a shuffled order (same data). */
function shuffleKeys(value: unknown, rand: () => number): unknown {
  if (Array.isArray(value)) return value.map((v) => shuffleKeys(v, rand));
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value);
  for (let i = entries.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [entries[i], entries[j]] = [entries[j]!, entries[i]!];
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, shuffleKeys(v, rand)]));
}

// ---------------------------------------------------------------------------

describe("quote signatures (properties)", () => {
  it("a signed quote verifies, and so does the same quote after a JSON round trip (how it is stored)", async () => {
    await fc.assert(
      fc.asyncProperty(unsignedQuote, async (q) => {
        const quote = await signed(q);
        expect(quote.signature).toMatch(/^v1\.[A-Za-z0-9_-]{43}$/);
        expect(await verifies(quote)).toBe(true);
        expect(await isQuoteIntact(SECRET, JSON.parse(JSON.stringify(quote)))).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it("changing any signed value, at any depth, to any other value is detected", async () => {
    await fc.assert(
      fc.asyncProperty(unsignedQuote, fc.nat(), fc.jsonValue({ maxDepth: 2 }), async (q, pick, replacement) => {
        const quote = await signed(q);
        const all = paths(quote);
        const path = all[pick % all.length]!;
        fc.pre(!sameData(at(quote, path), replacement));
        const tampered = replaceAt(quote, path, replacement);
        expect(await verifies(tampered), `change at ${path.join(".")}`).toBe(false);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it("a one-unit change to any amount, rate or quantity is detected (the likeliest forgery)", async () => {
    await fc.assert(
      fc.asyncProperty(unsignedQuote, fc.nat(), fc.constantFrom(-1, 1), async (q, pick, delta) => {
        const quote = await signed(q);
        const numeric = paths(quote).filter((p) => typeof at(quote, p) === "number");
        const path = numeric[pick % numeric.length]!;
        const tampered = replaceAt(quote, path, (at(quote, path) as number) + delta);
        expect(await verifies(tampered), `±1 at ${path.join(".")}`).toBe(false);
      }),
      { numRuns: RUNS },
    );
  });

  it("adding or removing a field, or adding, dropping or reordering an array element, is detected", async () => {
    const edit = fc.constantFrom("add_key", "delete_key", "drop_item", "duplicate_item", "swap_items");
    await fc.assert(
      fc.asyncProperty(
        unsignedQuote,
        fc.nat(),
        edit,
        fc.string({ minLength: 1, maxLength: 8 }),
        fc.jsonValue({ maxDepth: 1 }),
        async (q, pick, kind, key, value) => {
          const quote = await signed(q);
          const targets = containers(quote).filter((p) => {
            const node = at(quote, p);
            if (kind === "add_key") return !Array.isArray(node);
            if (kind === "delete_key") return !Array.isArray(node) && Object.keys(node as JsonObject).some((k) => !(p.length === 0 && k === "signature"));
            if (kind === "swap_items") return Array.isArray(node) && new Set(node.map((n) => canonicalJson(n))).size > 1;
            return Array.isArray(node) && node.length > 0;
          });
          fc.pre(targets.length > 0);
          const path = targets[pick % targets.length]!;
          const tampered = clone(quote) as unknown as JsonObject;
          const node = at(tampered, path);
          if (Array.isArray(node)) {
            if (kind === "drop_item") node.splice(pick % node.length, 1);
            else if (kind === "duplicate_item") node.push(clone(node[pick % node.length]));
            else {
              const i = node.findIndex((n) => canonicalJson(n) !== canonicalJson(node[0]));
              [node[0], node[i]] = [node[i], node[0]];
            }
          } else {
            const obj = node as JsonObject;
            if (kind === "add_key") {
              fc.pre(!Object.hasOwn(obj, key) && key !== "__proto__" && !(path.length === 0 && key === "signature"));
              obj[key] = value;
            } else {
              const keys = Object.keys(obj).filter((k) => !(path.length === 0 && k === "signature"));
              delete obj[keys[pick % keys.length]!];
            }
          }
          expect(await verifies(tampered), `${kind} at ${path.join(".") || "(root)"}`).toBe(false);
        },
      ),
      { numRuns: RUNS * 2 },
    );
  });

  it("key order does not matter, at any depth", async () => {
    await fc.assert(
      fc.asyncProperty(unsignedQuote, fc.integer(), async (q, seed) => {
        let state = seed >>> 0 || 1;
        const rand = () => {
          state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
          return state / 2 ** 32;
        };
        const quote = await signed(q);
        const reordered = shuffleKeys(quote, rand) as Quote;
        expect(await verifies(reordered)).toBe(true);
        expect(await signQuote(SECRET, reordered as unknown as Record<string, unknown>)).toBe(quote.signature);
      }),
      { numRuns: RUNS },
    );
  });

  it("only the signing secret verifies, and a changed or missing signature never does", async () => {
    await fc.assert(
      fc.asyncProperty(unsignedQuote, fc.string({ minLength: 1, maxLength: 40 }), fc.string({ maxLength: 60 }), async (q, otherSecret, forged) => {
        fc.pre(otherSecret !== SECRET);
        const quote = await signed(q);
        expect(await verifies(quote, otherSecret)).toBe(false);
        expect(await verifies(await signed(q, otherSecret))).toBe(false);
        fc.pre(forged !== quote.signature);
        expect(await verifies({ ...quote, signature: forged })).toBe(false);
        const { signature: _dropped, ...unsigned } = quote;
        expect(await verifies(unsigned)).toBe(false);
      }),
      { numRuns: RUNS },
    );
  });

  it("buildSignedQuote signs what it returns: any figure changed afterwards fails isQuoteIntact", async () => {
    const priced = {
      currency: "EUR",
      exponent: 2,
      exchangeRate: "0.92",
      exchangeRateUpdatedAt: "2026-11-01T00:00:00.000Z",
      appliedDiscounts: [{ code: "SAVE10" }],
      lines: [
        {
          lineId: "line_1",
          variantId: "var_1",
          sku: "TEE-M",
          title: "Tee — M",
          quantity: 2,
          unitPrice: 1839,
          subtotal: 3678,
          discountTotal: 368,
          discounts: [{ code: "SAVE10", amount: 368 }],
          taxTotal: 629,
          taxes: [{ name: "VAT", rateBps: 1900, amount: 629, inclusive: false }],
          total: 3939,
        },
      ],
      subtotal: 3678,
      discountTotal: 368,
      taxTotal: 629,
      total: 3939,
    };
    const quote = await buildSignedQuote(SECRET, {
      id: "quo_1",
      checkoutId: "chk_1",
      cartId: "cart_1",
      baseCurrency: "USD",
      priced: priced as never,
      createdAt: "2026-11-22T10:00:00.000Z",
      expiresAt: "2026-11-22T10:15:00.000Z",
    });
    expect(await isQuoteIntact(SECRET, quote)).toBe(true);
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.jsonValue({ maxDepth: 1 }), async (pick, replacement) => {
        const all = paths(quote);
        const path = all[pick % all.length]!;
        fc.pre(!sameData(at(quote, path), replacement));
        expect(await isQuoteIntact(SECRET, replaceAt(quote, path, replacement)), `change at ${path.join(".")}`).toBe(false);
      }),
      { numRuns: RUNS },
    );
  });
});
