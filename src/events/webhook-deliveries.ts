/** Every webhook delivery attempt, for the admin: when, which status, how long, why it failed. */
import { inArray, lt } from "drizzle-orm";
import type { Database } from "../db/client";
import { webhookDeliveries } from "../db/schema";

export interface DeliveryAttempt {
  eventId: string;
  attempt: number;
  /** The receiver's HTTP status; null when no answer came (timeout, connection error). */
  status: number | null;
  ok: boolean;
  error: string | null;
  durationMs: number;
  at: string;
}

export function recordDeliveryAttempt(db: Database, attempt: DeliveryAttempt) {
  return db.insert(webhookDeliveries).values(attempt);
}

/** Attempts past retention, at most `limit` per call. */
export function pruneDeliveryAttempts(db: Database, before: string, limit: number) {
  const oldest = db.select({ id: webhookDeliveries.id }).from(webhookDeliveries).where(lt(webhookDeliveries.at, before)).limit(limit);
  return db.delete(webhookDeliveries).where(inArray(webhookDeliveries.id, oldest)).returning({ id: webhookDeliveries.id });
}
