/**
 * The event outbox: events are rows written in the same D1 batch as the state change
 * that caused them. Ids are derived from the subject and type, so a batch replayed
 * after a crash never creates a second event.
 */
import type { Database } from "../db/client";
import { outbox } from "../db/schema";

export const EVENT_TYPES = [
  "checkout.started",
  "checkout.completed",
  "checkout.failed",
  "checkout.expired",
  "checkout.cancelled",
  "order.created",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface OutboxEvent {
  id: string;
  type: EventType;
  created_at: string;
  data: Record<string, unknown>;
}

export function eventId(type: EventType, subjectId: string): string {
  return `evt_${type.replace(".", "_")}_${subjectId}`;
}

export function recordEvent(db: Database, type: EventType, subjectId: string, data: Record<string, unknown>, now: string) {
  return db
    .insert(outbox)
    .values({ id: eventId(type, subjectId), type, payload: data, status: "pending", createdAt: now })
    .onConflictDoNothing();
}
