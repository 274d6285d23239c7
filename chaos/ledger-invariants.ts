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

/** Slack around a stock change's GET→PUT window when counting commits that may fall in it (same machine clock). */
const WINDOW_SLACK_MS = 250;

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
  check("12. one currency", "a checkout, its quote, its order, its payments and its gateway charges are in one currency", queries.oneCurrency);
  check("9. one deadline", "a checkout's reservations and quote expire when it does", queries.oneDeadline);
  check("10. sums per checkout", "for every sold order, per variant: order lines = quote lines = committed reservation", queries.sumsPerCheckout);
  check(
    "11. one event per state change",
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
    "13. no orphans",
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
 * The harness's own record: initial stock plus every change the merchant made must be
 * on_hand plus the units taken less the units refunds restocked. The merchant reads on_hand and writes on_hand + add, so
 * a unit committed between its read and its write is overwritten (the merchant's write
 * wins): that is the only allowed difference, at most the units committed in that window.
 */
function checkStockLedger(d1: D1File, stock: StockLedger, fail: (invariant: string, message: string, rows: unknown[]) => void, checked: string[]): void {
  checked.push(
    "2. conservation (harness ledger): initial stock + the changes the merchant sent = on_hand + committed units (up to units committed mid-change)",
  );
  checked.push("2. conservation (harness ledger): each admin adjustment row is the change the merchant sent");
  const commits = d1.all<{ variant_id: string; quantity: number; at: string }>(
    "SELECT variant_id, quantity, updated_at AS at FROM stock_reservations WHERE status = 'committed'",
  );
  // Refunds' restocks return units between a read and a write just as commits take them.
  const restocks = d1.all<{ variant_id: string; quantity: number; at: string }>("SELECT variant_id, quantity, created_at AS at FROM stock_restocks");
  const within = (moves: Array<{ variant_id: string; quantity: number; at: string }>) => (variantId: string, change: StockChange) =>
    moves
      .filter(
        (c) => c.variant_id === variantId && Date.parse(c.at) >= change.readAt - WINDOW_SLACK_MS && Date.parse(c.at) <= change.answeredAt + WINDOW_SLACK_MS,
      )
      .reduce((n, c) => n + c.quantity, 0);
  const inWindow = within(commits);
  const restockedInWindow = within(restocks);
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
    const sent = applied.reduce((n, c) => n + (c.sent - c.seen), 0);
    const overwritten = applied.reduce((n, c) => n + inWindow(row.variant_id, c), 0);
    const restockOverwritten = applied.reduce((n, c) => n + restockedInWindow(row.variant_id, c), 0);
    const difference = row.on_hand + row.committed - row.restocked - (initial + sent);
    if (difference < -restockOverwritten || difference > overwritten) {
      drift.push({
        variant_id: row.variant_id,
        initial,
        sent_changes: sent,
        on_hand: row.on_hand,
        committed: row.committed,
        restocked: row.restocked,
        difference,
        committed_mid_change: overwritten,
        restocked_mid_change: restockOverwritten,
      });
    }
    const adjustments = d1.all<{ id: number; delta: number }>(
      `SELECT id, delta FROM inventory_adjustments WHERE variant_id = '${row.variant_id}' AND reason = 'admin' ORDER BY id`,
    );
    if (adjustments.length !== applied.length) {
      rowMismatch.push({ variant_id: row.variant_id, admin_rows: adjustments.length, changes_applied: applied.length });
      continue;
    }
    applied.forEach((change, i) => {
      const extra = adjustments[i]!.delta - (change.sent - change.seen);
      if (extra < -restockedInWindow(row.variant_id, change) || extra > inWindow(row.variant_id, change))
        rowMismatch.push({ variant_id: row.variant_id, adjustment: adjustments[i], seen: change.seen, sent: change.sent });
    });
  }
  fail(
    "2. conservation (harness ledger)",
    "on_hand plus the committed units less the restocked ones is not the initial stock plus the changes the merchant sent.",
    drift,
  );
  fail("2. conservation (harness ledger)", "An admin adjustment row is not the change the merchant sent.", rowMismatch);
}

export type { Violation };
