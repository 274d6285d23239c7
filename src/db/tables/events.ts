/** The outbox of domain events and the log of their webhook deliveries. */
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const outbox = sqliteTable(
  "outbox",
  {
    id: text("id").primaryKey(),
    type: text("type").notNull(),
    payload: text("payload", { mode: "json" }).notNull(),
    status: text("status", { enum: ["pending", "enqueued", "delivered", "undeliverable", "dead"] }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
    createdAt: text("created_at").notNull(),
    enqueuedAt: text("enqueued_at"),
    deliveredAt: text("delivered_at"),
  },
  (t) => [index("outbox_status_created_idx").on(t.status, t.createdAt)],
);

export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    eventId: text("event_id").notNull(),
    attempt: integer("attempt").notNull(),
    status: integer("status"),
    ok: integer("ok", { mode: "boolean" }).notNull(),
    error: text("error"),
    durationMs: integer("duration_ms"),
    at: text("at").notNull(),
  },
  (t) => [index("webhook_deliveries_event_idx").on(t.eventId, t.attempt)],
);
