/**
 * The sold-out knowledge in isolation: what it refuses, for how long, and how often it
 * asks D1 again. A plain clock and a counting reader stand in for time and the database.
 */
import { describe, expect, it } from "vitest";
import { AvailabilityCache } from "../../src/inventory/availability-cache";
import type { StockLevel } from "../../src/db/stock-levels";

const level = (variantId: string, available: number, reserved = 0): StockLevel => ({
  variantId,
  onHand: available + reserved,
  reserved,
  available,
  earliestLapseAt: null,
});

function setup(maxEntries = 100) {
  let now = 1_000_000;
  const cache = new AvailabilityCache(1_000, maxEntries, () => now);
  const stock = new Map<string, StockLevel>();
  const reads: string[][] = [];
  let release: (() => void) | null = null;
  let hold = false;
  const read = async (ids: string[]) => {
    reads.push(ids);
    if (hold) await new Promise<void>((resolve) => (release = resolve));
    return new Map(ids.flatMap((id) => (stock.has(id) ? [[id, stock.get(id)!] as const] : [])));
  };
  return {
    cache,
    stock,
    reads,
    read,
    advance: (ms: number) => (now += ms),
    holdReads: () => (hold = true),
    releaseReads: () => release?.(),
  };
}

describe("AvailabilityCache", () => {
  it("refuses only on fresh knowledge of too few units, and never judges what it has not seen", async () => {
    const t = setup();
    t.cache.record([level("var_out", 0), level("var_two", 2)]);
    const short = await t.cache.knownShortages(
      [
        { variantId: "var_out", quantity: 1 },
        { variantId: "var_two", quantity: 2 },
        { variantId: "var_new", quantity: 5 },
      ],
      t.read,
    );
    expect(short.map((s) => s.variantId)).toEqual(["var_out"]);
    // Lines of one variant add up: 2 + 1 units of a variant with 2 free is short.
    const summed = await t.cache.knownShortages(
      [
        { variantId: "var_two", quantity: 2 },
        { variantId: "var_two", quantity: 1 },
      ],
      t.read,
    );
    expect(summed).toEqual([{ variantId: "var_two", requested: 3, level: level("var_two", 2) }]);
    expect(t.reads).toEqual([]);
  });

  it("re-reads knowledge older than a second before refusing, and sells what was freed meanwhile", async () => {
    const t = setup();
    t.cache.record([level("var_a", 0, 1)]);
    t.advance(1_000);
    expect(await t.cache.knownShortages([{ variantId: "var_a", quantity: 1 }], t.read)).toHaveLength(1);
    expect(t.reads).toEqual([]);
    t.advance(1);
    t.stock.set("var_a", level("var_a", 1));
    expect(await t.cache.knownShortages([{ variantId: "var_a", quantity: 1 }], t.read)).toEqual([]);
    expect(t.reads).toEqual([["var_a"]]);
  });

  it("shares one re-read among every caller waiting for the same variant", async () => {
    const t = setup();
    t.cache.record([level("var_a", 0)]);
    t.advance(1_001);
    t.stock.set("var_a", level("var_a", 0));
    t.holdReads();
    const waiting = Array.from({ length: 20 }, () => t.cache.knownShortages([{ variantId: "var_a", quantity: 1 }], t.read));
    await Promise.resolve();
    t.releaseReads();
    const answers = await Promise.all(waiting);
    expect(answers.every((a) => a.length === 1)).toBe(true);
    expect(t.reads).toEqual([["var_a"]]);
  });

  it("refuses nobody when the re-read fails or the variant is gone", async () => {
    const t = setup();
    t.cache.record([level("var_a", 0), level("var_gone", 0)]);
    t.advance(1_001);
    const failing = async () => {
      throw new Error("D1 is down");
    };
    expect(await t.cache.knownShortages([{ variantId: "var_a", quantity: 1 }], failing)).toEqual([]);
    expect(await t.cache.knownShortages([{ variantId: "var_gone", quantity: 1 }], t.read)).toEqual([]);
    // Both were dropped: the next caller does not wait on them either.
    expect(
      await t.cache.knownShortages(
        [
          { variantId: "var_a", quantity: 1 },
          { variantId: "var_gone", quantity: 1 },
        ],
        t.read,
      ),
    ).toEqual([]);
    expect(t.reads).toEqual([["var_gone"]]);
  });

  it("keeps the newer of two reads, forgets on request, and holds at most its bound", async () => {
    const t = setup(3);
    t.cache.record([level("var_a", 5)]);
    t.cache.record([level("var_a", 0)], 999_000);
    expect(await t.cache.knownShortages([{ variantId: "var_a", quantity: 1 }], t.read)).toEqual([]);
    t.cache.record([level("var_a", 0)]);
    t.cache.forget(["var_a"]);
    expect(await t.cache.knownShortages([{ variantId: "var_a", quantity: 1 }], t.read)).toEqual([]);
    t.cache.record(["var_1", "var_2", "var_3", "var_4"].map((id) => level(id, 0)));
    const short = await t.cache.knownShortages(
      ["var_1", "var_2", "var_3", "var_4"].map((variantId) => ({ variantId, quantity: 1 })),
      t.read,
    );
    expect(short.map((s) => s.variantId)).toEqual(["var_2", "var_3", "var_4"]);
  });
});
