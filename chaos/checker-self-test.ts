/**
 * Proves the invariant checker is not vacuous: after a run, copies of its D1 file are
 * corrupted one way at a time (a leaked reservation, a lost unit, a capture without an
 * order…) and the checker must flag each with the invariant it breaks, judging the copy
 * with the run's own observations (the harness's stock ledger). Needs the sqlite3 CLI (it
 * writes the copies); the run counts a self-test that cannot run as a violation.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { findD1File, openD1File } from "./d1-file.ts";
import { checkInvariants } from "./invariants.ts";
import type { StockLedger } from "./ledger-invariants.ts";
import { REFUNDS, REFUNDS_IN_GATEWAY_UNITS } from "./refund-invariants.ts";
import { Observations } from "./observations.ts";

interface Corruption {
  name: string;
  /** Must change at least one row, or the corruption does not apply to this run's data. */
  sql: string;
  /** The invariant the checker must name. */
  expect: string;
}

const CORRUPTIONS: Corruption[] = [
  {
    name: "a reservation left active on an ended checkout",
    expect: "5. nothing held after the end",
    sql: "UPDATE checkouts SET state = 'failed' WHERE id = (SELECT checkout_id FROM stock_reservations WHERE status = 'active' LIMIT 1)",
  },
  {
    name: "reserved drifting from the reservation rows",
    expect: "1. reserved",
    sql: "UPDATE inventory SET reserved = reserved + 1, on_hand = on_hand + 1 WHERE variant_id = (SELECT variant_id FROM inventory LIMIT 1)",
  },
  {
    name: "a unit lost from stock",
    expect: "2. conservation",
    sql: "UPDATE inventory SET on_hand = on_hand - 1 WHERE variant_id = (SELECT variant_id FROM inventory WHERE reserved < on_hand LIMIT 1)",
  },
  {
    name: "a capture whose order is not paid",
    expect: "4. payments",
    sql: "UPDATE orders SET status = 'cancelled' WHERE id = (SELECT id FROM orders WHERE status = 'paid' LIMIT 1)",
  },
  {
    name: "the gateway capturing another amount",
    expect: "4. gateway ledger",
    sql: "UPDATE test_gateway_charges SET captured_amount = captured_amount + 1 WHERE id = (SELECT id FROM test_gateway_charges WHERE status = 'captured' LIMIT 1)",
  },
  {
    name: "an authorization left on an ended checkout",
    expect: "4. gateway ledger",
    sql: "UPDATE test_gateway_charges SET status = 'authorized' WHERE id = (SELECT g.id FROM test_gateway_charges g JOIN checkouts c ON c.id = json_extract(g.metadata, '$.checkout_id') WHERE c.state IN ('failed', 'cancelled', 'expired') AND g.status <> 'void_requested' LIMIT 1)",
  },
  {
    name: "a checkout open past its deadline",
    expect: "5. every checkout ends",
    sql: "UPDATE checkouts SET expires_at = '2000-01-01T00:00:00.000Z' WHERE id = (SELECT id FROM checkouts WHERE state = 'locked' LIMIT 1)",
  },
  {
    name: "a checkout stuck mid-step",
    expect: "5. every checkout ends",
    sql: "UPDATE checkouts SET state = 'capturing' WHERE id = (SELECT id FROM checkouts WHERE state IN ('locked', 'completed') LIMIT 1)",
  },
  {
    name: "a code used past its limit",
    expect: "8. discount limits",
    sql: "UPDATE discounts SET usage_limit = used_count - 1 WHERE code = (SELECT code FROM discounts WHERE used_count > 0 LIMIT 1)",
  },
  {
    name: "a quote left active after its checkout ended",
    expect: "5. nothing held after the end",
    sql: "UPDATE quotes SET status = 'active' WHERE checkout_id = (SELECT id FROM checkouts WHERE state IN ('cancelled', 'expired', 'failed') LIMIT 1)",
  },
  {
    name: "two checkouts of one cart open together",
    expect: "7. idempotency",
    sql: "UPDATE checkouts SET failed_at = '2999-01-01T00:00:00.000Z' WHERE id = (SELECT a.id FROM checkouts a WHERE a.state = 'failed' AND EXISTS (SELECT 1 FROM checkouts b WHERE b.cart_id = a.cart_id AND b.created_at > a.created_at) LIMIT 1)",
  },
  // Against independent ledgers and cross-table promises (ledger-invariants.ts).
  {
    name: "the gateway holding another currency than the quote",
    expect: "4. gateway ledger",
    sql: "UPDATE test_gateway_charges SET currency = 'XTS' WHERE id = (SELECT id FROM test_gateway_charges WHERE status = 'captured' LIMIT 1)",
  },
  {
    name: "a voided charge of another amount than its quote",
    expect: "4. gateway ledger",
    sql: "UPDATE test_gateway_charges SET amount = amount + 1 WHERE id = (SELECT id FROM test_gateway_charges WHERE status = 'voided' LIMIT 1)",
  },
  {
    name: "a capture, its payment row and its order all one unit over the quote",
    expect: "4. gateway ledger",
    sql: `UPDATE test_gateway_charges SET captured_amount = captured_amount + 1 WHERE id = (SELECT id FROM test_gateway_charges WHERE status = 'captured' LIMIT 1);
      UPDATE payments SET captured_amount = captured_amount + 1 WHERE checkout_id = (SELECT json_extract(metadata, '$.checkout_id') FROM test_gateway_charges WHERE status = 'captured' LIMIT 1) AND status = 'captured';
      UPDATE orders SET total = total + 1 WHERE checkout_id = (SELECT json_extract(metadata, '$.checkout_id') FROM test_gateway_charges WHERE status = 'captured' LIMIT 1)`,
  },
  {
    name: "an order in another currency than its checkout",
    expect: "one currency",
    sql: "UPDATE orders SET currency = 'XTS' WHERE id = (SELECT id FROM orders WHERE status = 'paid' LIMIT 1)",
  },
  {
    name: "a reservation expiring after its checkout",
    expect: "one deadline",
    sql: "UPDATE stock_reservations SET expires_at = '2999-01-01T00:00:00.000Z' WHERE rowid = (SELECT rowid FROM stock_reservations WHERE status <> 'active' LIMIT 1)",
  },
  {
    name: "a quote expiring before its checkout",
    expect: "one deadline",
    sql: "UPDATE quotes SET expires_at = '2000-01-01T00:00:00.000Z' WHERE id = (SELECT id FROM quotes LIMIT 1)",
  },
  {
    name: "a unit moved between two orders' lines of one variant",
    expect: "sums per checkout",
    sql: `CREATE TEMP TABLE moved AS SELECT a.order_id AS up, a.line_id AS up_line, b.order_id AS down, b.line_id AS down_line
        FROM order_lines a JOIN orders oa ON oa.id = a.order_id AND oa.status = 'paid'
        JOIN order_lines b ON b.variant_id = a.variant_id AND b.order_id <> a.order_id AND b.quantity > 1 JOIN orders ob ON ob.id = b.order_id AND ob.status = 'paid' LIMIT 1;
      UPDATE order_lines SET quantity = quantity - 1 WHERE (order_id, line_id) IN (SELECT down, down_line FROM moved);
      UPDATE order_lines SET quantity = quantity + 1 WHERE (order_id, line_id) IN (SELECT up, up_line FROM moved)`,
  },
  {
    name: "a paid order without its order.created event",
    expect: "one event per state change",
    sql: "DELETE FROM outbox WHERE id = (SELECT id FROM outbox WHERE type = 'order.created' LIMIT 1)",
  },
  {
    name: "an ended checkout without its event",
    expect: "one event per state change",
    sql: "DELETE FROM outbox WHERE id = (SELECT id FROM outbox WHERE type IN ('checkout.failed', 'checkout.expired', 'checkout.cancelled') LIMIT 1)",
  },
  {
    name: "a consumed discount use released (the trigger keeps the counters in step)",
    expect: "8. discount limits",
    sql: "UPDATE discount_reservations SET status = 'released' WHERE rowid = (SELECT r.rowid FROM discount_reservations r JOIN checkouts c ON c.id = r.checkout_id WHERE r.status = 'consumed' AND c.state = 'completed' LIMIT 1)",
  },
  {
    name: "reservations whose checkout row is gone",
    expect: "no orphans",
    sql: "DELETE FROM checkouts WHERE id = (SELECT checkout_id FROM stock_reservations WHERE status = 'released' LIMIT 1)",
  },
  {
    name: "stock drift hidden by a matching adjustment row",
    expect: "2. conservation (harness ledger)",
    sql: `INSERT INTO inventory_adjustments (variant_id, delta, reason, at) SELECT variant_id, 3, 'initial', '2000-01-01T00:00:00.000Z' FROM inventory WHERE variant_id = (SELECT variant_id FROM inventory ORDER BY variant_id LIMIT 1);
      UPDATE inventory SET on_hand = on_hand + 3 WHERE variant_id = (SELECT variant_id FROM inventory ORDER BY variant_id LIMIT 1)`,
  },
  {
    name: "an admin adjustment that is not the change the merchant sent",
    expect: "2. conservation (harness ledger)",
    sql: `UPDATE inventory SET on_hand = on_hand + 1 WHERE variant_id = (SELECT variant_id FROM inventory_adjustments WHERE reason = 'admin' ORDER BY id LIMIT 1);
      UPDATE inventory_adjustments SET delta = delta + 1 WHERE id = (SELECT id FROM inventory_adjustments WHERE reason = 'admin' ORDER BY id LIMIT 1)`,
  },
  // Invariant 11: the flash variant is limited per customer.
  {
    name: "a sold unit of a limited variant moved to a customer at the limit",
    expect: "11. purchase limits",
    sql: `UPDATE stock_reservations SET customer_email = (SELECT customer_email FROM stock_reservations WHERE status = 'committed' AND customer_email IS NOT NULL AND variant_id IN (SELECT variant_id FROM purchase_limits) ORDER BY rowid LIMIT 1)
      WHERE rowid = (SELECT rowid FROM stock_reservations WHERE status = 'committed' AND variant_id IN (SELECT variant_id FROM purchase_limits)
        AND customer_email <> (SELECT customer_email FROM stock_reservations WHERE status = 'committed' AND customer_email IS NOT NULL AND variant_id IN (SELECT variant_id FROM purchase_limits) ORDER BY rowid LIMIT 1) LIMIT 1)`,
  },
  {
    name: "a limited variant's unit sold without a customer",
    expect: "11. purchase limits",
    sql: "UPDATE stock_reservations SET customer_email = NULL WHERE rowid = (SELECT rowid FROM stock_reservations WHERE status = 'committed' AND variant_id IN (SELECT variant_id FROM purchase_limits) LIMIT 1)",
  },
  {
    name: "every sold unit of a limited variant given to one customer, reservations and orders alike",
    expect: "11. purchase limits",
    sql: `CREATE TEMP TABLE sold AS SELECT checkout_id FROM stock_reservations WHERE status = 'committed' AND variant_id IN (SELECT variant_id FROM purchase_limits)
        AND (SELECT SUM(quantity) FROM stock_reservations WHERE status = 'committed' AND variant_id IN (SELECT variant_id FROM purchase_limits)) > (SELECT MIN(max_per_customer) FROM purchase_limits);
      UPDATE stock_reservations SET customer_email = 'one-customer@example.com' WHERE checkout_id IN (SELECT checkout_id FROM sold);
      UPDATE orders SET email = 'one-customer@example.com' WHERE checkout_id IN (SELECT checkout_id FROM sold)`,
  },
  {
    name: "two paid orders for one cart",
    expect: "7. idempotency",
    sql: "UPDATE orders SET cart_id = (SELECT cart_id FROM orders WHERE status = 'paid' LIMIT 1 OFFSET 1) WHERE id = (SELECT id FROM orders WHERE status = 'paid' LIMIT 1)",
  },
  // Refunds, restocks and their gateway ledger (refund-invariants.ts). The copies drop the
  // triggers that keep refunds immutable: they are what a bug would have to get around.
  {
    name: "a refund past what was captured",
    expect: REFUNDS,
    sql: "DROP TRIGGER refund_settles_once; UPDATE refunds SET amount = amount + 1000000 WHERE id = (SELECT id FROM refunds WHERE status = 'succeeded' LIMIT 1)",
  },
  {
    name: "refunded_total drifting from the succeeded refunds",
    expect: REFUNDS,
    sql: "UPDATE orders SET refunded_total = refunded_total + 1 WHERE id = (SELECT order_id FROM refunds WHERE status = 'succeeded' LIMIT 1)",
  },
  {
    name: "a line refunded past its quantity",
    expect: REFUNDS,
    sql: "DROP TRIGGER refund_line_no_change; UPDATE refund_lines SET quantity = quantity + 1000 WHERE rowid = (SELECT rl.rowid FROM refund_lines rl JOIN refunds r ON r.id = rl.refund_id WHERE r.status IN ('pending', 'succeeded') LIMIT 1)",
  },
  {
    name: "an order whose status ignores its refunds",
    expect: REFUNDS,
    sql: "UPDATE orders SET status = 'paid' WHERE id = (SELECT order_id FROM refunds WHERE status = 'succeeded' AND amount > 0 LIMIT 1)",
  },
  {
    name: "a refund made twice at the gateway",
    expect: REFUNDS,
    sql: "INSERT INTO test_gateway_refunds (id, idempotency_key, charge_id, amount, currency, metadata, created_at) SELECT id || '_again', idempotency_key || ':again', charge_id, amount, currency, metadata, created_at FROM test_gateway_refunds WHERE json_extract(metadata, '$.refund_id') IS NOT NULL LIMIT 1",
  },
  {
    name: "a gateway refund with no record here",
    expect: REFUNDS,
    sql: "DELETE FROM refunds WHERE id = (SELECT json_extract(metadata, '$.refund_id') FROM test_gateway_refunds WHERE json_extract(metadata, '$.refund_id') IS NOT NULL LIMIT 1)",
  },
  {
    name: "a succeeded refund never made at the gateway",
    expect: REFUNDS,
    sql: "DELETE FROM test_gateway_refunds WHERE id = (SELECT g.id FROM test_gateway_refunds g JOIN refunds r ON r.id = json_extract(g.metadata, '$.refund_id') WHERE r.status = 'succeeded' LIMIT 1)",
  },
  {
    name: "a gateway refund of another amount than its record",
    expect: REFUNDS_IN_GATEWAY_UNITS,
    sql: "UPDATE test_gateway_refunds SET amount = amount + 1 WHERE id = (SELECT id FROM test_gateway_refunds WHERE json_extract(metadata, '$.refund_id') IS NOT NULL LIMIT 1)",
  },
  {
    name: "restocked units missing from the stock ledger",
    expect: "2. conservation",
    sql: "DELETE FROM stock_restocks WHERE rowid = (SELECT rowid FROM stock_restocks LIMIT 1)",
  },
  {
    name: "a restock of a refund that failed",
    expect: REFUNDS,
    sql: "DROP TRIGGER refund_settles_once; UPDATE refunds SET status = 'failed' WHERE id = (SELECT refund_id FROM stock_restocks LIMIT 1)",
  },
  {
    name: "a succeeded refund without its order.refunded event",
    expect: REFUNDS,
    sql: "DELETE FROM outbox WHERE id = (SELECT id FROM outbox WHERE type = 'order.refunded' LIMIT 1)",
  },
];

export interface SelfTestResult {
  caught: string[];
  missed: Array<{ name: string; expected: string; flagged: string[] }>;
  notApplicable: string[];
}

export function selfTestChecker(persistTo: string, stock: StockLedger): SelfTestResult {
  const source = findD1File(persistTo);
  const result: SelfTestResult = { caught: [], missed: [], notApplicable: [] };
  for (const corruption of CORRUPTIONS) {
    const dir = mkdtempSync(path.join(tmpdir(), "chaos-corrupted-"));
    try {
      const target = path.join(dir, "v3", "d1", "miniflare-D1DatabaseObject");
      mkdirSync(target, { recursive: true });
      for (const suffix of ["", "-wal", "-shm"]) if (existsSync(source + suffix)) copyFileSync(source + suffix, path.join(target, `copy.sqlite${suffix}`));
      // CHECK constraints are off for the corruption itself: they are what a bug would bypass.
      const changed = execFileSync("sqlite3", [path.join(target, "copy.sqlite"), `PRAGMA ignore_check_constraints = 1; ${corruption.sql}; SELECT changes();`], {
        encoding: "utf8",
      }).trim();
      if (changed === "0") {
        result.notApplicable.push(corruption.name);
        continue;
      }
      // No flash sale and no client answers here: the file is judged with the harness's stock ledger.
      const found = checkInvariants({
        d1: openD1File(dir),
        observations: new Observations(),
        overdueGraceMs: 0,
        flash: { variantId: "", shoppers: 0, units: 0, limit: 1, emails: [] },
        stock,
      });
      const flagged = [...new Set(found.violations.map((v) => v.invariant))];
      if (flagged.includes(corruption.expect)) result.caught.push(corruption.name);
      else result.missed.push({ name: corruption.name, expected: corruption.expect, flagged });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return result;
}
