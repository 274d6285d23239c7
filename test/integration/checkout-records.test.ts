/**
 * What the saga leaves for operators: the D1 checkout row mirrors the state machine
 * (state, phase, the timestamp of each terminal state, failure_reason JSON with phase,
 * code, message and attempts), the timeline has a row per transition, the outbox has
 * the events, and every phase transition writes one structured JSON log line with
 * checkout_id, cart_id, phase and duration_ms (docs/architecture.md, observability).
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { env } from "cloudflare:workers";
import { PHASES } from "../../src/checkout/state-machine";
import { createLogger } from "../../src/lib/logger";
import { cancelCheckout, cartWith, completeCheckout, createProduct, startCheckout, type TestCart } from "../support/api";
import { checkoutTrace, inCartObject } from "../support/saga";

async function timeline(checkoutId: string) {
  return (
    await env.DB.prepare("SELECT state, phase, event, detail FROM checkout_events WHERE checkout_id = ? ORDER BY id").bind(checkoutId).all<{
      state: string;
      phase: string;
      event: string;
      detail: string | null;
    }>()
  ).results.map((e) => ({ ...e, detail: e.detail ? JSON.parse(e.detail) : null }));
}

describe("checkout records in D1", () => {
  it("a completed checkout: its row, its timeline and its events", async () => {
    const [v] = await createProduct([{ prices: { USD: 1234 }, stock: 3 }]);
    const cart = await cartWith([[v!, 2]]);
    const started = await startCheckout(cart);
    const id = started.body.checkout.id;
    const locked = await checkoutTrace(id);
    expect(locked.row).toMatchObject({ id, cart_id: cart.id, state: "locked", phase: "price_lock", currency: "USD", total: 2468, attempts: 0 });
    expect(locked.row!.locked_at).not.toBeNull();
    expect(locked.row!.completed_at).toBeNull();

    const paid = await completeCheckout(cart, "tok_visa");
    const trace = await checkoutTrace(id);
    const row = trace.row!;
    expect(row).toMatchObject({ state: "completed", phase: "stock_commit", order_id: paid.body.order.id, attempts: 1, failure_reason: null });
    expect(row.created_at <= row.locked_at && row.locked_at <= row.completed_at).toBe(true);
    expect([row.failed_at, row.cancelled_at, row.expired_at]).toEqual([null, null, null]);
    expect(row.expires_at).toBe(started.body.checkout.expires_at);

    expect(await timeline(id)).toMatchObject([
      { event: "stock_reserved", state: "reserving", phase: "inventory_reservation", detail: { lines: [{ variant_id: v, quantity: 2 }] } },
      { event: "price_locked", state: "locked", phase: "price_lock", detail: { total: 2468 } },
      { event: "order_created", state: "creating_order", phase: "order_creation", detail: { order_id: paid.body.order.id, attempt: 1 } },
      { event: "completed", state: "completed", phase: "stock_commit", detail: { order_id: paid.body.order.id } },
    ]);
    expect(trace.events).toEqual(["checkout.started", "checkout.completed", "order.created"]);
  });

  it("a failed checkout: failure_reason with phase, code, message and attempts, and failed_at", async () => {
    const [v] = await createProduct();
    const cart = await cartWith([[v!, 1]]);
    const started = await startCheckout(cart);
    const id = started.body.checkout.id;
    await completeCheckout(cart, "tok_decline");
    await completeCheckout(cart, "tok_capture_decline");

    const { row, events } = await checkoutTrace(id);
    expect(row).toMatchObject({ state: "failed", phase: "payment_capture", attempts: 2 });
    expect(row!.failure_reason).toEqual({
      phase: "payment_capture",
      code: "payment_declined",
      message: expect.any(String),
      attempts: 2,
      cancel_reason: null,
    });
    expect(row!.failed_at).not.toBeNull();
    expect((await timeline(id)).map((e) => [e.event, e.state])).toEqual([
      ["stock_reserved", "reserving"],
      ["price_locked", "locked"],
      ["payment_declined", "locked"],
      ["order_created", "creating_order"],
      ["rolled_back", "failed"],
    ]);
    expect(events).toEqual(["checkout.started", "checkout.failed"]);
  });

  it("a cancelled checkout: cancelled_at and the reason", async () => {
    const [v] = await createProduct();
    const cart = await cartWith([[v!, 1]]);
    const id = (await startCheckout(cart)).body.checkout.id;
    await cancelCheckout(cart);
    const { row, events } = await checkoutTrace(id);
    expect(row).toMatchObject({ state: "cancelled", failure_reason: { cancel_reason: "customer" } });
    expect(row!.cancelled_at).not.toBeNull();
    expect((await timeline(id)).at(-1)).toMatchObject({ event: "rolled_back", state: "cancelled", detail: { target: "cancelled", cancel_reason: "customer" } });
    expect(events).toEqual(["checkout.started", "checkout.cancelled"]);
  });
});

describe("structured logs", () => {
  afterEach(() => vi.restoreAllMocks());

  /** The test bindings turn info logs off; this cart's object logs as in production. */
  async function withLogging(cart: TestCart) {
    await inCartObject(cart, (obj) => {
      (obj as { log: unknown }).log = createLogger(true, { component: "cart" });
    });
  }

  function lines(spy: { mock: { calls: unknown[][] } }) {
    return spy.mock.calls.map(([line]) => JSON.parse(String(line)) as Record<string, unknown>);
  }

  it("writes one JSON line per phase transition with checkout_id, cart_id, phase and duration_ms", async () => {
    const [v] = await createProduct();
    const cart = await cartWith([[v!, 1]]);
    await withLogging(cart);
    const info = vi.spyOn(console, "log").mockImplementation(() => {});
    const paid = await completeCheckout(cart, "tok_visa");
    expect(paid.status).toBe(201);

    const logged = lines(info).filter((l) => l.checkout_id === paid.body.checkout.id);
    expect(logged.map((l) => l.event)).toEqual([
      "checkout.started",
      "checkout.validated",
      "checkout.price_locked",
      "stock.reserved",
      "checkout.pay",
      "checkout.authorized",
      "checkout.order_created",
      "checkout.captured",
      "payment.captured",
      "checkout.committed",
      "checkout.completed",
    ]);
    for (const line of logged) {
      expect(line).toMatchObject({ level: "info", component: "cart", cart_id: cart.id });
      expect(PHASES).toContain(line.phase);
      expect(line.duration_ms).toBeGreaterThanOrEqual(0);
    }
  });

  it("logs a rollback as warnings and its steps as info", async () => {
    const [v] = await createProduct();
    const cart = await cartWith([[v!, 1]]);
    await startCheckout(cart);
    await withLogging(cart);
    const info = vi.spyOn(console, "log").mockImplementation(() => {});
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    expect((await completeCheckout(cart, "tok_capture_decline")).status).toBe(402);

    expect(lines(warn).map((l) => l.event)).toEqual(["checkout.rollback_started"]);
    expect(lines(warn)[0]).toMatchObject({ level: "warn", phase: "payment_capture", target: "failed", failure: { code: "payment_declined" } });
    const events = lines(info).map((l) => l.event);
    expect(events).toContain("rollback.payment_voided");
    expect(events.at(-1)).toBe("checkout.rolled_back");
  });
});
