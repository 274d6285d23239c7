/**
 * The catalog a cart is priced with while it is edited and viewed (variants with their
 * products and prices, currencies, tax rates), kept per isolate for a few seconds, so a
 * drop's thousands of "add to cart" do not each read the one shared D1.
 *
 * Why an isolate cache and not D1 read replication (the Sessions API): a replica read is
 * still a D1 query, and it is the query count that saturates a drop; a cache hit is no
 * query at all. Locally there are no replicas either, so sessions would measure nothing.
 *
 * Why stale reads are safe here:
 * - Checkout start never reads from this cache: the quote is priced from D1 at the
 *   moment it is frozen, and a shopper's `expected_total` (what this cache showed them)
 *   beyond the drift tolerance is refused with `409 price_changed`. A stale view can make
 *   a shopper see an old price for a few seconds; it never changes what anyone pays.
 * - Discounts are never cached: their usage counts move with every checkout.
 * - Stock is not part of it (the sold-out knowledge lives in the availability cache).
 * - Admin writes in this isolate drop what they changed at once (`forget…`); other
 *   isolates see a change within `CATALOG_MAX_AGE_MS`.
 * Concurrent misses for the same things share one D1 batch (single flight).
 */
import { eq, inArray } from "drizzle-orm";
import type { CurrencyInfo, TaxRateInfo } from "../checkout/pricing";
import {
  toCatalogVariants,
  toCurrencyInfo,
  toDiscountRule,
  toTaxRateInfo,
  variantQueries,
  type CatalogRequest,
  type CatalogSnapshot,
  type CatalogVariant,
} from "./catalog";
import type { Database } from "./client";
import { currencies, discounts, taxRates } from "./schema";

/** How long a catalog read is reused: admin changes reach every isolate within this. */
export const CATALOG_MAX_AGE_MS = 5_000;
/** Entries per kind (variants, currencies, countries) per isolate. */
export const MAX_CATALOG_ENTRIES = 10_000;

interface Entry<T> {
  value: T;
  readAt: number;
}

/** What one D1 read brought back; null marks an id D1 does not have. */
interface Filled {
  variants: Map<string, CatalogVariant | null>;
  currencies: Map<string, CurrencyInfo | null>;
  taxRates: TaxRateInfo[] | null;
}

interface Missing {
  variantIds: string[];
  currencyCodes: string[];
  country: string | null;
}

const unique = (values: string[]) => [...new Set(values)];

export class CatalogCache {
  readonly #variants = new Map<string, Entry<CatalogVariant | null>>();
  readonly #currencies = new Map<string, Entry<CurrencyInfo | null>>();
  readonly #taxRates = new Map<string, Entry<TaxRateInfo[]>>();
  readonly #inFlight = new Map<string, Promise<Filled>>();
  /** When an admin write last dropped something: a read sent before it is not kept. */
  #lastForgetAt = -Infinity;
  readonly stats = { hits: 0, reads: 0 };

  constructor(
    readonly maxAgeMs = CATALOG_MAX_AGE_MS,
    readonly maxEntries = MAX_CATALOG_ENTRIES,
    public clock: () => number = Date.now,
  ) {}

  async load(db: Database, req: CatalogRequest): Promise<CatalogSnapshot> {
    const variantIds = unique(req.variantIds);
    const currencyCodes = unique(req.currencyCodes);
    const codes = unique(req.discountCodes);
    const country = req.country;
    // What is fresh is taken now: an entry aging out while this call waits does not matter.
    const known: Filled = { variants: new Map(), currencies: new Map(), taxRates: null };
    const missing: Missing = { variantIds: [], currencyCodes: [], country: null };
    for (const id of variantIds) this.#take(this.#variants, id, known.variants, missing.variantIds);
    for (const code of currencyCodes) this.#take(this.#currencies, code, known.currencies, missing.currencyCodes);
    if (country !== null) {
      const entry = this.#taxRates.get(country);
      if (entry && this.#fresh(entry)) known.taxRates = entry.value;
      else missing.country = country;
    }
    const needsRead = missing.variantIds.length > 0 || missing.currencyCodes.length > 0 || missing.country !== null;
    const [filled, discountRows] = await Promise.all([
      needsRead ? this.#fill(db, missing) : null,
      codes.length ? db.select().from(discounts).where(inArray(discounts.code, codes)) : [],
    ]);
    if (needsRead) this.stats.reads++;
    else this.stats.hits++;
    const variants = new Map([...known.variants, ...(filled?.variants ?? [])]);
    const currencyInfo = new Map([...known.currencies, ...(filled?.currencies ?? [])]);
    return {
      variants: new Map([...variants].filter((e): e is [string, CatalogVariant] => e[1] !== null)),
      currencies: new Map([...currencyInfo].filter((e): e is [string, CurrencyInfo] => e[1] !== null)),
      taxRates: known.taxRates ?? filled?.taxRates ?? [],
      discounts: new Map(discountRows.map((d) => [d.code, toDiscountRule(d)])),
      stock: new Map(),
    };
  }

  forgetVariants(ids: Iterable<string>): void {
    for (const id of ids) this.#variants.delete(id);
    this.#lastForgetAt = this.clock();
  }

  forgetCurrency(code: string): void {
    this.#currencies.delete(code);
    this.#lastForgetAt = this.clock();
  }

  forgetTaxRates(country: string): void {
    this.#taxRates.delete(country);
    this.#lastForgetAt = this.clock();
  }

  /** Drops everything: the next read of anything asks D1 (tests start from here instead of waiting out the age). */
  clear(): void {
    this.#variants.clear();
    this.#currencies.clear();
    this.#taxRates.clear();
    this.#lastForgetAt = this.clock();
  }

  #fresh(entry: Entry<unknown>): boolean {
    return this.clock() - entry.readAt <= this.maxAgeMs;
  }

  #take<T>(cache: Map<string, Entry<T>>, key: string, found: Map<string, T>, missing: string[]): void {
    const entry = cache.get(key);
    if (entry && this.#fresh(entry)) found.set(key, entry.value);
    else missing.push(key);
  }

  /** One batch for everything missing; callers missing exactly the same things share it. */
  #fill(db: Database, missing: Missing): Promise<Filled> {
    const key = JSON.stringify(missing);
    const running = this.#inFlight.get(key);
    if (running) return running;
    const readAt = this.clock();
    const read = this.#read(db, missing).then((filled) => {
      for (const [id, v] of filled.variants) this.#store(this.#variants, id, v, readAt);
      for (const [code, c] of filled.currencies) this.#store(this.#currencies, code, c, readAt);
      if (missing.country !== null) this.#store(this.#taxRates, missing.country, filled.taxRates ?? [], readAt);
      return filled;
    });
    const settled = read.finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, settled);
    return settled;
  }

  async #read(db: Database, missing: Missing): Promise<Filled> {
    // An IN () with no values is not valid SQL: absent lists ask for a value that cannot match.
    const orNone = (values: string[]) => (values.length ? values : ["\u0000"]);
    const [variantRows, productRows, priceRows, currencyRows, taxRows] = await db.batch([
      ...variantQueries(db, orNone(missing.variantIds)),
      db
        .select()
        .from(currencies)
        .where(inArray(currencies.code, orNone(missing.currencyCodes))),
      db
        .select()
        .from(taxRates)
        .where(eq(taxRates.country, missing.country ?? "\u0000")),
    ]);
    const variants = toCatalogVariants(variantRows, productRows, priceRows);
    const currencyInfo = new Map(currencyRows.map((c) => [c.code, toCurrencyInfo(c)]));
    return {
      variants: new Map(missing.variantIds.map((id) => [id, variants.get(id) ?? null])),
      currencies: new Map(missing.currencyCodes.map((code) => [code, currencyInfo.get(code) ?? null])),
      taxRates: missing.country === null ? null : taxRows.map(toTaxRateInfo),
    };
  }

  #store<T>(cache: Map<string, Entry<T>>, key: string, value: T, readAt: number): void {
    const known = cache.get(key);
    // A slower, older read never overwrites a newer one, nor outlives an admin write it may predate.
    if ((known && known.readAt > readAt) || readAt < this.#lastForgetAt) return;
    cache.delete(key);
    cache.set(key, { value, readAt });
    while (cache.size > this.maxEntries) cache.delete(cache.keys().next().value!);
  }
}

/** The isolate's one catalog cache, shared by every cart object and request it runs. */
export const catalogCache = new CatalogCache();

/** The catalog for pricing a cart that is being edited or viewed (never for the quote). */
export function loadCachedCatalog(db: Database, req: CatalogRequest): Promise<CatalogSnapshot> {
  return catalogCache.load(db, req);
}
