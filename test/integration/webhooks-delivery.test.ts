/**
 * The queue consumer delivers each event to WEBHOOK_URL as a Standard Webhook. The
 * signature is checked here with node:crypto, independently of the Worker's own
 * signing module, exactly as a merchant's receiver would check it.
 */
import { createHmac } from "node:crypto";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { cartWith, completeCheckout, createProduct } from "../support/api";
import { deliverBatch, deliveryAttempts, outboxRow, startedCheckoutEvent, webhookReceiver, WEBHOOK_URL, type ReceivedWebhook } from "../support/events";

afterEach(() => vi.restoreAllMocks());

/** What a receiver does (Standard Webhooks): HMAC-SHA256 of `id.timestamp.body` with the base64 key of `whsec_…`. */
function verify(hit: ReceivedWebhook, secret: string): boolean {
  const id = hit.headers.get("webhook-id");
  const timestamp = hit.headers.get("webhook-timestamp");
  const signatures = (hit.headers.get("webhook-signature") ?? "").split(" ");
  const key = Uint8Array.from(atob(secret.replace(/^whsec_/, "")), (c) => c.charCodeAt(0));
  const expected = `v1,${createHmac("sha256", key).update(`${id}.${timestamp}.${hit.body}`).digest("base64")}`;
  return signatures.includes(expected);
}

describe("webhook delivery", () => {
  it("delivers a correctly signed Standard Webhook and records the attempt", async () => {
    const { checkoutId, eventId } = await startedCheckoutEvent();
    const receiver = webhookReceiver(() => new Response("thanks", { status: 200 }));

    const result = await deliverBatch([{ id: "msg-signed", body: eventId }]);
    expect(result.explicitAcks).toEqual(["msg-signed"]);
    expect(result.retryMessages).toEqual([]);

    expect(receiver.received).toHaveLength(1);
    const hit = receiver.received[0]!;
    expect(hit.url).toBe(WEBHOOK_URL);
    expect(hit.headers.get("content-type")).toBe("application/json");
    expect(hit.headers.get("webhook-id")).toBe(eventId);
    const timestamp = Number(hit.headers.get("webhook-timestamp"));
    expect(Number.isInteger(timestamp)).toBe(true);
    expect(Math.abs(timestamp - Date.now() / 1000), "timestamp in seconds, now").toBeLessThan(60);
    expect(verify(hit, env.WEBHOOK_SECRET!)).toBe(true);
    expect(verify(hit, `whsec_${btoa("a-different-webhook-secret")}`), "another secret does not verify").toBe(false);
    expect(verify({ ...hit, body: hit.body.replace('"locked"', '"expired"') }, env.WEBHOOK_SECRET!), "a changed body does not verify").toBe(false);
    expect(hit.signal, "the request carries a timeout").toBeInstanceOf(AbortSignal);

    const payload = JSON.parse(hit.body);
    expect(Object.keys(payload).sort()).toEqual(["created_at", "data", "id", "type"]);
    expect(payload).toMatchObject({ id: eventId, type: "checkout.started", data: { checkout: { id: checkoutId, state: "locked", quote: { total: 2500 } } } });
    expect(new Date(payload.created_at).toISOString()).toBe(payload.created_at);

    expect(await outboxRow(eventId)).toMatchObject({ status: "delivered", attempts: 1, last_error: null });
    expect((await outboxRow(eventId))!.delivered_at).toBeTruthy();
    expect(await deliveryAttempts(eventId)).toEqual([{ attempt: 1, status: 200, ok: 1, error: null }]);
  });

  it("acks an event delivered before without delivering it again", async () => {
    const { eventId } = await startedCheckoutEvent();
    const receiver = webhookReceiver();
    expect((await deliverBatch([{ id: "msg-first", body: eventId }])).explicitAcks).toEqual(["msg-first"]);
    // The queue is at least once: the same event may arrive again.
    const again = await deliverBatch([{ id: "msg-again", body: eventId }]);
    expect(again.explicitAcks).toEqual(["msg-again"]);
    expect(receiver.received).toHaveLength(1);
    expect(await deliveryAttempts(eventId)).toHaveLength(1);
  });

  it("delivers every event of a completed checkout once, even when a batch repeats one", async () => {
    const [variant] = await createProduct([{ prices: { USD: 1200 }, stock: 3 }]);
    const cart = await cartWith([[variant!, 2]]);
    const completed = await completeCheckout(cart);
    expect(completed.status).toBe(201);
    const checkoutId = completed.body.checkout.id as string;
    const orderId = completed.body.order.id as string;
    const ids = [`evt_checkout_started_${checkoutId}`, `evt_checkout_completed_${checkoutId}`, `evt_order_created_${orderId}`];
    const receiver = webhookReceiver();

    const result = await deliverBatch([
      { id: "m1", body: ids[0] },
      { id: "m2", body: ids[1] },
      { id: "m3", body: ids[2] },
      { id: "m4", body: ids[1] },
    ]);
    expect(result.explicitAcks.sort()).toEqual(["m1", "m2", "m3", "m4"]);
    const delivered = receiver.received.map((r) => r.headers.get("webhook-id"));
    expect(delivered.sort()).toEqual([...ids].sort());
    for (const hit of receiver.received) expect(verify(hit, env.WEBHOOK_SECRET!)).toBe(true);

    const order = receiver.received.map((r) => JSON.parse(r.body)).find((p) => p.type === "order.created");
    expect(order.data.order).toMatchObject({ id: orderId, checkout_id: checkoutId, total: completed.body.order.total, status: "paid" });
  });

  it("acks a message that names no event instead of retrying it forever", async () => {
    const receiver = webhookReceiver();
    vi.spyOn(console, "error").mockImplementation(() => {});
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const result = await deliverBatch([
      { id: "m-garbage", body: { not: "an event id" } },
      { id: "m-unknown", body: "evt_checkout_started_chk_does_not_exist" },
    ]);
    expect(result.explicitAcks.sort()).toEqual(["m-garbage", "m-unknown"]);
    expect(receiver.received).toHaveLength(0);
  });
});
