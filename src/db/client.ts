import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema";

export type Database = ReturnType<typeof createDb>;

export function createDb(d1: D1Database) {
  return drizzle(d1, { schema });
}

/** The current time as stored in D1 (ISO 8601 UTC, sorts as text). */
export const isoNow = (now: number = Date.now()) => new Date(now).toISOString();
