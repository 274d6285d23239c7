/**
 * "Nothing changed": a fingerprint of every D1 table (all rows, in one batch) and of
 * the carts a test watches, compared before and after a request that must be refused.
 */
import { env } from "cloudflare:workers";
import type { TestCart } from "./api";
import { workerFetch } from "./worker-fetch";

let tables: string[] | null = null;

async function tableNames(): Promise<string[]> {
  tables ??= (
    await env.DB.prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name <> 'd1_migrations' ORDER BY name",
    ).all<{ name: string }>()
  ).results.map((r) => r.name);
  return tables;
}

/** Every row of every table, in one D1 round trip. */
export async function d1Fingerprint(): Promise<Record<string, unknown[]>> {
  const names = await tableNames();
  const results = await env.DB.batch(names.map((name) => env.DB.prepare(`SELECT * FROM "${name}" ORDER BY rowid`)));
  return Object.fromEntries(names.map((name, i) => [name, results[i]!.results]));
}

/** D1 plus each watched cart as its owner sees it (version, lines, codes, checkout). */
export async function stateFingerprint(carts: TestCart[]): Promise<{ d1: Record<string, unknown[]>; carts: unknown[] }> {
  const views = [];
  for (const cart of carts) views.push((await workerFetch("GET", `/v1/carts/${cart.id}`, { headers: cart.auth })).body);
  return { d1: await d1Fingerprint(), carts: views };
}
