/**
 * A failing receiver: the consumer asks the queue to retry with growing delays, records
 * every attempt, and after the queue's last attempt marks the event dead (the message
 * goes to the dead-letter queue). No event is lost and none is delivered twice.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { MAX_DELIVERY_ATTEMPTS, QUEUE_MAX_RETRIES, retryDelaySeconds } from "../../src/events/webhook-consumer";
import { deliverBatch, deliveryAttempts, outboxRow, startedCheckoutEvent, webhookReceiver, type QueueDelivery } from "../support/events";

afterEach(() => vi.restoreAllMocks());

function quietLogs() {
  vi.spyOn(console, "warn").mockImplementation(() => {});
  vi.spyOn(console, "error").mockImplementation(() => {});
}

describe("webhook retries", () => {
  it("retries a failing receiver with backoff through the queue, then delivers once", async () => {
    quietLogs();
    const { eventId } = await startedCheckoutEvent();
    const receiver = webhookReceiver((call) => {
      if (call === 1) return new Response("down for maintenance", { status: 503 });
      if (call === 2) throw new DOMException("The operation timed out.", "TimeoutError");
      return new Response(null, { status: 204 });
    });

    const first = await deliverBatch([{ id: "msg-retry", body: eventId, attempts: 1 }]);
    expect(first.explicitAcks).toEqual([]);
    expect(first.retryMessages).toEqual([{ msgId: "msg-retry" }]);
    expect(first.retryDelays).toEqual({ "msg-retry": 30 });
    expect(await outboxRow(eventId)).toMatchObject({ attempts: 1, last_error: "HTTP 503: down for maintenance" });

    const second = await deliverBatch([{ id: "msg-retry", body: eventId, attempts: 2 }]);
    expect(second.retryDelays).toEqual({ "msg-retry": 90 });
    expect(await outboxRow(eventId)).toMatchObject({ attempts: 2, last_error: "No answer within 10 s." });

    const third = await deliverBatch([{ id: "msg-retry", body: eventId, attempts: 3 }]);
    expect(third.explicitAcks).toEqual(["msg-retry"]);
    expect(third.retryMessages).toEqual([]);
    expect(await outboxRow(eventId)).toMatchObject({ status: "delivered", attempts: 3, last_error: null });

    expect(await deliveryAttempts(eventId)).toEqual([
      { attempt: 1, status: 503, ok: 0, error: "HTTP 503: down for maintenance" },
      { attempt: 2, status: null, ok: 0, error: "No answer within 10 s." },
      { attempt: 3, status: 204, ok: 1, error: null },
    ]);
    // Every attempt was the same event, with the same id and body (receivers deduplicate by id).
    expect(new Set(receiver.received.map((r) => r.headers.get("webhook-id")))).toEqual(new Set([eventId]));
    expect(new Set(receiver.received.map((r) => r.body)).size).toBe(1);
  });

  it("backs off exponentially up to the queue's longest delay", () => {
    const delays = Array.from({ length: QUEUE_MAX_RETRIES }, (_, i) => retryDelaySeconds(i + 1));
    expect(delays).toEqual([30, 90, 270, 810, 2430, 7290, 21870, 43200]);
  });

  it("marks the event dead after the queue's last attempt and hands the message to the dead-letter queue", async () => {
    quietLogs();
    const { eventId } = await startedCheckoutEvent();
    webhookReceiver(() => new Response("nope", { status: 500 }));

    const beforeLast = await deliverBatch([{ id: "msg-dying", body: eventId, attempts: MAX_DELIVERY_ATTEMPTS - 1 }]);
    expect(beforeLast.retryDelays).toEqual({ "msg-dying": 43200 });
    expect((await outboxRow(eventId))!.status).not.toBe("dead");

    const last = await deliverBatch([{ id: "msg-dying", body: eventId, attempts: MAX_DELIVERY_ATTEMPTS }]);
    // A retry past max_retries is what moves a message to the dead-letter queue.
    expect(last.retryMessages.map((m) => m.msgId)).toEqual(["msg-dying"]);
    expect(last.explicitAcks).toEqual([]);
    expect(await outboxRow(eventId)).toMatchObject({ status: "dead", last_error: "HTTP 500: nope" });
  });

  it("never loses or duplicates an event when a flaky receiver fails some of them", async () => {
    quietLogs();
    const events = await Promise.all([startedCheckoutEvent(), startedCheckoutEvent(), startedCheckoutEvent(), startedCheckoutEvent()]);
    const ids = events.map((e) => e.eventId);
    // Fails the first two attempts of the first two events, answers the others.
    const failures = new Map([
      [ids[0], 2],
      [ids[1], 1],
    ]);
    const accepted: string[] = [];
    webhookReceiver((_call, hit) => {
      const id = hit.headers.get("webhook-id")!;
      const left = failures.get(id) ?? 0;
      if (left > 0) {
        failures.set(id, left - 1);
        return new Response("flaky", { status: 502 });
      }
      accepted.push(id);
      return new Response("ok");
    });

    // Plays the queue: redeliver what was retried, with one more attempt, until nothing is left.
    let pending: QueueDelivery[] = ids.map((id, i) => ({ id: `msg-${i}`, body: id, attempts: 1 }));
    for (let round = 0; pending.length > 0 && round < MAX_DELIVERY_ATTEMPTS; round++) {
      const result = await deliverBatch(pending);
      const retried = new Set(result.retryMessages.map((m) => m.msgId));
      expect(result.explicitAcks.length + retried.size).toBe(pending.length);
      pending = pending.filter((m) => retried.has(m.id)).map((m) => ({ ...m, attempts: (m.attempts ?? 1) + 1 }));
    }
    expect(pending).toEqual([]);
    expect([...accepted].sort()).toEqual([...ids].sort());
    for (const id of ids) expect((await outboxRow(id))!.status).toBe("delivered");
    expect((await deliveryAttempts(ids[0]!)).map((a) => a.ok)).toEqual([0, 0, 1]);
  });
});
