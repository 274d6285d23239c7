import { drizzle } from "drizzle-orm/d1";

export type Database = ReturnType<typeof createDb>;

/**
 * The query builder over a D1 binding. No relational-query schema is passed: nothing
 * uses `db.query`, and building its config walks every table, about 0.8 ms of CPU per
 * call (each request and each new cart object made one: a drop pays it per shopper).
 */
export function createDb(d1: D1Database) {
  return drizzle(d1);
}

/** The current time as stored in D1 (ISO 8601 UTC, sorts as text). */
export const isoNow = (now: number = Date.now()) => new Date(now).toISOString();
