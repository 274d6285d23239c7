/**
 * Admin webhook events: a merchant sees every event (newest first, filtered, paged),
 * one event with the body its receiver gets and every delivery attempt, and sends an
 * event again (one, or every dead / undeliverable one). A redelivered event reaches the
 * EVENTS queue at once, keeps its webhook-id, and its attempt numbers continue; one
 * still on its way is refused; a queue failure loses nothing.
 */
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { decodeCursor } from "../../src/admin/page-cursor";
import { MAX_EVENT_PAGE_SIZE } from "../../src/admin/webhook-events";
import { ADMIN } from "../support/api";
import { coercesToIntegerIn, expectErrorEnvelope, expectRefusal, malformedJson, nonObjectJson, wrongContentType } from "../support/bad-input";
import {
  deadEvent,
  deliverBatch,
  deliveryAttempts,
  outboxRow,
  recordingQueue,
  relayEverything,
  startedCheckoutEvent,
  webhookReceiver,
} from "../support/events";
import { d1Fingerprint } from "../support/state-fingerprint";
import { workerFetch } from "../support/worker-fetch";

afterEach(() => vi.restoreAllMocks());

function quietLogs() {
  vi.spyOn(console, "warn").mockImplementation(() => {});
  vi.spyOn(console, "error").mockImplementation(() => {});
}

/** The admin API with a queue the test watches (the real EVENTS queue would deliver on its own). */
function admin(method: string, path: string, options: { body?: unknown; queue?: ReturnType<typeof recordingQueue>; headers?: Record<string, string> } = {}) {
  const queue = options.queue ?? recordingQueue();
  return workerFetch(method, path, { headers: options.headers ?? ADMIN, body: options.body, env: { ...env, EVENTS: queue.queue } });
}

interface Seed {
  id: string;
  type?: string;
  status: string;
  createdAt: string;
  attempts?: number;
}

async function seedEvents(rows: Seed[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 50) {
    await env.DB.batch(
      rows
        .slice(i, i + 50)
        .map((r) =>
          env.DB.prepare("INSERT INTO outbox (id, type, payload, status, attempts, last_error, created_at) VALUES (?1, ?2, '{}', ?3, ?4, ?5, ?6)").bind(
            r.id,
            r.type ?? "checkout.started",
            r.status,
            r.attempts ?? 0,
            r.status === "dead" ? "HTTP 500: seeded" : null,
            r.createdAt,
          ),
        ),
    );
  }
}

async function countWithStatus(status: string): Promise<number> {
  return (await env.DB.prepare("SELECT COUNT(*) AS n FROM outbox WHERE status = ?").bind(status).first<{ n: number }>())!.n;
}

describe("admin webhook events", () => {
  it("lists events newest first, filtered by status and type, in cursor pages without overlap", async () => {
    const run = Math.random().toString(36).slice(2, 8);
    // Far in the future, so these are the newest events of the whole database.
    const at = (s: string) => `2099-01-01T00:00:${s}Z`;
    const a = `evt_checkout_expired_chk_list${run}_a`;
    const b = `evt_checkout_expired_chk_list${run}_b`;
    const c = `evt_checkout_expired_chk_list${run}_c`;
    const d = `evt_checkout_expired_chk_list${run}_d`; // same created_at as c: the id breaks the tie
    const delivered = `evt_checkout_expired_chk_list${run}_x`;
    const order = `evt_order_created_ord_list${run}_y`;
    await seedEvents([
      { id: a, type: "checkout.expired", status: "dead", createdAt: at("01.000") },
      { id: order, type: "order.created", status: "dead", createdAt: at("01.500") },
      { id: b, type: "checkout.expired", status: "dead", createdAt: at("02.000") },
      { id: delivered, type: "checkout.expired", status: "delivered", createdAt: at("02.500") },
      { id: c, type: "checkout.expired", status: "dead", createdAt: at("03.000") },
      { id: d, type: "checkout.expired", status: "dead", createdAt: at("03.000") },
    ]);

    const all = await admin("GET", "/admin/api/events?limit=6");
    expect(all.status).toBe(200);
    expect(all.body.data.map((e: { id: string }) => e.id)).toEqual([d, c, delivered, b, order, a]);
    expect(all.body.data[0]).toEqual({
      id: d,
      type: "checkout.expired",
      status: "dead",
      attempts: 0,
      last_error: "HTTP 500: seeded",
      created_at: at("03.000"),
      enqueued_at: null,
      delivered_at: null,
    });

    const first = await admin("GET", "/admin/api/events?status=dead&type=checkout.expired&limit=3");
    expect(first.status).toBe(200);
    expect(first.body.data.map((e: { id: string }) => e.id)).toEqual([d, c, b]);
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const second = await admin("GET", `/admin/api/events?status=dead&type=checkout.expired&limit=3&cursor=${first.body.next_cursor}`);
    expect(second.status).toBe(200);
    expect(second.body.data.map((e: { id: string }) => e.id)).toEqual([a]);
    expect(second.body.next_cursor).toBeNull();

    const byStatus = await admin("GET", "/admin/api/events?status=delivered&limit=200");
    expect(byStatus.body.data[0].id).toBe(delivered);
    expect(byStatus.body.data.every((e: { status: string }) => e.status === "delivered")).toBe(true);
    const byType = await admin("GET", "/admin/api/events?type=order.created&limit=200");
    expect(byType.body.data[0].id).toBe(order);
    expect(byType.body.data.every((e: { type: string }) => e.type === "order.created")).toBe(true);
  });

  it("refuses a bad cursor, status, type or limit with 400 validation_error", async () => {
    const cursorOfBadDate = btoa("yesterday|evt_x");
    for (const query of [
      "cursor=not-a-cursor",
      `cursor=${cursorOfBadDate}`,
      "status=lost",
      "status=DEAD",
      "type=checkout.bogus",
      "limit=0",
      "limit=201",
      "limit=abc",
    ]) {
      const res = await admin("GET", `/admin/api/events?${query}`);
      expectRefusal(res, query);
      expect(res.status, query).toBe(400);
      expect(res.body.error.code, query).toBe("validation_error");
    }
    const bad = await admin("GET", "/admin/api/events?cursor=not-a-cursor");
    expect(bad.body.error.details.issues).toEqual([{ path: "cursor", message: "Use next_cursor from a previous page" }]);
  });

  it("shows one event with the body its receiver got and every delivery attempt in order", async () => {
    quietLogs();
    const { eventId, checkoutId } = await startedCheckoutEvent();
    const receiver = webhookReceiver((call) => (call === 1 ? new Response("busy", { status: 503 }) : new Response(null, { status: 204 })));
    await deliverBatch([{ id: "msg-detail", body: eventId, attempts: 1 }]);
    await deliverBatch([{ id: "msg-detail", body: eventId, attempts: 2 }]);

    const res = await admin("GET", `/admin/api/events/${eventId}`);
    expect(res.status).toBe(200);
    expect(res.body.event).toMatchObject({ id: eventId, type: "checkout.started", status: "delivered", attempts: 2, last_error: null });
    expect(res.body.event.delivered_at).toEqual(expect.any(String));
    // The payload is exactly the body the receiver was sent.
    expect(res.body.event.payload).toEqual(JSON.parse(receiver.received[0]!.body));
    expect(res.body.event.payload).toMatchObject({ id: eventId, type: "checkout.started", data: { checkout: { id: checkoutId } } });
    expect(res.body.deliveries).toEqual([
      { attempt: 1, status: 503, ok: false, error: "HTTP 503: busy", duration_ms: expect.any(Number), at: expect.any(String) },
      { attempt: 2, status: 204, ok: true, error: null, duration_ms: expect.any(Number), at: expect.any(String) },
    ]);
    expect(res.body.deliveries[0].at <= res.body.deliveries[1].at).toBe(true);
  });

  it("answers 404 not_found for an unknown event", async () => {
    for (const [method, path] of [
      ["GET", "/admin/api/events/evt_checkout_started_chk_unknown"],
      ["POST", "/admin/api/events/evt_checkout_started_chk_unknown/redeliver"],
    ] as const) {
      const queue = recordingQueue();
      const res = await admin(method, path, { queue });
      expectRefusal(res, path);
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe("not_found");
      expect(queue.sent).toEqual([]);
    }
  });

  it("redelivers a dead event at once: enqueued, on the queue, then delivered with the attempt number continuing", async () => {
    quietLogs();
    const { eventId } = await deadEvent(1);
    const queue = recordingQueue();

    const res = await admin("POST", `/admin/api/events/${eventId}/redeliver`, { queue });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      event: expect.objectContaining({ id: eventId, status: "enqueued", attempts: 2, last_error: "HTTP 500: nope", enqueued_at: expect.any(String) }),
    });
    // On the queue now, not at the next cron: the message is the event id.
    expect(queue.sent).toEqual([eventId]);
    expect((await outboxRow(eventId))!.status).toBe("enqueued");

    const receiver = webhookReceiver(() => new Response("ok"));
    const delivery = await deliverBatch([{ id: "msg-redelivered", body: queue.sent[0], attempts: 1 }]);
    expect(delivery.explicitAcks).toEqual(["msg-redelivered"]);
    expect(receiver.received.map((r) => r.headers.get("webhook-id"))).toEqual([eventId]);
    expect(await outboxRow(eventId)).toMatchObject({ status: "delivered", attempts: 3, last_error: null });
    expect(await deliveryAttempts(eventId)).toEqual([
      { attempt: 1, status: 500, ok: 0, error: "HTTP 500: nope" },
      { attempt: 2, status: 500, ok: 0, error: "HTTP 500: nope" },
      { attempt: 3, status: 200, ok: 1, error: null },
    ]);
  });

  it("redelivers a delivered event: the receiver gets it again with the same webhook-id", async () => {
    const { eventId } = await startedCheckoutEvent();
    const receiver = webhookReceiver(() => new Response("ok"));
    await deliverBatch([{ id: "msg-first", body: eventId }]);
    expect((await outboxRow(eventId))!.status).toBe("delivered");

    const queue = recordingQueue();
    const res = await admin("POST", `/admin/api/events/${eventId}/redeliver`, { queue });
    expect(res.status).toBe(200);
    expect(res.body.event).toMatchObject({ id: eventId, status: "enqueued", attempts: 1 });
    expect(queue.sent).toEqual([eventId]);

    await deliverBatch([{ id: "msg-again", body: eventId }]);
    expect(receiver.received.map((r) => r.headers.get("webhook-id"))).toEqual([eventId, eventId]);
    expect(receiver.received[1]!.body).toBe(receiver.received[0]!.body);
    expect(await outboxRow(eventId)).toMatchObject({ status: "delivered", attempts: 2 });
    expect((await deliveryAttempts(eventId)).map((a) => [a.attempt, a.ok])).toEqual([
      [1, 1],
      [2, 1],
    ]);
  });

  it("a redelivered event reaches the receiver even when the consumer runs before the row is marked enqueued", async () => {
    const { eventId } = await startedCheckoutEvent();
    const receiver = webhookReceiver(() => new Response("ok"));
    await deliverBatch([{ id: "msg-once", body: eventId }]);
    expect((await outboxRow(eventId))!.status).toBe("delivered");

    // A queue whose consumer is done before sendBatch returns: the fastest possible race.
    const fast = {
      async sendBatch(messages: Iterable<MessageSendRequest>) {
        await deliverBatch([...messages].map((m, i) => ({ id: `msg-fast-${i}`, body: m.body })));
      },
    } as unknown as Queue;
    const res = await workerFetch("POST", `/admin/api/events/${eventId}/redeliver`, { headers: ADMIN, env: { ...env, EVENTS: fast } });
    expect(res.status).toBe(200);
    expect(receiver.received.map((r) => r.headers.get("webhook-id"))).toEqual([eventId, eventId]);
    // The consumer's `delivered` is not overwritten by the later `enqueued`.
    expect(res.body.event).toMatchObject({ status: "delivered", attempts: 2 });
    expect(await outboxRow(eventId)).toMatchObject({ status: "delivered", attempts: 2 });
  });

  it("redelivers an undeliverable event without WEBHOOK_URL; the consumer keeps it undeliverable as before", async () => {
    quietLogs();
    const { eventId } = await startedCheckoutEvent();
    expect(env.WEBHOOK_URL).toBeUndefined();
    await deliverBatch([{ id: "msg-nowhere", body: eventId }], env);
    expect((await outboxRow(eventId))!.status).toBe("undeliverable");

    const queue = recordingQueue();
    const res = await admin("POST", `/admin/api/events/${eventId}/redeliver`, { queue });
    expect(res.status).toBe(200);
    expect(res.body.event).toMatchObject({ id: eventId, status: "enqueued" });
    expect(queue.sent).toEqual([eventId]);

    await deliverBatch([{ id: "msg-still-nowhere", body: eventId }], env);
    expect(await outboxRow(eventId)).toMatchObject({ status: "undeliverable", last_error: "WEBHOOK_URL is not configured." });
  });

  it("refuses to redeliver a pending or enqueued event with 409 event_in_flight and changes nothing", async () => {
    const { eventId } = await startedCheckoutEvent();
    for (const status of ["pending", "enqueued"]) {
      if (status === "enqueued") expect(await relayEverything(env)).toContain(eventId);
      const before = await outboxRow(eventId);
      expect(before!.status).toBe(status);
      const queue = recordingQueue();
      const res = await admin("POST", `/admin/api/events/${eventId}/redeliver`, { queue });
      expectRefusal(res, status);
      expect(res.status).toBe(409);
      expect(res.body.error).toMatchObject({
        code: "event_in_flight",
        message: expect.stringMatching(/already on its way/),
        details: { event_id: eventId, status },
      });
      expect(queue.sent).toEqual([]);
      expect(await outboxRow(eventId)).toEqual(before);
    }
  });

  it("answers 503 when the queue refuses a redelivery, and leaves the event pending for the relay", async () => {
    quietLogs();
    const { eventId } = await deadEvent(1);
    const res = await admin("POST", `/admin/api/events/${eventId}/redeliver`, { queue: recordingQueue({ fail: true }) });
    expect(res.status).toBe(503);
    expectErrorEnvelope(res, "queue down");
    expect(res.body.error.code).toBe("unavailable");
    // Never marked enqueued without the queue's acceptance; the relay picks it up.
    expect(await outboxRow(eventId)).toMatchObject({ status: "pending", enqueued_at: null, attempts: 2 });
    expect(await relayEverything(env)).toContain(eventId);
    expect((await outboxRow(eventId))!.status).toBe("enqueued");
  });

  it("bulk-redelivers the oldest dead events in chunks, reporting redelivered and more", async () => {
    const run = Math.random().toString(36).slice(2, 8);
    // Older than anything else, so they are the oldest dead events and go first.
    const ids = Array.from({ length: 120 }, (_, i) => `evt_checkout_started_chk_bulk${run}_${String(i).padStart(3, "0")}`);
    await seedEvents(ids.map((id, i) => ({ id, status: "dead", attempts: 9, createdAt: new Date(Date.UTC(2000, 0, 1) + i * 1000).toISOString() })));
    const undeliverableBefore = await countWithStatus("undeliverable");

    const first = recordingQueue();
    const res = await admin("POST", "/admin/api/events/redeliver", { queue: first, body: { status: "dead", limit: 100 } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ redelivered: 100, more: true });
    // Oldest first, each once; more than one sendBatch and status update did it (chunks of 50).
    expect(first.sent).toEqual(ids.slice(0, 100));
    const statuses = await env.DB.prepare(
      `SELECT status, COUNT(*) AS n FROM outbox WHERE id LIKE 'evt_checkout_started_chk_bulk${run}_%' GROUP BY status ORDER BY status`,
    ).all();
    expect(statuses.results).toEqual([
      { status: "dead", n: 20 },
      { status: "enqueued", n: 100 },
    ]);
    expect((await outboxRow(ids[0]!))!.attempts).toBe(9);

    const left = await countWithStatus("dead");
    const rest = recordingQueue();
    const again = await admin("POST", "/admin/api/events/redeliver", { queue: rest, body: { status: "dead", limit: 500 } });
    expect(again.body).toEqual({ redelivered: left, more: false });
    expect(rest.sent.slice(0, 20)).toEqual(ids.slice(100));
    expect(await countWithStatus("dead")).toBe(0);
    expect(await countWithStatus("undeliverable"), "another status is left alone").toBe(undeliverableBefore);

    const none = await admin("POST", "/admin/api/events/redeliver", { body: { status: "dead" } });
    expect(none.body).toEqual({ redelivered: 0, more: false });
  });

  it("refuses a bad bulk body (unknown fields, other statuses, limits outside 1..500) and changes nothing", async () => {
    await seedEvents([{ id: `evt_checkout_started_chk_strict${Math.random().toString(36).slice(2, 8)}`, status: "dead", createdAt: new Date().toISOString() }]);
    const before = await d1Fingerprint();
    const queue = recordingQueue();
    for (const body of [
      { status: "dead", extra: true },
      { status: "delivered" },
      { status: "pending" },
      { status: "dead", limit: 0 },
      { status: "dead", limit: 501 },
      { status: "dead", limit: 1.5 },
      { status: "dead", limit: "10" },
      {},
    ]) {
      const res = await admin("POST", "/admin/api/events/redeliver", { queue, body });
      expectRefusal(res, JSON.stringify(body));
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe("validation_error");
    }
    expect(queue.sent).toEqual([]);
    expect(await d1Fingerprint()).toEqual(before);
  });

  it("answers 401 without the admin token on every events route", async () => {
    const { eventId } = await startedCheckoutEvent();
    for (const headers of [{}, { authorization: "Bearer wrong-token" }] as Array<Record<string, string>>) {
      for (const [method, path, body] of [
        ["GET", "/admin/api/events", undefined],
        ["GET", `/admin/api/events/${eventId}`, undefined],
        ["POST", `/admin/api/events/${eventId}/redeliver`, undefined],
        ["POST", "/admin/api/events/redeliver", { status: "dead" }],
      ] as const) {
        const queue = recordingQueue();
        const res = await admin(method, path, { headers, queue, body });
        expectRefusal(res, `${method} ${path}`);
        expect(res.status).toBe(401);
        expect(res.body.error.code).toBe("unauthorized");
        expect(queue.sent).toEqual([]);
      }
    }
  });

  it("are described in /openapi.json under the admin token", async () => {
    const doc = (await workerFetch("GET", "/openapi.json")).body;
    for (const [path, method] of [
      ["/admin/api/events", "get"],
      ["/admin/api/events/{id}", "get"],
      ["/admin/api/events/{id}/redeliver", "post"],
      ["/admin/api/events/redeliver", "post"],
    ] as const) {
      const operation = doc.paths[path]?.[method];
      expect(operation, `${method} ${path}`).toBeDefined();
      expect(operation.tags).toEqual(["admin"]);
      expect(operation.security).toEqual([{ adminToken: [] }, { cloudflareAccess: [] }]);
      expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(["200", "400", "401", "503"]));
    }
    expect(Object.keys(doc.paths["/admin/api/events/{id}/redeliver"].post.responses)).toEqual(expect.arrayContaining(["404", "409"]));
  });

  it("fuzz: malformed queries, ids and bodies get a 4xx envelope, never a 500, and change nothing", async () => {
    const before = await d1Fingerprint();
    const queue = recordingQueue();
    const valid = (value: string, allowed: readonly string[]) => allowed.includes(value);
    const statuses = ["pending", "enqueued", "delivered", "undeliverable", "dead"];
    const types = ["checkout.started", "checkout.completed", "checkout.failed", "checkout.expired", "checkout.cancelled", "order.created"];
    const safeSegment = (s: string) => s.trim() !== "" && s !== "." && s !== ".." && !s.startsWith("evt_");
    const enc = (s: string) => encodeURIComponent(s.replace(/[\uD800-\uDFFF]/g, "?"));
    const request = fc.oneof(
      fc
        .record({ key: fc.constantFrom("status", "type", "limit", "cursor"), value: fc.string({ maxLength: 600 }) })
        .filter(({ key, value }) => {
          if (key === "status") return !valid(value, statuses);
          if (key === "type") return !valid(value, types);
          if (key === "limit") return !coercesToIntegerIn(value, 1, MAX_EVENT_PAGE_SIZE);
          return value === "" || value.length > 512 || decodeCursor(value) === null;
        })
        .map(({ key, value }) => ({ method: "GET", path: `/admin/api/events?${key}=${enc(value)}` })),
      fc
        .oneof(fc.string({ maxLength: 40 }), fc.string({ minLength: 129, maxLength: 160 }), fc.string({ unit: "grapheme", maxLength: 10 }))
        .filter(safeSegment)
        .chain((id) =>
          fc.constantFrom({ method: "GET", path: `/admin/api/events/${enc(id)}` }, { method: "POST", path: `/admin/api/events/${enc(id)}/redeliver` }),
        ),
      fc
        .oneof(
          malformedJson.map((m) => ({ raw: m.raw, contentType: "application/json" })),
          nonObjectJson.map((m) => ({ raw: m.raw, contentType: "application/json" })),
          wrongContentType.map((ct) => ({ raw: JSON.stringify({ status: "dead" }), contentType: ct })),
          fc
            .record({ status: fc.jsonValue({ maxDepth: 1 }), limit: fc.jsonValue({ maxDepth: 1 }) })
            .filter(
              (b) =>
                !(
                  typeof b.status === "string" &&
                  valid(b.status, ["dead", "undeliverable"]) &&
                  Number.isInteger(b.limit) &&
                  (b.limit as number) >= 1 &&
                  (b.limit as number) <= 500
                ),
            )
            .map((b) => ({ raw: JSON.stringify(b), contentType: "application/json" })),
        )
        .map((b) => ({ method: "POST", path: "/admin/api/events/redeliver", raw: b.raw, contentType: b.contentType })),
    );
    await fc.assert(
      fc.asyncProperty(request, async (r: { method: string; path: string; raw?: string; contentType?: string }) => {
        const headers: Record<string, string> = { ...ADMIN, ...(r.contentType ? { "content-type": r.contentType } : {}) };
        const res = await workerFetch(r.method, r.path, { headers, raw: r.raw, env: { ...env, EVENTS: queue.queue } });
        expectRefusal(res, `${r.method} ${r.path.slice(0, 120)} ${r.raw?.slice(0, 80) ?? ""}`);
      }),
      { numRuns: 120, endOnFailure: true },
    );
    expect(queue.sent).toEqual([]);
    expect(await d1Fingerprint()).toEqual(before);
  }, 120_000);
});
