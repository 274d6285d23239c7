/**
 * Sold-out knowledge, per isolate: what D1 last said each variant had available, and
 * when. In a drop almost every shopper asks for a variant that has nothing left; this
 * lets the checkout refuse them without a D1 query, which is what keeps the one shared
 * database serving the winners (a production D1 answers about 1,000 queries a second).
 *
 * Why this design:
 * - It only ever says "no". The ledger's CHECK stays the one arbiter of who gets a unit:
 *   a variant the cache thinks available still goes through the reservation batch, and
 *   a unit the cache does not know about is never sold on its word.
 * - "No" is trusted for at most `maxAgeMs` (1 s) after the read that saw it. Older, it
 *   is re-read before it refuses anyone, and the re-read is single-flight: every start
 *   of that variant in this isolate waits for the one query in flight. So a variant
 *   costs D1 at most one small query a second per isolate, however many shoppers ask,
 *   and a unit freed by a lapsing or released reservation (in any isolate) is sellable
 *   again within about a second.
 * - Knowledge is recorded by the reads the checkout makes anyway (the catalog read at
 *   start, the stock read after a refused reservation), and dropped at once when this
 *   isolate itself frees units (a rollback, the cleanup job, an admin stock change).
 * - Bounded: at most `maxEntries` variants, oldest dropped first.
 * - Isolate memory, not a shared store: another store (KV, a Durable Object) would put
 *   a request back on the refusal path; an isolate that knows nothing merely asks D1.
 */
import type { StockLevel } from "../db/stock-levels";

/** A line the stock cannot serve, as the `insufficient_stock` details name it. */
export interface ShortLine {
  variantId: string;
  requested: number;
  level: StockLevel;
}

interface Entry {
  level: StockLevel;
  readAt: number;
}

export type StockReader = (variantIds: string[]) => Promise<Map<string, StockLevel>>;

/** How long "nothing available" is believed without asking D1 again. */
export const SOLD_OUT_MAX_AGE_MS = 1_000;
/** Variants remembered per isolate: plenty for a catalog's hot items, small in memory. */
export const MAX_REMEMBERED_VARIANTS = 10_000;

export class AvailabilityCache {
  readonly #entries = new Map<string, Entry>();
  readonly #inFlight = new Map<string, Promise<void>>();
  /** Counters for the admin diagnostics and the benchmark. */
  readonly stats = { refusals: 0, refreshes: 0 };

  constructor(
    readonly maxAgeMs = SOLD_OUT_MAX_AGE_MS,
    readonly maxEntries = MAX_REMEMBERED_VARIANTS,
    /** Epoch ms; tests replace it to age the knowledge without sleeping. */
    public clock: () => number = Date.now,
  ) {}

  /** Remember what a D1 read returned; `readAt` is when the read was sent (the conservative age). */
  record(levels: Iterable<StockLevel>, readAt: number = this.clock()): void {
    for (const level of levels) {
      const known = this.#entries.get(level.variantId);
      // A slower, older read never overwrites a newer one.
      if (known && known.readAt > readAt) continue;
      this.#entries.delete(level.variantId);
      this.#entries.set(level.variantId, { level, readAt });
    }
    while (this.#entries.size > this.maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
  }

  /** Units of these variants were freed or added here: stop refusing on what was known. */
  forget(variantIds: Iterable<string>): void {
    for (const id of variantIds) this.#entries.delete(id);
  }

  /** Forgets every variant (tests start from here instead of waiting out `maxAgeMs`). */
  clear(): void {
    this.#entries.clear();
  }

  /**
   * The lines the cache knows cannot be served: a fresh entry with less available than
   * requested. A stale "not enough" is re-read first (one query per variant in flight,
   * shared by every caller); a variant never read, or last seen with enough, is not
   * judged here at all (the checkout's own reads and the ledger's CHECK do that).
   */
  async knownShortages(lines: Array<{ variantId: string; quantity: number }>, read: StockReader): Promise<ShortLine[]> {
    const requested = new Map<string, number>();
    for (const l of lines) requested.set(l.variantId, (requested.get(l.variantId) ?? 0) + l.quantity);
    const stale = [...requested].filter(([id, quantity]) => {
      const entry = this.#entries.get(id);
      return entry !== undefined && entry.level.available < quantity && !this.#fresh(entry);
    });
    if (stale.length)
      await this.#refresh(
        stale.map(([id]) => id),
        read,
      );
    const short: ShortLine[] = [];
    for (const [variantId, quantity] of requested) {
      const entry = this.#entries.get(variantId);
      if (entry && this.#fresh(entry) && entry.level.available < quantity) short.push({ variantId, requested: quantity, level: entry.level });
    }
    if (short.length) this.stats.refusals++;
    return short;
  }

  #fresh(entry: Entry): boolean {
    return this.clock() - entry.readAt <= this.maxAgeMs;
  }

  async #refresh(variantIds: string[], read: StockReader): Promise<void> {
    const waiting = variantIds.map((id) => this.#inFlight.get(id)).filter((p) => p !== undefined);
    const missing = variantIds.filter((id) => !this.#inFlight.has(id));
    if (missing.length) {
      const readAt = this.clock();
      this.stats.refreshes++;
      const query = read(missing).then(
        (levels) => {
          this.record(levels.values(), readAt);
          // A variant D1 no longer has is not "sold out": let the checkout say what it is.
          this.forget(missing.filter((id) => !levels.has(id)));
        },
        // A failed re-read refuses nobody: the entry is dropped and the checkout asks D1 itself.
        () => this.forget(missing),
      );
      const settled = query.finally(() => {
        for (const id of missing) if (this.#inFlight.get(id) === settled) this.#inFlight.delete(id);
      });
      for (const id of missing) this.#inFlight.set(id, settled);
      waiting.push(settled);
    }
    await Promise.all(waiting);
  }
}

/** The isolate's one cache: shared by every cart object and request this isolate runs. */
export const availabilityCache = new AvailabilityCache();
