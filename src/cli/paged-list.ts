/**
 * The paged lists (locks, events, orders): filters, --limit and --cursor; --all follows
 * next_cursor to the end; --csv prints the API's fields as CSV (for a spreadsheet), a
 * table otherwise, with the command line that prints the next page.
 */
import type { Page } from "../contract/page.ts";
import { flag, intOption, stringOption, UsageError } from "./cli-args.ts";
import { EXIT, type CommandContext, type OptionSpec } from "./command.ts";
import { toCsv, type CsvValue } from "./csv.ts";
import { table, type Column } from "./text-table.ts";

export const MAX_PAGE_SIZE = 200;

export const LIST_OPTIONS: Record<string, OptionSpec> = {
  limit: { type: "string", value: "N", help: `items per page (1-${MAX_PAGE_SIZE}; the server's default otherwise)` },
  cursor: { type: "string", value: "C", help: "start at this next_cursor (printed under a page)" },
  all: { type: "boolean", help: "every page, following next_cursor to the end" },
  csv: { type: "boolean", help: "CSV with the API's own fields (amounts in minor units, ISO times) instead of a table" },
};

export interface ListSpec<T> {
  command: string;
  path: string;
  /** API query parameter → option name. */
  filters: Record<string, string>;
  /** Plural, for progress and the empty list ("checkout locks"). */
  noun: string;
  columns: Column<T>[];
  csv: Array<[header: string, value: (row: T) => CsvValue]>;
}

export async function printList<T>({ client, options, io, json }: CommandContext, list: ListSpec<T>): Promise<number> {
  const csv = flag(options, "csv");
  const all = flag(options, "all");
  if (csv && json) throw new UsageError("--csv and --json are two formats: pick one.");
  const query = new URLSearchParams();
  const again = [list.command];
  for (const [param, name] of Object.entries(list.filters)) {
    const value = stringOption(options, name);
    if (value === undefined) continue;
    query.set(param, value);
    again.push(`--${name} ${value}`);
  }
  const limit = intOption(options, "limit", 1, MAX_PAGE_SIZE);
  if (limit !== undefined || all) query.set("limit", String(limit ?? MAX_PAGE_SIZE));
  if (limit !== undefined) again.push(`--limit ${limit}`);
  let cursor = stringOption(options, "cursor") ?? null;

  const rows: T[] = [];
  const seen = new Set<string>();
  let next: string | null = null;
  for (;;) {
    if (cursor) query.set("cursor", cursor);
    const page = await client.get<Page<T>>(`${list.path}${query.size ? `?${query}` : ""}`);
    rows.push(...page.data);
    next = page.next_cursor;
    if (!all || !next) break;
    // A server handing out the same cursor twice would loop forever.
    if (seen.has(next)) throw new Error(`${list.path} returned the cursor ${next} twice`);
    seen.add(next);
    cursor = next;
    io.progress(`Fetched ${rows.length} ${list.noun}…`);
  }
  io.progress(null);

  if (json) io.out(JSON.stringify({ data: rows, next_cursor: next }, null, 2));
  else if (csv)
    io.out(
      toCsv(
        list.csv.map(([header]) => header),
        rows.map((row) => list.csv.map(([, value]) => value(row))),
      ),
    );
  else {
    io.out(rows.length === 0 ? `No ${list.noun} match.` : table(rows, list.columns));
    if (next) io.out(`\nMore: checkout-admin ${again.join(" ")} --cursor ${next}   (or --all)`);
  }
  // CSV goes to files and pipes: where the next page starts goes to stderr (JSON carries next_cursor).
  if (csv && next && !all) io.err(`More: add --cursor ${next} (or --all).`);
  return EXIT.ok;
}
