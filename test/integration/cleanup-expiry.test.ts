/**
 * The cron job is the safety net for an alarm that never fired: an overdue checkout is
 * expired by its own cart object when the job asks, its stock comes back, and a second
 * run finds nothing left to do.
 */
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../../src/index";
import { runCleanup } from "../../src/jobs/cleanup";
import { addLine, cartWith, createProduct, getCart, startCheckout, stockOf } from "../support/api";
import { recordingQueue } from "../support/events";
import { checkoutRow, expectInvariants } from "../support/invariants";
import { alarmOf, makeOverdue } from "../support/overdue";

afterEach(() => vi.restoreAllMocks());

async function snapshot() {
  const tables = [
    "inventory",
    "stock_reservations",
    "discount_reservations",
    "checkouts",
    "checkout_events",
    "payments",
    "orders",
    "quotes",
    "outbox",
    "test_gateway_charges",
  ];
  const out: Record<string, unknown[]> = {};
  for (const table of tables) out[table] = (await env.DB.prepare(`SELECT * FROM ${table} ORDER BY rowid`).all()).results;
  return out;
}

describe("cron cleanup: overdue checkouts", () => {
  it("expires a checkout whose alarm never ran, gives its stock back and unlocks the cart", async () => {
    const [variant] = await createProduct([{ prices: { USD: 1500 }, stock: 4 }]);
    const cart = await cartWith([[variant!, 3]]);
    const started = await startCheckout(cart);
    expect(started.status).toBe(201);
    expect(await stockOf(variant!)).toMatchObject({ on_hand: 4, reserved: 3, available: 1 });

    const checkoutId = await makeOverdue(cart.id, 2);
    expect(await alarmOf(cart.id), "the alarm that would have expired it is gone").toBeNull();
    expect((await checkoutRow(checkoutId))!.state).toBe("locked");

    // The real cron entry point, with logging on to see its one summary line, and a
    // recording queue standing in for EVENTS.
    const events = recordingQueue();
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: string) => void lines.push(line));
    vi.spyOn(console, "warn").mockImplementation((line: string) => void lines.push(line));
    const ctx = createExecutionContext();
    await worker.scheduled(
      createScheduledController({ cron: "*/5 * * * *", scheduledTime: new Date() }),
      { ...env, EVENTS: events.queue, CHECKOUT_LOGGING_ENABLED: "true" },
      ctx,
    );
    await waitOnExecutionContext(ctx);

    const summaries = lines.map((l) => JSON.parse(l)).filter((l) => l.event === "cleanup.completed");
    expect(summaries).toHaveLength(1);
    expect(summaries[0]).toMatchObject({ trigger: "cron", cron: "*/5 * * * *", expired: 1, released_reservations: 0, errors: 0, done: true });

    // The object expired it (not the job behind its back): D1, the object and the stock agree.
    expect((await checkoutRow(checkoutId))!.state).toBe("expired");
    expect(await stockOf(variant!)).toMatchObject({ on_hand: 4, reserved: 0, available: 4 });
    const after = await getCart(cart);
    expect(after.locked).toBe(false);
    expect(after.checkout).toMatchObject({ state: "expired", locked: false, can_checkout: true });
    expect((await addLine(cart, variant!, 1)).status, "the cart is editable again").toBe(200);

    // Merchants hear about it: the expiry event was relayed with the start event.
    expect(events.sent).toEqual(expect.arrayContaining([`evt_checkout_started_${checkoutId}`, `evt_checkout_expired_${checkoutId}`]));
    await expectInvariants();
  });

  it("changes nothing when run a second time", async () => {
    const [variant] = await createProduct([{ stock: 5 }]);
    const carts = await Promise.all([cartWith([[variant!, 1]]), cartWith([[variant!, 2]])]);
    for (const cart of carts) {
      expect((await startCheckout(cart)).status).toBe(201);
      await makeOverdue(cart.id, 30);
    }
    // An orphaned reservation too, so every kind of work is there for the first run.
    await env.DB.prepare(
      "INSERT INTO stock_reservations (checkout_id, variant_id, quantity, status, expires_at, created_at, updated_at) VALUES ('chk_orphan_twice', ?1, 1, 'active', ?2, ?2, ?2)",
    )
      .bind(variant, new Date().toISOString())
      .run();

    const queue = recordingQueue().queue;
    const first = await runCleanup({ ...env, EVENTS: queue });
    expect(first).toMatchObject({ expired: 2, released_reservations: 1, errors: 0, done: true });
    expect(first.relayed_events).toBeGreaterThan(0);
    expect(await stockOf(variant!)).toMatchObject({ on_hand: 5, reserved: 0 });

    const before = await snapshot();
    const second = await runCleanup({ ...env, EVENTS: queue });
    expect(second).toMatchObject({
      expired: 0,
      finished: 0,
      still_active: 0,
      orphaned_checkouts: 0,
      released_reservations: 0,
      released_discounts: 0,
      voided_authorizations: 0,
      captured_without_order: 0,
      completed_orders: 0,
      relayed_events: 0,
      pruned_events: 0,
      pruned_deliveries: 0,
      errors: 0,
      done: true,
    });
    expect(await snapshot()).toEqual(before);
    await expectInvariants();
  });
});
