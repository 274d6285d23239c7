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

  it("relays a full batch in chunks the queue and D1 accept", async () => {
    const createdAt = new Date(Date.now() - 60_000).toISOString();
    const ids = Array.from({ length: 120 }, (_, i) => `evt_checkout_started_chk_bulk_${String(i).padStart(3, "0")}`);
    await env.DB.batch(
      ids.map((id) =>
        env.DB.prepare("INSERT INTO outbox (id, type, payload, status, created_at) VALUES (?1, 'checkout.started', '{}', 'pending', ?2)").bind(id, createdAt),
      ),
    );
    const queue = recordingQueue();
    const first = await relayOutbox({ ...env, EVENTS: queue.queue }, createDb(env.DB), { now: Date.now(), limit: 100 });
    expect(first).toEqual({ relayed: 100, more: true });
    const second = await relayOutbox({ ...env, EVENTS: queue.queue }, createDb(env.DB), { now: Date.now(), limit: 100 });
    expect(second).toEqual({ relayed: 20, more: false });
    expect([...queue.sent].sort()).toEqual(ids);
    const statuses = await env.DB.prepare("SELECT status, COUNT(*) AS n FROM outbox WHERE id LIKE 'evt_checkout_started_chk_bulk_%' GROUP BY status").all();
    expect(statuses.results).toEqual([{ status: "enqueued", n: 120 }]);
    // Its 120 rows would otherwise fill a later relay's batch of 100 in this file.
    await env.DB.prepare("DELETE FROM outbox WHERE id LIKE 'evt_checkout_started_chk_bulk_%'").run();
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
