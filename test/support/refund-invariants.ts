/**
 * Invariant 9 against D1 and the test gateway's own ledger: refunds never pass what was
 * captured (per line: units never pass the quantity), an order's refunded_total is the
 * sum of its succeeded refunds, and every refund the gateway made is recorded exactly
 * once here (and every succeeded refund here was made there, for exactly its amount).
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

export async function expectRefundInvariants(options: { allowPending?: boolean } = {}): Promise<void> {
  const orders = await all<{ id: string; refunded_total: number; captured: number; succeeded: number; holding: number }>(
    `SELECT o.id, o.refunded_total,
       (SELECT COALESCE(SUM(COALESCE(p.captured_amount, p.amount)), 0) FROM payments p WHERE p.checkout_id = o.checkout_id AND p.status = 'captured') AS captured,
       (SELECT COALESCE(SUM(amount), 0) FROM refunds r WHERE r.order_id = o.id AND r.status = 'succeeded') AS succeeded,
       (SELECT COALESCE(SUM(amount), 0) FROM refunds r WHERE r.order_id = o.id AND r.status IN ('pending', 'succeeded')) AS holding
     FROM orders o`,
  );
  for (const o of orders) {
    expect(o.refunded_total, `refunded_total of ${o.id}`).toBe(o.succeeded);
    expect(o.holding, `refunds of ${o.id} within its capture`).toBeLessThanOrEqual(o.captured);
  }
  const lines = await all<{ order_id: string; line_id: string; quantity: number; refunded: number; amount: number; total: number }>(
    `SELECT ol.order_id, ol.line_id, ol.quantity, ol.total,
       COALESCE(SUM(CASE WHEN r.status IN ('pending', 'succeeded') THEN rl.quantity END), 0) AS refunded,
       COALESCE(SUM(CASE WHEN r.status IN ('pending', 'succeeded') THEN rl.amount END), 0) AS amount
     FROM order_lines ol LEFT JOIN refund_lines rl ON rl.order_id = ol.order_id AND rl.line_id = ol.line_id
     LEFT JOIN refunds r ON r.id = rl.refund_id GROUP BY ol.order_id, ol.line_id`,
  );
  for (const l of lines) {
    expect(l.refunded, `refunded units of ${l.order_id}/${l.line_id}`).toBeLessThanOrEqual(l.quantity);
    if (l.refunded === l.quantity && l.quantity > 0) expect(l.amount, `a fully refunded line returns its total`).toBeLessThanOrEqual(l.total);
  }
  // The gateway's ledger against ours, refund by refund (the saga's own rollback refunds carry no refund id).
  const atGateway = await all<{ id: string; refund_id: string; amount: number; status: string | null; recorded_amount: number | null }>(
    `SELECT g.id, json_extract(g.metadata, '$.refund_id') AS refund_id, g.amount,
       (SELECT status FROM refunds r WHERE r.id = json_extract(g.metadata, '$.refund_id')) AS status,
       (SELECT amount FROM refunds r WHERE r.id = json_extract(g.metadata, '$.refund_id')) AS recorded_amount
     FROM test_gateway_refunds g WHERE json_extract(g.metadata, '$.refund_id') IS NOT NULL`,
  );
  const seen = new Set<string>();
  for (const g of atGateway) {
    expect(seen.has(g.refund_id), `gateway refunds of ${g.refund_id}`).toBe(false);
    seen.add(g.refund_id);
    expect(options.allowPending ? ["succeeded", "pending"] : ["succeeded"], `record of gateway refund ${g.id}`).toContain(g.status);
    expect(g.amount, `amount of gateway refund ${g.id}`).toBe(g.recorded_amount);
  }
  const succeeded = await all<{ id: string; provider: string }>(
    `SELECT r.id, p.provider FROM refunds r JOIN orders o ON o.id = r.order_id JOIN payments p ON p.checkout_id = o.checkout_id AND p.status = 'captured'
     WHERE r.status = 'succeeded' AND r.amount > 0`,
  );
  for (const r of succeeded) if (r.provider === "test") expect(seen.has(r.id), `gateway refund of succeeded ${r.id}`).toBe(true);
  if (!options.allowPending) expect(await all(`SELECT id FROM refunds WHERE status = 'pending'`), "refunds left pending").toEqual([]);
}
