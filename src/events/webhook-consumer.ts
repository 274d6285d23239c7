/**
 * The EVENTS queue consumer: each message names an outbox event, which is POSTed to
 * WEBHOOK_URL as a signed Standard Webhook. A failure is retried through the queue with
 * exponential backoff; the queue's last attempt marks the event `dead` and the message
 * goes to the dead-letter queue. Every attempt is recorded in `webhook_deliveries`.
 * Delivery is at least once: receivers deduplicate by the `webhook-id` header.
 */
import { createDb, isoNow, type Database } from "../db/client";
import { getConfig } from "../lib/config";
import { createLogger, errorFields, type Logger } from "../lib/logger";
import { eventBody, markAttemptFailed, markDelivered, markUndeliverable, readEvent } from "./outbox";
import { recordDeliveryAttempt } from "./webhook-deliveries";
import { webhookHeaders } from "./webhook-signature";
import { webhookTarget, type WebhookTarget } from "./webhook-target";

/** Keep in step with `max_retries` of the consumer in wrangler.toml: the queue tries max_retries + 1 times. */
export const QUEUE_MAX_RETRIES = 8;
export const MAX_DELIVERY_ATTEMPTS = QUEUE_MAX_RETRIES + 1;
export const WEBHOOK_TIMEOUT_MS = 10_000;

// 30 s, 90 s, 4.5 min, 13.5 min, 40 min, 2 h, 6 h, then 12 h (the queue's longest delay):
// about a day of retries before the event is dead.
const RETRY_BASE_SECONDS = 30;
const RETRY_FACTOR = 3;
const RETRY_MAX_SECONDS = 12 * 60 * 60;
/** How much of a failing receiver's answer is kept for the admin. */
const ERROR_BODY_CHARS = 200;

/** The queue message body: the outbox event id. */
export type EventMessage = string;

export function retryDelaySeconds(attempts: number): number {
  return Math.min(RETRY_MAX_SECONDS, RETRY_BASE_SECONDS * RETRY_FACTOR ** Math.max(0, attempts - 1));
}

export async function deliverEvents(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const db = createDb(env.DB);
  const log = createLogger(getConfig(env).logging, { component: "webhooks" });
  const target = webhookTarget(env);
  const seen = new Set<string>();
  await Promise.all(
    batch.messages.map(async (message) => {
      const eventId = message.body;
      if (typeof eventId !== "string" || !eventId.startsWith("evt_")) {
        // Retrying a message that can never name an event would only fill the dead-letter queue.
        log.error("webhook.invalid_message", { message_id: message.id });
        message.ack();
        return;
      }
      if (seen.has(eventId)) {
        // The same event twice in one batch (the queue is at least once): one delivery does.
        message.ack();
        return;
      }
      seen.add(eventId);
      try {
        await deliverEvent(db, log, target, eventId, message);
      } catch (error) {
        // Recording failed (D1): try again later; the receiver deduplicates a repeat by webhook-id.
        log.error("webhook.delivery_error", { event_id: eventId, attempts: message.attempts, ...errorFields(error) });
        message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
      }
    }),
  );
}

async function deliverEvent(db: Database, log: Logger, target: WebhookTarget, eventId: string, message: Message<unknown>): Promise<void> {
  const row = await readEvent(db, eventId);
  if (!row) {
    log.warn("webhook.event_missing", { event_id: eventId });
    message.ack();
    return;
  }
  if (row.status === "delivered") {
    message.ack();
    return;
  }
  if (!target.ok) {
    await markUndeliverable(db, row.id, target.reason).run();
    log.warn("webhook.undeliverable", { event_id: row.id, type: row.type, reason: target.reason });
    message.ack();
    return;
  }

  const body = JSON.stringify(eventBody(row));
  const result = await post(target, row.id, body);
  const attempt = row.attempts + 1;
  const last = message.attempts >= MAX_DELIVERY_ATTEMPTS;
  const now = isoNow();
  await db.batch([
    recordDeliveryAttempt(db, { eventId: row.id, attempt, status: result.status, ok: result.ok, error: result.error, durationMs: result.durationMs, at: now }),
    result.ok ? markDelivered(db, row.id, now) : markAttemptFailed(db, row.id, result.error ?? "failed", last),
  ]);
  const fields = { event_id: row.id, type: row.type, attempt, queue_attempt: message.attempts, status: result.status, duration_ms: result.durationMs };
  if (result.ok) {
    log.info("webhook.delivered", fields);
    message.ack();
  } else if (last) {
    log.error("webhook.dead", { ...fields, error: result.error });
    // Retrying past the last attempt hands the message to the dead-letter queue.
    message.retry();
  } else {
    const delaySeconds = retryDelaySeconds(message.attempts);
    log.warn("webhook.retry_scheduled", { ...fields, error: result.error, delay_seconds: delaySeconds });
    message.retry({ delaySeconds });
  }
}

interface PostResult {
  ok: boolean;
  status: number | null;
  error: string | null;
  durationMs: number;
}

async function post(target: Extract<WebhookTarget, { ok: true }>, id: string, body: string): Promise<PostResult> {
  const started = Date.now();
  const headers = await webhookHeaders(target.key, id, Math.floor(started / 1000), body);
  try {
    const response = await fetch(target.url, {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": "edge-checkout-webhooks/1", ...headers },
      body,
      // A redirect is a failure, as in Standard Webhooks: the signed request is not re-sent elsewhere.
      redirect: "manual",
      signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
    });
    const text = await response.text().catch(() => "");
    const ok = response.status >= 200 && response.status < 300;
    const error = ok ? null : `HTTP ${response.status}${text ? `: ${text.slice(0, ERROR_BODY_CHARS)}` : ""}`;
    return { ok, status: response.status, error, durationMs: Date.now() - started };
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    const message = timedOut ? `No answer within ${WEBHOOK_TIMEOUT_MS / 1000} s.` : error instanceof Error ? error.message : String(error);
    return { ok: false, status: null, error: message, durationMs: Date.now() - started };
  }
}
