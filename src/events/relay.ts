/**
 * The outbox relay: moves events that have not reached the EVENTS queue yet onto it,
 * at least once. A row is marked `enqueued` only after `sendBatch` succeeded, so a
 * failure in between sends it again next time (never loses it); the consumer
 * deduplicates by the row's status and receivers by `webhook-id`.
 */
import { isoNow, type Database } from "../db/client";
import type { Env } from "../env";
import { markEnqueued, relayableEvents, type OutboxStatus } from "./outbox";
import type { EventMessage } from "./webhook-consumer";
import { webhookTarget } from "./webhook-target";

/** Longer than the consumer's whole retry schedule (about a day): an event still `enqueued` after this was lost. */
export const ENQUEUED_STALE_AFTER_MS = 48 * 60 * 60 * 1000;
/**
 * Events per sendBatch and per status update: Queues takes at most 100 messages per
 * sendBatch, and D1 binds at most 100 parameters per statement (ids + status + time).
 */
const MAX_SEND_BATCH = 50;

export interface RelayResult {
  relayed: number;
  /** True when there were as many candidates as the limit: run again for more. */
  more: boolean;
}

export async function relayOutbox(env: Pick<Env, "EVENTS" | "WEBHOOK_URL" | "WEBHOOK_SECRET">, db: Database, options: { now: number; limit: number }): Promise<RelayResult> {
  const rows = await relayableEvents(db, {
    limit: options.limit,
    // Undeliverable events wait for a webhook target; once there is one they go out.
    includeUndeliverable: webhookTarget(env).ok,
    staleEnqueuedBefore: isoNow(options.now - ENQUEUED_STALE_AFTER_MS),
  });
  let relayed = 0;
  for (let i = 0; i < rows.length; i += MAX_SEND_BATCH) {
    const chunk = rows.slice(i, i + MAX_SEND_BATCH);
    await env.EVENTS.sendBatch(chunk.map((row) => ({ body: row.id satisfies EventMessage, contentType: "json" as const })));
    const byStatus = new Map<OutboxStatus, string[]>();
    for (const row of chunk) byStatus.set(row.status, [...(byStatus.get(row.status) ?? []), row.id]);
    const now = isoNow(options.now);
    const updates = [...byStatus].map(([status, ids]) => markEnqueued(db, ids, status, now));
    await db.batch(updates as [(typeof updates)[number], ...typeof updates]);
    relayed += chunk.length;
  }
  return { relayed, more: rows.length >= options.limit };
}
