/**
 * Test doubles for the event pipeline: a queue that records what the relay sends (or
 * refuses it), and a webhook receiver that stands in for the merchant's server by
 * intercepting the Worker's outbound fetch (the Worker runs in the test's isolate).
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, vi } from "vitest";
import { createDb } from "../../src/db/client";
import { relayOutbox } from "../../src/events/relay";
import { MAX_DELIVERY_ATTEMPTS } from "../../src/events/webhook-consumer";
import worker from "../../src/index";
import { cartWith, createProduct, startCheckout } from "./api";

export const WEBHOOK_URL = "https://receiver.test/hook";
export const EVENTS_QUEUE = "edge-checkout-events";
/** The test env with a webhook target (WEBHOOK_SECRET comes from vitest.config.ts). */
export const webhookEnv = () => ({ ...env, WEBHOOK_URL });

/** A stand-in for the EVENTS producer: records message bodies, or fails when told to. */
export function recordingQueue(options: { fail?: boolean } = {}) {
  const sent: unknown[] = [];
  const queue = {
    async send(body: unknown) {
      if (options.fail) throw new Error("Queue unavailable (test)");
      sent.push(body);
    },
    async sendBatch(messages: Iterable<MessageSendRequest>) {
      if (options.fail) throw new Error("Queue unavailable (test)");
      for (const m of messages) sent.push(m.body);
    },
  };
  return { sent, queue: queue as unknown as Queue };
}

/**
 * Relays batch after batch until nothing is left to relay, as the cron does run after run:
 * other files sharing this D1 may have left more relayable events than one batch holds,
 * and a test's own event must not depend on where it falls among them. Answers what was sent.
 */
export async function relayEverything(relayEnv: Parameters<typeof relayOutbox>[0]): Promise<unknown[]> {
  const queue = recordingQueue();
  const db = createDb(env.DB);
  for (let pass = 0; pass < 1000; pass++) {
    if (!(await relayOutbox({ ...relayEnv, EVENTS: queue.queue }, db, { now: Date.now(), limit: 100 })).more) return queue.sent;
  }
  throw new Error("the relay never ran out of events");
}

export interface ReceivedWebhook {
  url: string;
  headers: Headers;
  body: string;
  signal: AbortSignal | null;
}

/**
 * Intercepts outbound fetch to WEBHOOK_URL. `answer` decides each response (by call
 * number, from 1); everything else passes through untouched. Restore with `mockRestore()`.
 */
export function webhookReceiver(answer: (call: number, request: ReceivedWebhook) => Response | Promise<Response> = () => new Response("ok")) {
  const received: ReceivedWebhook[] = [];
  const original = globalThis.fetch;
  const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const request = new Request(input, init);
    if (!request.url.startsWith(WEBHOOK_URL)) return original(input, init);
    const hit: ReceivedWebhook = { url: request.url, headers: request.headers, body: await request.text(), signal: init?.signal ?? null };
    received.push(hit);
    return answer(received.length, hit);
  });
  return { received, spy };
}

export async function outboxRow(id: string) {
  return env.DB.prepare("SELECT * FROM outbox WHERE id = ?").bind(id).first<{
    id: string;
    type: string;
    status: string;
    attempts: number;
    last_error: string | null;
    payload: string;
    enqueued_at: string | null;
    delivered_at: string | null;
  }>();
}

export async function deliveryAttempts(eventId: string) {
  return (
    await env.DB.prepare("SELECT attempt, status, ok, error FROM webhook_deliveries WHERE event_id = ? ORDER BY id")
      .bind(eventId)
      .all<{ attempt: number; status: number | null; ok: number; error: string | null }>()
  ).results;
}

export interface QueueDelivery {
  id: string;
  body: unknown;
  attempts?: number;
}

/** One delivery of a batch to the Worker's queue() handler, as the queue would make it. */
export async function deliverBatch(messages: QueueDelivery[], testEnv: Cloudflare.Env = webhookEnv()): Promise<QueueOutcome> {
  const batch = createMessageBatch(
    EVENTS_QUEUE,
    messages.map((m) => ({ id: m.id, timestamp: new Date(), attempts: m.attempts ?? 1, body: m.body })),
  );
  // getQueueResult does not report retry delays; the spies do.
  const retries = batch.messages.map((m) => [m.id, vi.spyOn(m, "retry")] as const);
  const ctx = createExecutionContext();
  await worker.queue(batch, testEnv);
  const result = await getQueueResult(batch, ctx);
  const retryDelays: Record<string, number | undefined> = {};
  for (const [id, spy] of retries) if (spy.mock.calls.length > 0) retryDelays[id] = spy.mock.calls.at(-1)![0]?.delaySeconds;
  return { explicitAcks: result.explicitAcks, retryMessages: result.retryMessages, retryDelays };
}

export interface QueueOutcome {
  explicitAcks: string[];
  retryMessages: Array<{ msgId: string }>;
  /** The delaySeconds of each retried message (getQueueResult does not report them). */
  retryDelays: Record<string, number | undefined>;
}

/** A real checkout start, whose `checkout.started` event is then in the outbox. */
export async function startedCheckoutEvent(): Promise<{ checkoutId: string; eventId: string }> {
  const [variant] = await createProduct([{ prices: { USD: 2500 }, stock: 5 }]);
  const cart = await cartWith([[variant!, 1]]);
  const started = await startCheckout(cart);
  if (started.status !== 201) throw new Error(`startCheckout: ${started.status} ${JSON.stringify(started.body)}`);
  const checkoutId = started.body.checkout.id as string;
  return { checkoutId, eventId: `evt_checkout_started_${checkoutId}` };
}

/**
 * A real checkout.started event driven dead through the consumer: `earlier` failed
 * attempts, then the queue's last one (the receiver answers 500 every time).
 */
export async function deadEvent(earlier = 0): Promise<{ checkoutId: string; eventId: string }> {
  const started = await startedCheckoutEvent();
  const quiet = [vi.spyOn(console, "warn").mockImplementation(() => {}), vi.spyOn(console, "error").mockImplementation(() => {})];
  const receiver = webhookReceiver(() => new Response("nope", { status: 500 }));
  for (let attempt = 1; attempt <= earlier; attempt++)
    await deliverBatch([{ id: `msg-${started.eventId}-${attempt}`, body: started.eventId, attempts: attempt }]);
  await deliverBatch([{ id: `msg-${started.eventId}-last`, body: started.eventId, attempts: MAX_DELIVERY_ATTEMPTS }]);
  receiver.spy.mockRestore();
  for (const spy of quiet) spy.mockRestore();
  expect(await outboxRow(started.eventId)).toMatchObject({ status: "dead", attempts: earlier + 1, last_error: "HTTP 500: nope" });
  return started;
}
