/**
 * Many values, one bound parameter. Production D1 refuses a statement with more than
 * 100 bound parameters, so a multi-row `VALUES` list (a column per row) or an `IN (...)`
 * list breaks as soon as a cart or a product grows: 11 price snapshots of 10 columns
 * already bind 110. Here the values travel as one JSON array that SQLite unpacks with
 * `json_each`, so a statement binds one parameter however many rows it carries, and a
 * batch keeps its single round trip.
 */
import { getTableColumns, sql, type SQL } from "drizzle-orm";
import type { SQLiteColumn, SQLiteTable } from "drizzle-orm/sqlite-core";
import type { Database } from "./client";

/**
 * `INSERT INTO table SELECT … FROM json_each(?)` for `rows`, as `db.insert(table).values(rows)`
 * would write them; chain `.onConflictDoNothing()` as usual. A column a row leaves out
 * gets its static default, or NULL (an autoincrement key numbers itself).
 */
export function insertJsonRows<T extends SQLiteTable>(db: Database, table: T, rows: T["$inferInsert"][]) {
  // Drizzle lists every insertable column of the table, in order, for an INSERT … SELECT.
  const columns = Object.entries(getTableColumns(table) as Record<string, SQLiteColumn>).filter(
    ([, column]) => column.generated === undefined || column.generated.type === "byDefault",
  );
  const given = new Set(rows.flatMap((row) => Object.keys(row)));
  const fields = columns.map(([key, column]) => {
    // Keys are the table's own field names (identifiers), never user input.
    if (given.has(key)) return sql.raw(`json_extract(value, '$.${key}')`);
    const fallback = column.default;
    return fallback === undefined || fallback === null || typeof fallback === "object" ? sql`NULL` : sql`${toJsonValue(column, fallback)}`;
  });
  const payload = JSON.stringify(
    rows.map((row) => Object.fromEntries(Object.entries(row).map(([key, value]) => [key, toJsonValue(columns.find(([k]) => k === key)?.[1], value)]))),
  );
  // `WHERE true` settles SQLite's INSERT … SELECT … ON CONFLICT parsing ambiguity.
  return db.insert(table).select(sql`SELECT ${sql.join(fields, sql`, `)} FROM json_each(${payload}) WHERE true`);
}

/** `column IN (the values)` with one bound parameter. An empty list matches nothing. */
export function inJsonArray(column: SQLiteColumn, values: readonly (string | number)[]): SQL {
  return sql`${column} IN (SELECT value FROM json_each(${JSON.stringify([...new Set(values)])}))`;
}

/** What `.values()` would store: JSON columns as their text, booleans as 0/1. */
function toJsonValue(column: SQLiteColumn | undefined, value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (column?.dataType === "json") return JSON.stringify(value);
  return value;
}
