/**
 * The outbox relay moves events to the EVENTS queue at least once: a row is marked
 * enqueued only after the queue accepted it, and an event the queue lost is sent again.
 */
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createDb } from "../../src/db/client";
import { ENQUEUED_STALE_AFTER_MS, relayOutbox } from "../../src/events/relay";
import { runCleanup } from "../../src/jobs/cleanup";
import { outboxRow, recordingQueue, startedCheckoutEvent } from "../support/events";

afterEach(() => vi.restoreAllMocks());

describe("outbox relay", () => {
  it("marks an event enqueued only after the queue accepted it", async () => {
    const { eventId } = await startedCheckoutEvent();
    expect((await outboxRow(eventId))!.status).toBe("pending");

    vi.spyOn(console, "error").mockImplementation(() => {});
    const down = recordingQueue({ fail: true });
    const failed = await runCleanup({ ...env, EVENTS: down.queue });
    expect(failed).toMatchObject({ relayed_events: 0, errors: 1 });
    expect(await outboxRow(eventId), "kept for the next run").toMatchObject({ status: "pending", enqueued_at: null });

    const up = recordingQueue();
    const relayed = await runCleanup({ ...env, EVENTS: up.queue });
    expect(relayed).toMatchObject({ relayed_events: 1, errors: 0 });
    // The message is the event id; the consumer loads the row.
    expect(up.sent).toEqual([eventId]);
    expect((await outboxRow(eventId))!.status).toBe("enqueued");

    const again = recordingQueue();
    expect((await runCleanup({ ...env, EVENTS: again.queue })).relayed_events).toBe(0);
    expect(again.sent).toEqual([]);
  });

  it("sends an event again when the queue has held it longer than any retry schedule", async () => {
    const { eventId } = await startedCheckoutEvent();
    const db = createDb(env.DB);
    const first = recordingQueue();
    await relayOutbox({ ...env, EVENTS: first.queue }, db, { now: Date.now(), limit: 100 });
    expect(first.sent).toContain(eventId);

    const soon = recordingQueue();
    await relayOutbox({ ...env, EVENTS: soon.queue }, db, { now: Date.now() + 60 * 60_000, limit: 100 });
    expect(soon.sent, "still within the retry schedule").not.toContain(eventId);

    const lost = recordingQueue();
    await relayOutbox({ ...env, EVENTS: lost.queue }, db, { now: Date.now() + ENQUEUED_STALE_AFTER_MS + 60_000, limit: 100 });
    expect(lost.sent).toContain(eventId);
    expect((await outboxRow(eventId))!.status).toBe("enqueued");
  });

  it("reaches the Worker's own queue consumer through the real EVENTS queue", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const { eventId } = await startedCheckoutEvent();
    const result = await runCleanup(env);
    expect(result.relayed_events).toBeGreaterThanOrEqual(1);
    // The test Worker has no WEBHOOK_URL, so its consumer keeps the event as undeliverable.
    await vi.waitFor(async () => expect((await outboxRow(eventId))!.status).toBe("undeliverable"), { timeout: 20_000, interval: 250 });
  });
});
