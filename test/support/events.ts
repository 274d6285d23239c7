/**
 * Test doubles for the event pipeline: a queue that records what the relay sends (or
 * refuses it), and a webhook receiver that stands in for the merchant's server by
 * intercepting the Worker's outbound fetch (the Worker runs in the test's isolate).
 */
import { env } from "cloudflare:workers";
import { vi } from "vitest";

export const WEBHOOK_URL = "https://receiver.test/hook";

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
  return env.DB.prepare("SELECT * FROM outbox WHERE id = ?").bind(id).first<{ id: string; type: string; status: string; attempts: number; last_error: string | null; payload: string; enqueued_at: string | null; delivered_at: string | null }>();
}

export async function deliveryAttempts(eventId: string) {
  return (
    await env.DB.prepare("SELECT attempt, status, ok, error FROM webhook_deliveries WHERE event_id = ? ORDER BY id").bind(eventId).all<{ attempt: number; status: number | null; ok: number; error: string | null }>()
  ).results;
}
