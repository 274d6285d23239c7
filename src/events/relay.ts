/**
 * The outbox relay: moves events that have not reached the EVENTS queue yet onto it,
 * at least once. A row is marked `enqueued` only after `sendBatch` succeeded, so a
 * failure in between sends it again next time (never loses it); the consumer
 * deduplicates by the row's status and receivers by `webhook-id`. Its sending half
 * (`enqueueEvents`) also sends the events an admin redelivers.
 */
import { isoNow, type Database } from "../db/client";
import { markEnqueued, relayableEvents, type OutboxStatus } from "./outbox";
import type { EventMessage } from "./webhook-consumer";
import { webhookTarget } from "./webhook-target";

/** Longer than the consumer's whole retry schedule (about a day): an event still `enqueued` after this was lost. */
export const ENQUEUED_STALE_AFTER_MS = 48 * 60 * 60 * 1000;
/**
 * Events per sendBatch and per status update: Queues takes at most 100 messages per
 * sendBatch, and D1 binds at most 100 parameters per statement (ids + status + time).
 */
export const MAX_SEND_BATCH = 50;

export interface RelayResult {
  relayed: number;
  /** True when there were as many candidates as the limit: run again for more. */
  more: boolean;
}

export async function relayOutbox(
  env: Pick<Env, "EVENTS" | "WEBHOOK_URL" | "WEBHOOK_SECRET">,
  db: Database,
  options: { now: number; limit: number },
): Promise<RelayResult> {
  const rows = await relayableEvents(db, {
    limit: options.limit,
    // Undeliverable events wait for a webhook target; once there is one they go out.
    includeUndeliverable: webhookTarget(env).ok,
    staleEnqueuedBefore: isoNow(options.now - ENQUEUED_STALE_AFTER_MS),
  });
  const relayed = await enqueueEvents(env.EVENTS, db, rows, options.now);
  return { relayed, more: rows.length >= options.limit };
}

/**
 * Sends events to the EVENTS queue, then marks them `enqueued`, in chunks the queue
 * and D1 accept. Each row moves only from the status it was read in (`status`), so a
 * consumer that was faster is never overwritten. A chunk is marked only after its
 * `sendBatch` succeeded: when one throws, the error propagates and that chunk and the
 * rest keep their status (the caller chose one the relay picks up again). Used by the
 * relay and by an admin's redelivery. Answers how many were sent.
 */
export async function enqueueEvents(queue: Queue, db: Database, rows: ReadonlyArray<{ id: string; status: OutboxStatus }>, now: number): Promise<number> {
  let sent = 0;
  for (let i = 0; i < rows.length; i += MAX_SEND_BATCH) {
    const chunk = rows.slice(i, i + MAX_SEND_BATCH);
    await queue.sendBatch(chunk.map((row) => ({ body: row.id satisfies EventMessage, contentType: "json" as const })));
    const byStatus = new Map<OutboxStatus, string[]>();
    for (const row of chunk) byStatus.set(row.status, [...(byStatus.get(row.status) ?? []), row.id]);
    const updates = [...byStatus].map(([status, ids]) => markEnqueued(db, ids, status, isoNow(now)));
    await db.batch(updates as [(typeof updates)[number], ...typeof updates]);
    sent += chunk.length;
  }
  return sent;
}
