/**
 * Invariant 9 (refunds) and 10 for refunds (money exact in the gateway's units), checked
 * on the D1 file after the run: no order refunded past its capture nor a line past its
 * quantity, totals and statuses that follow the succeeded refunds, the test gateway's own
 * refund ledger against ours (every gateway refund recorded exactly once, every succeeded
 * refund made there, for exactly its amount in the gateway's units), restocks that are
 * exactly the restocked refunds' units, and one event per succeeded refund and
 * cancellation. Conservation with restocks is in invariants.ts. Each check catches a
 * planted corruption in the checker's self-test (checker-self-test.ts).
 */
import { gatewayRefundAmount } from "../src/payments/gateway-units.ts";
import type { D1File } from "./d1-file.ts";

type Check = (invariant: string, message: string, sql: string) => void;
type Fail = (invariant: string, message: string, rows: unknown[]) => void;

export const REFUNDS = "9. refunds";
export const REFUNDS_IN_GATEWAY_UNITS = "10. refunded == refund amount in gateway units";

/** Refunds that hold money: a failed one gave its share back. */
const HOLDING = "('pending', 'succeeded')";

export function checkRefunds(d1: D1File, check: Check, fail: Fail, checked: string[]): void {
  check(
    REFUNDS,
    "no order's pending and succeeded refunds pass what was captured; refunded_total is the sum of its succeeded refunds",
    `SELECT * FROM (
       SELECT o.id AS order_id, o.refunded_total,
         (SELECT COALESCE(SUM(COALESCE(p.captured_amount, p.amount)), 0) FROM payments p WHERE p.checkout_id = o.checkout_id AND p.status = 'captured') AS captured,
         (SELECT COALESCE(SUM(amount), 0) FROM refunds r WHERE r.order_id = o.id AND r.status IN ${HOLDING}) AS holding,
         (SELECT COALESCE(SUM(amount), 0) FROM refunds r WHERE r.order_id = o.id AND r.status = 'succeeded') AS succeeded
       FROM orders o)
     WHERE holding > captured OR refunded_total <> succeeded`,
  );
  check(
    REFUNDS,
    "no line's refunded units pass its quantity, nor its refunded money its total; each refund is the sum of its lines",
    `SELECT ol.order_id, ol.line_id, ol.quantity, ol.total, SUM(rl.quantity) AS units, SUM(rl.amount) AS amount
     FROM refund_lines rl JOIN refunds r ON r.id = rl.refund_id AND r.status IN ${HOLDING}
     LEFT JOIN order_lines ol ON ol.order_id = rl.order_id AND ol.line_id = rl.line_id
     GROUP BY rl.order_id, rl.line_id HAVING ol.quantity IS NULL OR SUM(rl.quantity) > ol.quantity OR SUM(rl.amount) > ol.total
     UNION ALL
     SELECT r.order_id, r.id, NULL, r.amount, NULL, (SELECT SUM(amount) FROM refund_lines rl WHERE rl.refund_id = r.id)
     FROM refunds r WHERE EXISTS (SELECT 1 FROM refund_lines rl WHERE rl.refund_id = r.id)
       AND r.amount <> (SELECT SUM(amount) FROM refund_lines rl WHERE rl.refund_id = r.id)`,
  );
  check(
    REFUNDS,
    "an order's status follows its succeeded refunds: cancelled by its cancellation, refunded in full, partly refunded, else paid",
    `SELECT o.id, o.status, o.total, o.refunded_total FROM orders o
     WHERE (o.status IN ('paid', 'partially_refunded', 'refunded') OR EXISTS (SELECT 1 FROM refunds r WHERE r.order_id = o.id))
       AND o.status IS NOT CASE
       WHEN EXISTS (SELECT 1 FROM refunds r WHERE r.order_id = o.id AND r.kind = 'cancel' AND r.status = 'succeeded') THEN 'cancelled'
       WHEN o.refunded_total > 0 AND o.refunded_total >= o.total THEN 'refunded'
       WHEN o.refunded_total > 0 THEN 'partially_refunded'
       ELSE 'paid' END`,
  );
  check(
    REFUNDS,
    "every refund at the gateway is recorded here exactly once, and not as failed",
    `SELECT json_extract(g.metadata, '$.refund_id') AS refund_id, COUNT(*) AS gateway_refunds, GROUP_CONCAT(g.id) AS ids,
       (SELECT status FROM refunds r WHERE r.id = json_extract(g.metadata, '$.refund_id')) AS recorded
     FROM test_gateway_refunds g WHERE json_extract(g.metadata, '$.refund_id') IS NOT NULL
     GROUP BY refund_id HAVING gateway_refunds > 1 OR recorded IS NULL OR recorded = 'failed'`,
  );
  check(
    REFUNDS,
    "every succeeded refund of a test-gateway payment (of more than nothing) was made at the gateway",
    `SELECT r.id, r.order_id, r.amount FROM refunds r JOIN orders o ON o.id = r.order_id
       JOIN payments p ON p.checkout_id = o.checkout_id AND p.status = 'captured' AND p.provider = 'test'
     WHERE r.status = 'succeeded' AND r.amount > 0
       AND NOT EXISTS (SELECT 1 FROM test_gateway_refunds g WHERE json_extract(g.metadata, '$.refund_id') = r.id)`,
  );
  check(
    REFUNDS,
    "restocked units are exactly the units of succeeded refunds that asked for a restock",
    `WITH expected AS (SELECT rl.refund_id, rl.variant_id, SUM(rl.quantity) AS n FROM refund_lines rl JOIN refunds r ON r.id = rl.refund_id
                       WHERE r.status = 'succeeded' AND r.restock = 1 GROUP BY 1, 2),
       actual AS (SELECT refund_id, variant_id, SUM(quantity) AS n FROM stock_restocks GROUP BY 1, 2),
       keys AS (SELECT refund_id, variant_id FROM expected UNION SELECT refund_id, variant_id FROM actual)
     SELECT k.refund_id, k.variant_id, e.n AS expected, a.n AS restocked
     FROM keys k LEFT JOIN expected e USING (refund_id, variant_id) LEFT JOIN actual a USING (refund_id, variant_id)
     WHERE e.n IS NOT a.n`,
  );
  check(
    REFUNDS,
    "every succeeded refund of more than nothing has its order.refunded event, every cancellation its order.cancelled",
    `SELECT r.id AS subject, 'order.refunded' AS missing FROM refunds r
     WHERE r.status = 'succeeded' AND r.amount > 0 AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.id = 'evt_order_refunded_' || r.id)
     UNION ALL
     SELECT r.order_id, 'order.cancelled' FROM refunds r
     WHERE r.status = 'succeeded' AND r.kind = 'cancel' AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.id = 'evt_order_cancelled_' || r.order_id)`,
  );
  const message = "every refund at the gateway is its record's amount in the gateway's units for the currency";
  checked.push(`${REFUNDS_IN_GATEWAY_UNITS}: ${message}`);
  fail(REFUNDS_IN_GATEWAY_UNITS, message, refundsInGatewayUnits(d1));
}

interface GatewayRefundRow {
  id: string;
  refund_id: string;
  amount: number;
  currency: string;
  recorded_amount: number | null;
  recorded_currency: string | null;
  exponent: number | null;
}

/** Invariant 10 for refunds, worked out with the one mapping (gateway-units.ts), not in SQL. */
function refundsInGatewayUnits(d1: D1File): GatewayRefundRow[] {
  const rows = d1.all<GatewayRefundRow>(
    `SELECT g.id, json_extract(g.metadata, '$.refund_id') AS refund_id, g.amount, g.currency, r.amount AS recorded_amount, r.currency AS recorded_currency,
       (SELECT c.exponent FROM currencies c WHERE c.code = r.currency) AS exponent
     FROM test_gateway_refunds g JOIN refunds r ON r.id = json_extract(g.metadata, '$.refund_id')`,
  );
  return rows.filter((row) => {
    if (row.recorded_amount === null || row.exponent === null || row.recorded_currency !== row.currency) return true;
    const expected = gatewayRefundAmount("test", row.currency, row.recorded_amount, row.exponent);
    return !expected.ok || expected.amount !== row.amount;
  });
}
