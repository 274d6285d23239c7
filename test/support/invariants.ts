/**
 * Checks the invariants of docs/architecture.md directly against D1, so every failure-path test
 * can assert "nothing leaked, nothing oversold, nobody double-charged".
 */
import { env } from "cloudflare:workers";
import { expect } from "vitest";

async function all<T>(sql: string, ...params: unknown[]): Promise<T[]> {
  return (
    await env.DB.prepare(sql)
      .bind(...params)
      .all<T>()
  ).results;
}

/** Statuses of an order that was paid for (refunds and cancellation come after the sale). */
const SOLD = "'paid', 'partially_refunded', 'refunded', 'cancelled'";
/** An order that was sold: paid (refunded since, or not), or cancelled after the sale (a cancel refund), not one rolled back before it. */
const WAS_SOLD = (o: string) =>
  `(${o}.status IN ('paid', 'partially_refunded', 'refunded') OR EXISTS (SELECT 1 FROM refunds r WHERE r.order_id = ${o}.id AND r.kind = 'cancel' AND r.status = 'succeeded'))`;

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
     WHERE ${WAS_SOLD("o")}`,
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
  const charges = await all<Record<string, unknown>>(
    `SELECT g.id, g.status, g.amount, g.captured_amount, g.currency, q.total AS quote_total, q.currency AS quote_currency
     FROM test_gateway_charges g JOIN quotes q ON q.checkout_id = json_extract(g.metadata, '$.checkout_id')
     WHERE g.status <> 'void_requested'
       AND (g.amount <> q.total OR g.currency <> q.currency OR (g.status IN ('captured', 'refunded') AND g.captured_amount IS NOT q.total))`,
  );
  expect(charges, "gateway charges that are not their quote's total and currency").toEqual([]);
  // 5. A terminal checkout holds no active reservation, and neither does a checkout that has no row.
  const leaks = await all<{ checkout_id: string; state: string | null }>(
    `SELECT r.checkout_id, c.state FROM stock_reservations r LEFT JOIN checkouts c ON c.id = r.checkout_id
     WHERE r.status = 'active' AND (c.id IS NULL OR c.state IN ('completed', 'failed', 'cancelled', 'expired'))`,
  );
  expect(leaks, "active reservations of terminal or missing checkouts").toEqual([]);
  // One deadline: a checkout's reservations and quote expire when it does.
  const deadlines = await all<Record<string, unknown>>(
    `SELECT c.id, c.expires_at, r.variant_id AS item, r.expires_at AS other FROM checkouts c JOIN stock_reservations r ON r.checkout_id = c.id WHERE r.expires_at <> c.expires_at
     UNION ALL SELECT c.id, c.expires_at, q.id, q.expires_at FROM checkouts c JOIN quotes q ON q.checkout_id = c.id WHERE q.expires_at <> c.expires_at`,
  );
  expect(deadlines, "reservations or quotes with another deadline than their checkout").toEqual([]);
  // One currency across checkout, quote, order, payments and the gateway's charges.
  const currencies = await all<Record<string, unknown>>(
    `SELECT c.id, c.currency, q.currency AS quote_currency, o.currency AS order_currency FROM checkouts c
       LEFT JOIN quotes q ON q.checkout_id = c.id LEFT JOIN orders o ON o.checkout_id = c.id
     WHERE (q.id IS NOT NULL AND q.currency <> c.currency) OR (o.id IS NOT NULL AND o.currency <> c.currency)
        OR EXISTS (SELECT 1 FROM payments p WHERE p.checkout_id = c.id AND p.currency <> c.currency)
        OR EXISTS (SELECT 1 FROM test_gateway_charges g WHERE json_extract(g.metadata, '$.checkout_id') = c.id AND g.status <> 'void_requested' AND g.currency <> c.currency)`,
  );
  expect(currencies, "checkouts whose records disagree on the currency").toEqual([]);
  // Per paid order and variant: order lines = quote lines = committed reservation.
  const sums = await all<Record<string, unknown>>(
    `WITH paid AS (SELECT o.id AS order_id, o.checkout_id FROM orders o WHERE ${WAS_SOLD("o")}),
       ordered AS (SELECT p.checkout_id, ol.variant_id, SUM(ol.quantity) AS n FROM paid p JOIN order_lines ol ON ol.order_id = p.order_id GROUP BY 1, 2),
       quoted AS (SELECT p.checkout_id, json_extract(l.value, '$.variant_id') AS variant_id, SUM(json_extract(l.value, '$.quantity')) AS n
                  FROM paid p JOIN quotes q ON q.checkout_id = p.checkout_id, json_each(q.body, '$.lines') l GROUP BY 1, 2),
       reserved AS (SELECT p.checkout_id, r.variant_id, SUM(CASE WHEN r.status = 'committed' THEN r.quantity ELSE 0 END) AS n FROM paid p JOIN stock_reservations r ON r.checkout_id = p.checkout_id GROUP BY 1, 2),
       keys AS (SELECT checkout_id, variant_id FROM ordered UNION SELECT checkout_id, variant_id FROM quoted UNION SELECT checkout_id, variant_id FROM reserved)
     SELECT k.checkout_id, k.variant_id, o.n AS ordered, q.n AS quoted, r.n AS reserved
     FROM keys k LEFT JOIN ordered o USING (checkout_id, variant_id) LEFT JOIN quoted q USING (checkout_id, variant_id) LEFT JOIN reserved r USING (checkout_id, variant_id)
     WHERE o.n IS NOT q.n OR q.n IS NOT r.n`,
  );
  expect(sums, "paid orders whose lines, quote and reservations disagree").toEqual([]);
  // An event per state change: each order that was paid for has its order.created.
  const unannounced = await all<{ id: string }>(
    `SELECT o.id FROM orders o WHERE ${WAS_SOLD("o")} AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.id = 'evt_order_created_' || o.id)`,
  );
  expect(unannounced, "paid orders without an order.created event").toEqual([]);
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
  // … and the other direction: each code a completed checkout's quote applied was consumed by it.
  const unconsumed = await all<Record<string, unknown>>(
    `SELECT c.id, code.value AS code, r.status FROM checkouts c JOIN quotes q ON q.checkout_id = c.id, json_each(q.body, '$.discount_codes') code
     LEFT JOIN discount_reservations r ON r.checkout_id = c.id AND r.code = code.value
     WHERE c.state = 'completed' AND r.status IS NOT 'consumed'`,
  );
  expect(unconsumed, "codes of completed checkouts whose use is not consumed").toEqual([]);
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
