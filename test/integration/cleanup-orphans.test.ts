/**
 * Reservations nobody will ever release by themselves: the cleanup job gives them back
 * through the stock ledger — and never takes stock from a checkout that may still
 * become (or already is) a paid order.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { runCleanup } from "../../src/jobs/cleanup";
import { createProduct, stockOf } from "../support/api";
import { recordingQueue } from "../support/events";
import { expectInvariants } from "../support/invariants";

const cleanup = (options: { now?: number; batchSize?: number } = {}) => runCleanup({ ...env, EVENTS: recordingQueue().queue }, options);
const iso = (msFromNow = 0) => new Date(Date.now() + msFromNow).toISOString();

async function insertReservation(checkoutId: string, variantId: string, quantity: number, expiresAt = iso()) {
  await env.DB.prepare(
    "INSERT INTO stock_reservations (checkout_id, variant_id, quantity, status, expires_at, created_at, updated_at) VALUES (?1, ?2, ?3, 'active', ?4, ?4, ?4)",
  )
    .bind(checkoutId, variantId, quantity, expiresAt)
    .run();
}

async function reservationStatus(checkoutId: string) {
  return (await env.DB.prepare("SELECT status FROM stock_reservations WHERE checkout_id = ?").bind(checkoutId).all<{ status: string }>()).results.map(
    (r) => r.status,
  );
}

describe("cleanup: orphaned reservations", () => {
  it("works in bounded batches and says when it is not done", async () => {
    const [variant] = await createProduct([{ stock: 10 }]);
    for (const id of ["chk_batch_a", "chk_batch_b", "chk_batch_c"]) await insertReservation(id, variant!, 1);

    const first = await cleanup({ batchSize: 2 });
    expect(first).toMatchObject({ released_reservations: 2, done: false });
    const second = await cleanup({ batchSize: 2 });
    expect(second).toMatchObject({ released_reservations: 1, done: true });
    expect(await stockOf(variant!)).toMatchObject({ reserved: 0 });
  });

  it("releases a full default batch at once (more ids than D1 binds in one statement)", async () => {
    const [variant] = await createProduct([{ stock: 200 }]);
    const now = iso();
    await env.DB.batch(
      Array.from({ length: 130 }, (_, i) =>
        env.DB.prepare(
          "INSERT INTO stock_reservations (checkout_id, variant_id, quantity, status, expires_at, created_at, updated_at) VALUES (?1, ?2, 1, 'active', ?3, ?3, ?3)",
        ).bind(`chk_many_${i}`, variant, now),
      ),
    );
    expect(await stockOf(variant!)).toMatchObject({ reserved: 130 });

    const first = await cleanup();
    expect(first).toMatchObject({ released_reservations: 100, errors: 0, done: false });
    const second = await cleanup();
    expect(second).toMatchObject({ released_reservations: 30, errors: 0, done: true });
    expect(await stockOf(variant!)).toMatchObject({ on_hand: 200, reserved: 0 });
    await expectInvariants();
  });

  it("never releases the stock of a checkout whose payment was captured", async () => {
    const [variant] = await createProduct([{ stock: 3 }]);
    const past = iso(-60 * 60_000);
    await env.DB.batch([
      env.DB.prepare(
        "INSERT INTO checkouts (id, cart_id, state, phase, currency, created_at, expires_at, updated_at) VALUES ('chk_captured', 'cart_captured', 'committing', 'stock_commit', 'USD', ?1, ?1, ?1)",
      ).bind(past),
      env.DB.prepare(
        "INSERT INTO payments (id, checkout_id, attempt, provider, status, amount, captured_amount, currency, created_at, updated_at) VALUES ('pay_captured', 'chk_captured', 1, 'test', 'captured', 1000, 1000, 'USD', ?1, ?1)",
      ).bind(past),
    ]);
    await insertReservation("chk_captured", variant!, 1, past);

    await cleanup();
    expect(await reservationStatus("chk_captured"), "the paid order needs this stock").toEqual(["active"]);
    expect(await stockOf(variant!)).toMatchObject({ reserved: 1 });

    // The planted capture would stay an alert for every later run: take it away again.
    await env.DB.batch([
      env.DB.prepare("UPDATE stock_reservations SET status = 'released' WHERE checkout_id = 'chk_captured'"),
      env.DB.prepare("DELETE FROM payments WHERE id = 'pay_captured'"),
      env.DB.prepare("UPDATE checkouts SET state = 'failed' WHERE id = 'chk_captured'"),
    ]);
    expect(await stockOf(variant!)).toMatchObject({ reserved: 0 });
  });
});
