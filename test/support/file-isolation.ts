/**
 * Setup file of the Workers projects: test files share one runtime per project worker
 * (its D1, its objects, the isolate's module state), so what a file changes that every
 * other file reads is given back after it:
 * - the catalog's shared settings (currencies and tax rates), row for row;
 * - the isolate's caches (catalog, sold-out knowledge, known currencies, statistics),
 *   emptied, and their clocks put back where a file may have frozen them.
 * Everything else a test makes has ids of its own, and tests count what they did as
 * deltas, so what another file left behind does not matter to them.
 */
import { env } from "cloudflare:workers";
import { afterAll, beforeAll } from "vitest";
import { forgetStatistics } from "../../src/admin/checkout-statistics";
import { forgetKnownCurrencies } from "../../src/db/catalog";
import { catalogCache } from "../../src/db/catalog-cache";
import { availabilityCache } from "../../src/inventory/availability-cache";

type Row = Record<string, unknown>;

/** Tables of settings every file reads, with their keys. */
const SHARED_SETTINGS: Array<{ table: string; key: string[] }> = [
  { table: "currencies", key: ["code"] },
  { table: "tax_rates", key: ["country", "tax_class"] },
];

let saved: Map<string, Row[]>;

async function rows(table: string): Promise<Row[]> {
  return (await env.DB.prepare(`SELECT * FROM ${table}`).all<Row>()).results;
}

async function restore(table: string, key: string[], before: Row[]): Promise<void> {
  const keyOf = (row: Row) => JSON.stringify(key.map((k) => row[k]));
  const wanted = new Map(before.map((row) => [keyOf(row), row]));
  const statements: D1PreparedStatement[] = [];
  for (const row of await rows(table)) {
    const was = wanted.get(keyOf(row));
    if (was && JSON.stringify(was) === JSON.stringify(row)) wanted.delete(keyOf(row));
    else if (!was)
      statements.push(env.DB.prepare(`DELETE FROM ${table} WHERE ${key.map((k, i) => `${k} = ?${i + 1}`).join(" AND ")}`).bind(...key.map((k) => row[k])));
  }
  for (const row of wanted.values()) {
    const columns = Object.keys(row);
    statements.push(
      env.DB.prepare(`INSERT OR REPLACE INTO ${table} (${columns.join(", ")}) VALUES (${columns.map((_, i) => `?${i + 1}`).join(", ")})`).bind(
        ...columns.map((c) => row[c]),
      ),
    );
  }
  // A settings row another row now refers to (a currency with prices) stays: one by one, so the rest still goes back.
  for (const statement of statements) await statement.run().catch(() => {});
}

function forgetIsolateState(): void {
  catalogCache.clear();
  availabilityCache.clear();
  forgetKnownCurrencies();
  forgetStatistics(env.DB);
}

beforeAll(async () => {
  forgetIsolateState();
  saved = new Map();
  for (const { table } of SHARED_SETTINGS) saved.set(table, await rows(table));
});

afterAll(async () => {
  for (const { table, key } of SHARED_SETTINGS) await restore(table, key, saved.get(table)!);
  // A file may have frozen the caches' clocks (to age them without sleeping): the real one again.
  catalogCache.clock = Date.now;
  availabilityCache.clock = Date.now;
  forgetIsolateState();
});
