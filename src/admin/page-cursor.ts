/**
 * Cursor pagination of the admin lists, newest first by (created_at, id): the cursor is
 * opaque to clients, the (created_at, id) of the last row of a page.
 */
import type { Page } from "../contract/page";
import { and, eq, lt, or, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import { AppError } from "../lib/errors";

export function encodeCursor(row: { createdAt: string; id: string }): string {
  return btoa(`${row.createdAt}|${row.id}`).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function decodeCursor(cursor: string): { createdAt: string; id: string } | null {
  try {
    const text = atob(cursor.replace(/-/g, "+").replace(/_/g, "/"));
    const [createdAt, id, ...rest] = text.split("|");
    if (rest.length || !createdAt || !id || Number.isNaN(Date.parse(createdAt))) return null;
    return { createdAt, id };
  } catch {
    return null;
  }
}

/** The rows after `cursor` in (created_at desc, id desc) order; a cursor we did not make is a 400. */
export function afterCursor(cursor: string, columns: { createdAt: SQLiteColumn; id: SQLiteColumn }): SQL {
  const after = decodeCursor(cursor);
  if (!after)
    throw new AppError("validation_error", "The cursor is not valid.", { issues: [{ path: "cursor", message: "Use next_cursor from a previous page" }] });
  return or(lt(columns.createdAt, after.createdAt), and(eq(columns.createdAt, after.createdAt), lt(columns.id, after.id)))!;
}

/** A page from `limit + 1` rows read newest first: the extra row only says there is more. */
export function toPage<R extends { createdAt: string; id: string }, T>(rows: R[], limit: number, map: (row: R) => T): Page<T> {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { data: page.map(map), next_cursor: rows.length > limit && last ? encodeCursor(last) : null };
}
