/**
 * Invariants checked against ledgers other than the rows the code wrote together: the
 * gateway's own ledger against the quote, the harness's record of the stock it set
 * against on_hand plus the units taken, and promises that hold across tables (one
 * deadline, one event per state change, sums per checkout, discount uses both ways, one
 * currency, no row without its checkout). Each catches a planted corruption in the
 * checker's self-test (checker-self-test.ts).
 */
import type { D1File } from "./d1-file.ts";
import type { StockChange, Violation } from "./observations.ts";
import { ledgerQueries } from "./ledger-queries.ts";
import { soldOrder } from "./sold-orders.ts";

const ENDED = "'failed', 'cancelled', 'expired'";
const queries = ledgerQueries(soldOrder);

export interface StockLedger {
  /** Variant id → the stock the catalog was created with (the plan's number, not D1's). */
  initial: Map<string, number>;
  /** Every stock change the merchant sent, with what it saw just before and how it was answered. */
  changes: StockChange[];
}

export function checkLedgers(
  d1: D1File,
  stock: StockLedger,
  check: (invariant: string, message: string, sql: string) => void,
  fail: (invariant: string, message: string, rows: unknown[]) => void,
  checked: string[],
): void {
  // The gateway's ledger against the quote, not against the order the code wrote from it.
  check(
    "4. gateway ledger",
    "every gateway charge holds its checkout's quote total in the quote's currency, and a capture takes exactly that",
    queries.gatewayAgainstQuote,
  );
  check("one currency", "a checkout, its quote, its order, its payments and its gateway charges are in one currency", queries.oneCurrency);
  check("one deadline", "a checkout's reservations and quote expire when it does", queries.oneDeadline);
  check("sums per checkout", "for every sold order, per variant: order lines = quote lines = committed reservation", queries.sumsPerCheckout);
  check(
    "one event per state change",
    "every sold order has its order.created and checkout.completed events; every ended checkout its checkout.<state> event",
    `${queries.unannouncedOrders}
     UNION ALL
     SELECT c.id, 'checkout.' || c.state FROM checkouts c WHERE c.state IN ('completed', ${ENDED})
       AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.id = 'evt_checkout_' || c.state || '_' || c.id)`,
  );
  check(
    "8. discount limits",
    "every code a completed checkout's quote applied was consumed by it (and only completed checkouts consume)",
    queries.unconsumedCodes,
  );
  check(
    "no orphans",
    "every reservation, discount use, quote, order and payment belongs to a checkout row",
    `SELECT 'stock_reservation' AS kind, r.checkout_id FROM stock_reservations r LEFT JOIN checkouts c ON c.id = r.checkout_id WHERE c.id IS NULL
     UNION ALL SELECT 'discount_reservation', r.checkout_id FROM discount_reservations r LEFT JOIN checkouts c ON c.id = r.checkout_id WHERE c.id IS NULL
     UNION ALL SELECT 'quote', q.checkout_id FROM quotes q LEFT JOIN checkouts c ON c.id = q.checkout_id WHERE c.id IS NULL
     UNION ALL SELECT 'order', o.checkout_id FROM orders o LEFT JOIN checkouts c ON c.id = o.checkout_id WHERE c.id IS NULL
     UNION ALL SELECT 'payment', p.checkout_id FROM payments p LEFT JOIN checkouts c ON c.id = p.checkout_id WHERE c.id IS NULL`,
  );
  checkStockLedger(d1, stock, fail, checked);
}

/**
 * The harness's own record, exactly: the initial stock plus the adjustment each of the
 * merchant's changes was answered with (`adjusted_by`: the on_hand it set less the one it
 * replaced, which counts a unit committed or restocked between the merchant's read and
 * its write) must be on_hand plus the units taken less the units restocked, and each
 * admin adjustment row must be its change's adjustment. No tolerance: a row or a level
 * off by one unit is caught whatever else happened in the change's window.
 */
function checkStockLedger(d1: D1File, stock: StockLedger, fail: (invariant: string, message: string, rows: unknown[]) => void, checked: string[]): void {
  checked.push("2. conservation (harness ledger): initial stock + each change's answered adjustment = on_hand + committed − restocked units, exactly");
  checked.push("2. conservation (harness ledger): each admin adjustment row is the adjustment its change was answered with, exactly");
  const rows = d1.all<{ variant_id: string; on_hand: number; committed: number; restocked: number }>(
    `SELECT i.variant_id, i.on_hand, (SELECT COALESCE(SUM(quantity), 0) FROM stock_reservations r WHERE r.variant_id = i.variant_id AND r.status = 'committed') AS committed,
       (SELECT COALESCE(SUM(quantity), 0) FROM stock_restocks s WHERE s.variant_id = i.variant_id) AS restocked FROM inventory i`,
  );
  const drift: unknown[] = [];
  const rowMismatch: unknown[] = [];
  for (const row of rows) {
    const initial = stock.initial.get(row.variant_id);
    if (initial === undefined) continue;
    const changes = stock.changes.filter((c) => c.variantId === row.variant_id);
    // A change whose answer never came may or may not have happened: this variant cannot be judged.
    if (changes.some((c) => c.outcome === "unknown")) continue;
    const applied = changes.filter((c) => c.outcome === "applied");
    const unanswered = applied.filter((c) => !Number.isInteger(c.adjustedBy));
    if (unanswered.length) {
      rowMismatch.push({ variant_id: row.variant_id, applied_without_adjusted_by: unanswered.length });
      continue;
    }
    const adjusted = applied.reduce((n, c) => n + c.adjustedBy!, 0);
    const difference = row.on_hand + row.committed - row.restocked - (initial + adjusted);
    if (difference !== 0) {
      drift.push({ variant_id: row.variant_id, initial, adjusted, on_hand: row.on_hand, committed: row.committed, restocked: row.restocked, difference });
    }
    const adjustments = d1.all<{ id: number; delta: number }>(
      `SELECT id, delta FROM inventory_adjustments WHERE variant_id = '${row.variant_id}' AND reason = 'admin' ORDER BY id`,
    );
    if (adjustments.length !== applied.length) {
      rowMismatch.push({ variant_id: row.variant_id, admin_rows: adjustments.length, changes_applied: applied.length });
      continue;
    }
    // One merchant sends the changes one after another, so the rows' order is theirs.
    applied.forEach((change, i) => {
      if (adjustments[i]!.delta !== change.adjustedBy)
        rowMismatch.push({ variant_id: row.variant_id, adjustment: adjustments[i], seen: change.seen, sent: change.sent, adjusted_by: change.adjustedBy });
    });
  }
  fail(
    "2. conservation (harness ledger)",
    "on_hand plus the committed units less the restocked ones is not the initial stock plus the adjustments the merchant's changes were answered with.",
    drift,
  );
  fail("2. conservation (harness ledger)", "An admin adjustment row is not the adjustment its change was answered with.", rowMismatch);
}

export type { Violation };
