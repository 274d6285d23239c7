/**
 * No webhook target: events are kept and marked undeliverable, the queue is not
 * clogged with retries, nothing is sent unsigned, and once a target is configured the
 * relay sends the kept events again.
 */
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { isoNow } from "../../src/db/client";
import { deliverBatch, outboxRow, relayEverything, startedCheckoutEvent, webhookReceiver, WEBHOOK_URL } from "../support/events";

afterEach(() => vi.restoreAllMocks());

describe("no webhook target", () => {
  it("marks the event undeliverable and acks it when WEBHOOK_URL is not set", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const { eventId } = await startedCheckoutEvent();
    const receiver = webhookReceiver();
    expect(env.WEBHOOK_URL).toBeUndefined();

    const result = await deliverBatch([{ id: "msg-nowhere", body: eventId }], env);
    expect(result.explicitAcks).toEqual(["msg-nowhere"]);
    expect(result.retryMessages).toEqual([]);
    expect(receiver.received).toHaveLength(0);
    expect(await outboxRow(eventId)).toMatchObject({ status: "undeliverable", last_error: "WEBHOOK_URL is not configured." });
  });

  it("never sends an unsigned event when WEBHOOK_SECRET is missing", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const { eventId } = await startedCheckoutEvent();
    const receiver = webhookReceiver();
    const result = await deliverBatch([{ id: "msg-unsigned", body: eventId }], { ...env, WEBHOOK_URL, WEBHOOK_SECRET: undefined });
    expect(result.explicitAcks).toEqual(["msg-unsigned"]);
    expect(receiver.received).toHaveLength(0);
    expect((await outboxRow(eventId))!.status).toBe("undeliverable");
    expect((await outboxRow(eventId))!.last_error).toMatch(/WEBHOOK_SECRET/);
  });

  it("relays kept events again once a target is configured, and delivers them", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const { eventId } = await startedCheckoutEvent();
    await deliverBatch([{ id: "msg-kept", body: eventId }], env);
    expect((await outboxRow(eventId))!.status).toBe("undeliverable");
    // Still no target: the relay leaves kept events where they are.
    expect(await relayEverything(env)).not.toContain(eventId);
    expect((await outboxRow(eventId))!.status).toBe("undeliverable");

    expect(await relayEverything({ ...env, WEBHOOK_URL })).toContain(eventId);
    expect(await outboxRow(eventId)).toMatchObject({ status: "enqueued" });
    expect((await outboxRow(eventId))!.enqueued_at! <= isoNow()).toBe(true);

    const receiver = webhookReceiver();
    expect((await deliverBatch([{ id: "msg-later", body: eventId }])).explicitAcks).toEqual(["msg-later"]);
    expect(receiver.received.map((r) => r.headers.get("webhook-id"))).toEqual([eventId]);
    expect((await outboxRow(eventId))!.status).toBe("delivered");
  });
});
