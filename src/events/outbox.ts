/**
 * The event outbox: events are rows written in the same D1 batch as the state change
 * that caused them. Ids are derived from the subject and type, so a batch replayed
 * after a crash never creates a second event.
 *
 * A row's life: `pending` → (relay: sent to the EVENTS queue) `enqueued` → (consumer)
 * `delivered`, or `dead` after the queue's last attempt, or `undeliverable` while no
 * webhook target is configured (kept, and relayed again once one is). An admin can
 * send a `dead`, `undeliverable` or `delivered` event again: it goes back to `pending`
 * and straight on to the queue (admin/webhook-events.ts).
 */
import { and, asc, eq, inArray, lt, ne, or, sql, type SQL } from "drizzle-orm";
import type { Database } from "../db/client";
import type { EventStatus, EventType, WebhookEventBody } from "../contract/webhook-event";
import { outbox } from "../db/schema";

// The event types and statuses are the contract's (the admin API answers them).
export { EVENT_STATUSES, EVENT_TYPES, type EventType } from "../contract/webhook-event";

export function eventId(type: EventType, subjectId: string): string {
  return `evt_${type.replace(".", "_")}_${subjectId}`;
}

export function recordEvent(db: Database, type: EventType, subjectId: string, data: Record<string, unknown>, now: string) {
  return db
    .insert(outbox)
    .values({ id: eventId(type, subjectId), type, payload: data, status: "pending", createdAt: now })
    .onConflictDoNothing();
}

/** `recordEvent`, but only if `condition` holds when the batch runs (a settle decided in SQL). */
export function recordEventWhen(db: Database, type: EventType, subjectId: string, data: Record<string, unknown>, now: string, condition: SQL) {
  return db
    .insert(outbox)
    .select(sql`SELECT ${eventId(type, subjectId)}, ${type}, ${JSON.stringify(data)}, 'pending', 0, NULL, ${now}, NULL, NULL WHERE ${condition}`)
    .onConflictDoNothing();
}

export type OutboxRow = typeof outbox.$inferSelect;
export type OutboxStatus = OutboxRow["status"];
/** The table's status column holds exactly the contract's statuses. */
const statusesAgree: [OutboxStatus, EventStatus] extends [EventStatus, OutboxStatus] ? true : false = true;
void statusesAgree;

/** The JSON a webhook receiver gets: the same for every attempt of one event. */
export function eventBody(row: OutboxRow): WebhookEventBody {
  return { id: row.id, type: row.type as EventType, created_at: row.createdAt, data: row.payload as Record<string, unknown> };
}

export async function readEvent(db: Database, id: string): Promise<OutboxRow | undefined> {
  return (await db.select().from(outbox).where(eq(outbox.id, id)).limit(1))[0];
}

/**
 * Events the relay should (re)send, oldest first: pending ones, undeliverable ones once
 * a webhook target exists, and enqueued ones the queue has held for longer than any
 * retry schedule (lost in transit: at least once beats at most once).
 */
export function relayableEvents(db: Database, options: { limit: number; includeUndeliverable: boolean; staleEnqueuedBefore: string }) {
  const statuses: OutboxStatus[] = options.includeUndeliverable ? ["pending", "undeliverable"] : ["pending"];
  return db
    .select({ id: outbox.id, status: outbox.status })
    .from(outbox)
    .where(or(inArray(outbox.status, statuses), and(eq(outbox.status, "enqueued"), lt(outbox.enqueuedAt, options.staleEnqueuedBefore))))
    .orderBy(asc(outbox.createdAt))
    .limit(options.limit);
}

/**
 * After the queue accepted the events. Each row moves only from the status the relay
 * read, so a consumer that was faster (delivered, undeliverable) is never overwritten.
 */
export function markEnqueued(db: Database, ids: string[], from: OutboxStatus, now: string) {
  return db
    .update(outbox)
    .set({ status: "enqueued", enqueuedAt: now })
    .where(and(inArray(outbox.id, ids), eq(outbox.status, from)));
}

/**
 * An admin's redelivery: back to `pending` from the status read (only from it, so a
 * concurrent change wins), nothing else cleared: `attempts` keeps counting. The relay's
 * code sends them on; should that fail, the relay's next run does. Answers the ids moved.
 */
export function markPending(db: Database, ids: string[], from: OutboxStatus) {
  return db
    .update(outbox)
    .set({ status: "pending" })
    .where(and(inArray(outbox.id, ids), eq(outbox.status, from)))
    .returning({ id: outbox.id });
}

export function markDelivered(db: Database, id: string, now: string) {
  return db
    .update(outbox)
    .set({ status: "delivered", deliveredAt: now, attempts: sql`${outbox.attempts} + 1`, lastError: null })
    .where(eq(outbox.id, id));
}

/** A failed attempt; `dead` after the queue's last one (the message goes to the dead-letter queue). */
export function markAttemptFailed(db: Database, id: string, error: string, dead: boolean) {
  return db
    .update(outbox)
    .set({ ...(dead ? { status: "dead" as const } : {}), attempts: sql`${outbox.attempts} + 1`, lastError: error })
    .where(and(eq(outbox.id, id), ne(outbox.status, "delivered")));
}

/** No webhook target: the event is kept (the relay sends it again once one is configured). */
export function markUndeliverable(db: Database, id: string, reason: string) {
  return db
    .update(outbox)
    .set({ status: "undeliverable", lastError: reason })
    .where(and(eq(outbox.id, id), ne(outbox.status, "delivered")));
}

/** Delivered events past retention, at most `limit` per call (D1 has no DELETE … LIMIT). */
export function pruneDeliveredEvents(db: Database, before: string, limit: number) {
  const oldest = db
    .select({ id: outbox.id })
    .from(outbox)
    .where(and(eq(outbox.status, "delivered"), lt(outbox.deliveredAt, before)))
    .limit(limit);
  return db.delete(outbox).where(inArray(outbox.id, oldest)).returning({ id: outbox.id });
}
