/**
 * Webhook events as admins see them: the outbox rows, newest first, each with its
 * delivery attempts, and redelivery. A redelivered event goes back to `pending` (only
 * from the status read; `attempts` keeps counting, so attempt numbers continue) and is
 * sent on at once by the relay's own code (`enqueueEvents`). Should the queue refuse
 * it, it stays `pending` and the relay's next run sends it: no event is ever lost, and
 * none is marked `enqueued` that the queue did not accept. Receivers deduplicate by
 * `webhook-id`, which stays the event id.
 */
import { and, asc, desc, eq, type SQL } from "drizzle-orm";
import type { EventDetail, EventSummary } from "../contract/webhook-event";
import type { Database } from "../db/client";
import { outbox, webhookDeliveries } from "../db/schema";
import { eventBody, markPending, readEvent, type EventType, type OutboxRow, type OutboxStatus } from "../events/outbox";
import { enqueueEvents, MAX_SEND_BATCH } from "../events/relay";
import { getConfig } from "../lib/config";
import { AppError, notFound } from "../lib/errors";
import { createLogger, errorFields } from "../lib/logger";
import { afterCursor, toPage } from "./page-cursor";

export const DEFAULT_EVENT_PAGE_SIZE = 50;
export const MAX_EVENT_PAGE_SIZE = 200;

/** Events an admin may send again; `pending` and `enqueued` ones are on their way already. */
export const REDELIVERABLE_STATUSES = ["dead", "undeliverable", "delivered"] as const satisfies readonly OutboxStatus[];
/** What the bulk redelivery takes: the events that did not reach the receiver. */
export const BULK_REDELIVER_STATUSES = ["dead", "undeliverable"] as const satisfies readonly OutboxStatus[];
export type BulkRedeliverStatus = (typeof BULK_REDELIVER_STATUSES)[number];
export const DEFAULT_BULK_REDELIVER_LIMIT = 100;
export const MAX_BULK_REDELIVER_LIMIT = 500;

export function eventSummary(row: OutboxRow): EventSummary {
  return {
    id: row.id,
    type: row.type as EventType,
    status: row.status,
    attempts: row.attempts,
    last_error: row.lastError,
    created_at: row.createdAt,
    enqueued_at: row.enqueuedAt,
    delivered_at: row.deliveredAt,
  };
}

// ------------------------------------------------------------------ the list

export interface EventListQuery {
  status?: OutboxStatus;
  type?: EventType;
  limit: number;
  cursor?: string;
}

/** Newest first; `cursor` continues after the last row of the previous page. */
export async function listEvents(db: Database, query: EventListQuery) {
  const where: SQL[] = [];
  if (query.status) where.push(eq(outbox.status, query.status));
  if (query.type) where.push(eq(outbox.type, query.type));
  if (query.cursor) where.push(afterCursor(query.cursor, { createdAt: outbox.createdAt, id: outbox.id }));
  const rows = await db
    .select()
    .from(outbox)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(outbox.createdAt), desc(outbox.id))
    .limit(query.limit + 1);
  return toPage(rows, query.limit, eventSummary);
}

// ---------------------------------------------------------------- one event

/** The event with the body its receiver gets, and every delivery attempt, oldest first. */
export async function readEventDetail(db: Database, id: string): Promise<EventDetail | null> {
  const [rows, attempts] = await db.batch([
    db.select().from(outbox).where(eq(outbox.id, id)).limit(1),
    db.select().from(webhookDeliveries).where(eq(webhookDeliveries.eventId, id)).orderBy(asc(webhookDeliveries.attempt), asc(webhookDeliveries.id)),
  ]);
  const row = rows[0];
  if (!row) return null;
  return {
    event: { ...eventSummary(row), payload: eventBody(row) },
    deliveries: attempts.map((a) => ({ attempt: a.attempt, status: a.status, ok: a.ok, error: a.error, duration_ms: a.durationMs, at: a.at })),
  };
}

// --------------------------------------------------------------- redelivery

/** Sends one event again now (see the top of this file); 409 while it is on its way already. */
export async function redeliverEvent(env: Env, db: Database, id: string, now: number): Promise<{ event: EventSummary }> {
  let row: OutboxRow | undefined;
  // A row that changes between the read and the update (a consumer, another admin) is read again.
  for (let tries = 0; tries < 3; tries++) {
    row = await readEvent(db, id);
    if (!row) throw notFound("Event", { event_id: id });
    if (!(REDELIVERABLE_STATUSES as readonly OutboxStatus[]).includes(row.status)) break;
    if ((await markPending(db, [id], row.status)).length === 0) continue;
    await send(env, db, [id], now);
    const sent = await readEvent(db, id);
    // Pruned in between (only a delivered event past retention is): nothing left to show.
    if (!sent) throw notFound("Event", { event_id: id });
    return { event: eventSummary(sent) };
  }
  throw new AppError("event_in_flight", `This event is already on its way (${row!.status}): there is nothing to redeliver.`, {
    event_id: id,
    status: row!.status,
  });
}

/**
 * Sends the oldest `limit` events of a status again now, in chunks the queue and D1
 * accept. `more`: further events of that status are left (call again).
 */
export async function redeliverEvents(
  env: Env,
  db: Database,
  query: { status: BulkRedeliverStatus; limit: number },
  now: number,
): Promise<{ redelivered: number; more: boolean }> {
  const rows = await db
    .select({ id: outbox.id })
    .from(outbox)
    .where(eq(outbox.status, query.status))
    .orderBy(asc(outbox.createdAt), asc(outbox.id))
    .limit(query.limit + 1);
  const chosen = rows.slice(0, query.limit).map((r) => r.id);
  const more = rows.length > query.limit;
  if (chosen.length === 0) return { redelivered: 0, more };
  const updates = chunks(chosen, MAX_SEND_BATCH).map((ids) => markPending(db, ids, query.status));
  const moved = new Set((await db.batch(updates as [(typeof updates)[number], ...typeof updates])).flat().map((r) => r.id));
  // Oldest first, and only those this call moved (a concurrent change wins).
  const ids = chosen.filter((id) => moved.has(id));
  return { redelivered: await send(env, db, ids, now), more };
}

/** Through the relay's code, from `pending`; a queue failure is a 503 and leaves the rest pending for the relay. */
async function send(env: Env, db: Database, ids: string[], now: number): Promise<number> {
  try {
    return await enqueueEvents(
      env.EVENTS,
      db,
      ids.map((id) => ({ id, status: "pending" as const })),
      now,
    );
  } catch (error) {
    createLogger(getConfig(env).logging, { component: "admin" }).error("admin.redeliver_failed", {
      events: ids.length,
      first_event_id: ids[0],
      ...errorFields(error),
    });
    throw new AppError(
      "unavailable",
      ids.length === 1
        ? "The events queue did not accept the event. It is pending now: the next cleanup run sends it."
        : "The events queue did not accept every event. Those not sent are pending now: the next cleanup run sends them.",
      { status: "pending" },
    );
  }
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
