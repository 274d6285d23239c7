/**
 * Checks the invariants of docs/architecture.md directly against D1, so every failure-path test
 * can assert "nothing leaked, nothing oversold, nobody double-charged".
 */
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { ledgerQueries } from "../../chaos/ledger-queries";
import { soldOrder } from "../../chaos/sold-orders";

async function all<T>(sql: string, ...params: unknown[]): Promise<T[]> {
  return (
    await env.DB.prepare(sql)
      .bind(...params)
      .all<T>()
  ).results;
}

/** Statuses of an order that was paid for (refunds and cancellation come after the sale). */
const SOLD = "'paid', 'partially_refunded', 'refunded', 'cancelled'";
// The chaos checker's queries and meaning of "sold": one definition of each cross-ledger promise.
const LEDGER = ledgerQueries(soldOrder);

/**
 * Invariants 1, 2, 4, 5 and 8 over the whole database, plus promises that span tables:
 * the gateway's ledger against the quote, one deadline, one currency, sums per order,
 * an event per paid order, discount uses both ways, no active reservation without its checkout.
 */
export async function expectInvariants(): Promise<void> {
  // 1. 0 <= reserved <= on_hand and reserved = sum of active reservations.
  const stock = await all<{ variant_id: string; on_hand: number; reserved: number; active: number }>(
    `SELECT i.variant_id, i.on_hand, i.reserved, COALESCE(SUM(CASE WHEN r.status = 'active' THEN r.quantity END), 0) AS active
     FROM inventory i LEFT JOIN stock_reservations r ON r.variant_id = i.variant_id GROUP BY i.variant_id`,
  );
  for (const s of stock) {
    expect(s.reserved, `reserved of ${s.variant_id}`).toBe(s.active);
    expect(s.reserved).toBeGreaterThanOrEqual(0);
    expect(s.reserved).toBeLessThanOrEqual(s.on_hand);
  }
  // 2. Conservation: adjustments (initial stock included) minus committed units plus restocked units = on_hand.
  const conservation = await all<{ variant_id: string; on_hand: number; adjusted: number; committed: number; restocked: number }>(
    `SELECT i.variant_id, i.on_hand,
       (SELECT COALESCE(SUM(delta), 0) FROM inventory_adjustments a WHERE a.variant_id = i.variant_id) AS adjusted,
       (SELECT COALESCE(SUM(quantity), 0) FROM stock_reservations r WHERE r.variant_id = i.variant_id AND r.status = 'committed') AS committed,
       (SELECT COALESCE(SUM(quantity), 0) FROM stock_restocks s WHERE s.variant_id = i.variant_id) AS restocked
     FROM inventory i`,
  );
  for (const c of conservation) expect(c.adjusted - c.committed + c.restocked, `conservation of ${c.variant_id}`).toBe(c.on_hand);
  // 4. Captured payment ⇔ one paid order of exactly the quote total.
  const captured = await all<{ checkout_id: string; amount: number; orders: number; order_total: number | null; quote_total: number | null }>(
    `SELECT p.checkout_id, p.captured_amount AS amount,
       (SELECT COUNT(*) FROM orders o WHERE o.checkout_id = p.checkout_id AND o.status IN (${SOLD})) AS orders,
       (SELECT total FROM orders o WHERE o.checkout_id = p.checkout_id) AS order_total,
       (SELECT total FROM quotes q WHERE q.checkout_id = p.checkout_id) AS quote_total
     FROM payments p WHERE p.status = 'captured'`,
  );
  for (const p of captured) {
    expect(p.orders, `orders of captured ${p.checkout_id}`).toBe(1);
    expect(p.amount).toBe(p.order_total);
    expect(p.amount).toBe(p.quote_total);
  }
  const paidOrders = await all<{ id: string; captures: number }>(
    `SELECT o.id, (SELECT COUNT(*) FROM payments p WHERE p.checkout_id = o.checkout_id AND p.status IN ('captured', 'not_required')) AS captures FROM orders o
     WHERE ${soldOrder("o")}`,
  );
  for (const o of paidOrders) expect(o.captures, `captures of order ${o.id}`).toBe(1);
  // The gateway's own ledger: nothing captured without a paid order, nothing left authorized after a terminal checkout.
  const gateway = await all<{ id: string; status: string; checkout_id: string; checkout_state: string | null; order_status: string | null }>(
    `SELECT g.id, g.status, json_extract(g.metadata, '$.checkout_id') AS checkout_id,
       (SELECT state FROM checkouts c WHERE c.id = json_extract(g.metadata, '$.checkout_id')) AS checkout_state,
       (SELECT status FROM orders o WHERE o.checkout_id = json_extract(g.metadata, '$.checkout_id')) AS order_status
     FROM test_gateway_charges g WHERE g.status IN ('captured', 'authorized', 'requires_action')`,
  );
  for (const g of gateway) {
    if (g.status === "captured") expect(["paid", "partially_refunded", "refunded", "cancelled"], `order of gateway capture ${g.id}`).toContain(g.order_status);
    if (g.status !== "captured")
      expect(["failed", "cancelled", "expired"], `${g.status} payment ${g.id} left on terminal checkout`).not.toContain(g.checkout_state);
  }
  // The gateway's own ledger against the quote (not the order the code wrote from it): amount and currency.
  expect(await all(LEDGER.gatewayAgainstQuote), "gateway charges that are not their quote's total and currency").toEqual([]);
  // 5. A terminal checkout holds no active reservation, and neither does a checkout that has no row.
  const leaks = await all<{ checkout_id: string; state: string | null }>(
    `SELECT r.checkout_id, c.state FROM stock_reservations r LEFT JOIN checkouts c ON c.id = r.checkout_id
     WHERE r.status = 'active' AND (c.id IS NULL OR c.state IN ('completed', 'failed', 'cancelled', 'expired'))`,
  );
  expect(leaks, "active reservations of terminal or missing checkouts").toEqual([]);
  expect(await all(LEDGER.oneDeadline), "reservations or quotes with another deadline than their checkout").toEqual([]);
  expect(await all(LEDGER.oneCurrency), "checkouts whose records disagree on the currency").toEqual([]);
  expect(await all(LEDGER.sumsPerCheckout), "paid orders whose lines, quote and reservations disagree").toEqual([]);
  expect(await all(LEDGER.unannouncedOrders), "paid orders without an order.created event").toEqual([]);
  // 8. Discount uses within limits, counters equal to reservation rows.
  const discounts = await all<{ code: string; usage_limit: number | null; used_count: number; reserved_count: number; consumed: number; active: number }>(
    `SELECT d.code, d.usage_limit, d.used_count, d.reserved_count,
       (SELECT COUNT(*) FROM discount_reservations r WHERE r.code = d.code AND r.status = 'consumed') AS consumed,
       (SELECT COUNT(*) FROM discount_reservations r WHERE r.code = d.code AND r.status = 'active') AS active
     FROM discounts d`,
  );
  for (const d of discounts) {
    expect(d.used_count).toBe(d.consumed);
    expect(d.reserved_count).toBe(d.active);
    if (d.usage_limit !== null) expect(d.used_count + d.reserved_count).toBeLessThanOrEqual(d.usage_limit);
  }
  // … and the other direction.
  expect(await all(LEDGER.unconsumedCodes), "codes of completed checkouts whose use is not consumed").toEqual([]);
  await expectPurchaseLimits();
}

/**
 * 11. Purchase limits: a customer's active plus committed units of a limited variant stay
 * within `max_per_customer`. Held against the limit in force when the customer's latest
 * counted unit was reserved (a limit lowered later keeps what customers hold); the
 * customer on a sold unit is its order's email, lower-cased (the order is the other ledger).
 */
async function expectPurchaseLimits(): Promise<void> {
  const over = await all<Record<string, unknown>>(
    `SELECT c.variant_id, c.customer_email, c.units, l.max_per_customer FROM (
       SELECT variant_id, customer_email, SUM(quantity) AS units, MAX(created_at) AS latest FROM stock_reservations
       WHERE status IN ('active', 'committed') AND customer_email IS NOT NULL GROUP BY variant_id, customer_email
     ) c JOIN purchase_limits l ON l.variant_id = c.variant_id
     WHERE c.latest > l.updated_at AND c.units > l.max_per_customer`,
  );
  expect(over, "customers past a variant's purchase limit").toEqual([]);
  const anonymous = await all<Record<string, unknown>>(
    `SELECT r.checkout_id, r.variant_id FROM stock_reservations r JOIN purchase_limits l ON l.variant_id = r.variant_id
     WHERE r.status IN ('active', 'committed') AND r.customer_email IS NULL AND r.created_at > l.updated_at`,
  );
  expect(anonymous, "units of a limited variant held without an email").toEqual([]);
  const misattributed = await all<Record<string, unknown>>(
    `SELECT r.checkout_id, r.customer_email, o.email FROM stock_reservations r JOIN orders o ON o.checkout_id = r.checkout_id
     WHERE r.status = 'committed' AND r.customer_email IS NOT lower(trim(o.email))`,
  );
  expect(misattributed, "sold units counted for another customer than their order's").toEqual([]);
}

export async function checkoutRow(id: string) {
  return env.DB.prepare("SELECT * FROM checkouts WHERE id = ?").bind(id).first<Record<string, any>>();
}

export async function gatewayCharges(checkoutId: string) {
  return all<{ status: string; amount: number; captured_amount: number | null }>(
    "SELECT status, amount, captured_amount FROM test_gateway_charges WHERE json_extract(metadata, '$.checkout_id') = ? ORDER BY created_at",
    checkoutId,
  );
}
