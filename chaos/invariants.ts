/**
 * Every invariant of docs/architecture.md, checked on the D1 SQLite file after the run has
 * settled, plus what the harness saw from outside (idempotency groups, the flash sale).
 * Each violation carries its evidence: the rows or answers that break it.
 */
import type { D1File } from "./d1-file.ts";
import { checkLedgers, type StockLedger } from "./ledger-invariants.ts";
import { MONEY_IN_GATEWAY_UNITS, moneyInGatewayUnits } from "./money-in-gateway-units.ts";
import { flashOrdersExpected } from "./plan.ts";
import { PURCHASE_LIMITS, purchaseLimits } from "./purchase-limit-invariants.ts";
import type { Observations, Violation } from "./observations.ts";
import { checkRefunds } from "./refund-invariants.ts";
import { gatewaySold, refundedByOrder, soldOrder } from "./sold-orders.ts";

const TERMINAL = ["completed", "failed", "cancelled", "expired"];
const TERMINAL_SQL = TERMINAL.map((s) => `'${s}'`).join(",");

export interface CheckoutCounts {
  attempted: number;
  byState: Record<string, number>;
  /** Why checkouts failed, by the failure code of their D1 record. */
  failedBy: Record<string, number>;
}

export interface InvariantInput {
  d1: D1File;
  observations: Observations;
  /** Checkouts whose deadline passed more than this long ago must have ended. */
  overdueGraceMs: number;
  /** The flash sale: its buyers, units, limit per customer and each buyer's email. */
  flash: { variantId: string; shoppers: number; units: number; limit: number; emails: string[] };
  /** The harness's own record of the stock it created and changed. */
  stock: StockLedger;
}

export interface InvariantResult {
  violations: Violation[];
  checked: string[];
  counts: CheckoutCounts;
}

export function checkInvariants(input: InvariantInput): InvariantResult {
  const { d1, observations } = input;
  const violations: Violation[] = [];
  const checked: string[] = [];
  const fail = (invariant: string, message: string, rows: unknown[]) => {
    if (rows.length > 0) violations.push({ invariant, message, evidence: rows.slice(0, 10) });
  };
  const check = (invariant: string, message: string, sql: string) => {
    checked.push(`${invariant}: ${message}`);
    fail(invariant, message, d1.all(sql));
  };

  // 1. 0 <= reserved <= on_hand, reserved = Σ active reservations.
  check(
    "1. reserved",
    "inventory.reserved equals the sum of active reservations and stays within 0..on_hand",
    `SELECT i.variant_id, i.on_hand, i.reserved,
       (SELECT COALESCE(SUM(quantity), 0) FROM stock_reservations r WHERE r.variant_id = i.variant_id AND r.status = 'active') AS active_reservations
     FROM inventory i
     WHERE i.reserved <> active_reservations OR i.reserved < 0 OR i.reserved > i.on_hand OR i.on_hand < 0`,
  );

  // 2. Conservation, twice: the ledger rows add up, and the taken units are the sold orders' units.
  check(
    "2. conservation",
    "Σ inventory_adjustments.delta − Σ committed reservations + Σ restocked units = on_hand",
    `SELECT i.variant_id, i.on_hand,
       (SELECT COALESCE(SUM(delta), 0) FROM inventory_adjustments a WHERE a.variant_id = i.variant_id) AS adjusted,
       (SELECT COALESCE(SUM(quantity), 0) FROM stock_reservations r WHERE r.variant_id = i.variant_id AND r.status = 'committed') AS committed,
       (SELECT COALESCE(SUM(quantity), 0) FROM stock_restocks s WHERE s.variant_id = i.variant_id) AS restocked
     FROM inventory i WHERE adjusted - committed + restocked <> i.on_hand`,
  );
  check(
    "2. conservation",
    "units taken from stock = units in sold orders (refunded or not), for every variant",
    `SELECT i.variant_id,
       (SELECT COALESCE(SUM(quantity), 0) FROM stock_reservations r WHERE r.variant_id = i.variant_id AND r.status = 'committed') AS committed,
       (SELECT COALESCE(SUM(ol.quantity), 0) FROM order_lines ol JOIN orders o ON o.id = ol.order_id WHERE ${soldOrder("o")} AND ol.variant_id = i.variant_id) AS ordered
     FROM inventory i WHERE committed <> ordered`,
  );
  check(
    "2. conservation",
    "every committed reservation belongs to a completed checkout with a sold order",
    `SELECT r.checkout_id, r.variant_id, r.quantity, c.state, (SELECT status FROM orders o WHERE o.checkout_id = r.checkout_id) AS order_status,
       (SELECT COUNT(*) FROM orders o WHERE o.checkout_id = r.checkout_id AND ${soldOrder("o")}) AS sold_orders
     FROM stock_reservations r LEFT JOIN checkouts c ON c.id = r.checkout_id
     WHERE r.status = 'committed' AND (c.state IS NOT 'completed' OR sold_orders <> 1)`,
  );

  // 3. The flash sale: exactly min(N, S) orders, N counting each customer up to the limit.
  checked.push("3. N buyers for S units: exactly min(N, S) orders, N counting each customer up to the purchase limit");
  const expected = flashOrdersExpected(input.flash, input.flash.units);
  const sold = d1.all<{ units: number; orders: number }>(
    `SELECT COALESCE(SUM(ol.quantity), 0) AS units, COUNT(DISTINCT o.id) AS orders FROM order_lines ol JOIN orders o ON o.id = ol.order_id
     WHERE ${soldOrder("o")} AND ol.variant_id = '${input.flash.variantId}'`,
  )[0]!;
  const answers = observations.flash;
  const won = answers.filter((a) => a.status === 201).length;
  const lost = answers.filter((a) => a.status === 409 && (a.code === "insufficient_stock" || a.code === "purchase_limit")).length;
  // Limits that leave units unsold leave nobody short of stock: every refusal is then the limit's.
  const short = answers.filter((a) => a.code === "insufficient_stock").length;
  if (sold.orders !== expected || won !== expected || lost !== input.flash.shoppers - expected || (expected < input.flash.units && short > 0)) {
    violations.push({
      invariant: "3. N buyers for S units",
      message: `${input.flash.shoppers} buyers for ${input.flash.units} units, at most ${input.flash.limit} per customer, must make exactly ${expected} orders and ${input.flash.shoppers - expected} refusals (insufficient_stock or purchase_limit).`,
      evidence: { paid_orders: sold.orders, units_sold: sold.units, answered_201: won, answered_insufficient_stock: lost, answers },
    });
  }

  // 4. Money: captured ⇔ one paid order of exactly the quote total; the gateway agrees.
  check(
    "4. payments",
    "every captured payment has exactly one sold order, of exactly the captured amount and the quote total",
    `SELECT p.id, p.checkout_id, p.captured_amount,
       (SELECT COUNT(*) FROM orders o WHERE o.checkout_id = p.checkout_id AND ${soldOrder("o")}) AS paid_orders,
       (SELECT total FROM orders o WHERE o.checkout_id = p.checkout_id) AS order_total,
       (SELECT total FROM quotes q WHERE q.checkout_id = p.checkout_id) AS quote_total
     FROM payments p WHERE p.status = 'captured'
       AND (paid_orders <> 1 OR p.captured_amount IS NOT order_total OR p.captured_amount IS NOT quote_total)`,
  );
  check(
    "4. payments",
    "every sold order has exactly one captured payment, its total is the quote's and its checkout completed",
    `SELECT o.id, o.checkout_id, o.total, c.state,
       (SELECT COUNT(*) FROM payments p WHERE p.checkout_id = o.checkout_id AND p.status = 'captured') AS captures,
       (SELECT total FROM quotes q WHERE q.checkout_id = o.checkout_id) AS quote_total
     FROM orders o LEFT JOIN checkouts c ON c.id = o.checkout_id
     WHERE ${soldOrder("o")} AND (captures <> 1 OR o.total IS NOT quote_total OR c.state IS NOT 'completed')`,
  );
  check(
    "4. payments",
    "no order is left pending payment on a checkout that ended, and no checkout without a capture has a paid order",
    `SELECT o.id, o.status, c.state FROM orders o LEFT JOIN checkouts c ON c.id = o.checkout_id
     WHERE (o.status = 'pending_payment' AND (c.state IS NULL OR c.state IN (${TERMINAL_SQL})))
        OR (${soldOrder("o")} AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.checkout_id = o.checkout_id AND p.status = 'captured'))`,
  );
  check(
    "4. gateway ledger",
    "every capture at the gateway (refunded by its order's refunds or not) has a sold order of the captured amount, and at most one per checkout",
    `SELECT g.id, g.status, g.captured_amount, json_extract(g.metadata, '$.checkout_id') AS checkout_id,
       (SELECT status FROM orders o WHERE o.checkout_id = json_extract(g.metadata, '$.checkout_id')) AS order_status,
       (SELECT COUNT(*) FROM orders o WHERE o.checkout_id = json_extract(g.metadata, '$.checkout_id') AND ${soldOrder("o")}) AS sold_orders,
       (SELECT total FROM orders o WHERE o.checkout_id = json_extract(g.metadata, '$.checkout_id')) AS order_total,
       (SELECT COUNT(*) FROM test_gateway_charges g2 WHERE json_extract(g2.metadata, '$.checkout_id') = json_extract(g.metadata, '$.checkout_id') AND ${gatewaySold("g2")}) AS captures
     FROM test_gateway_charges g WHERE ${gatewaySold("g")}
       AND (sold_orders <> 1 OR g.captured_amount IS NOT order_total OR captures <> 1)`,
  );
  check(
    "4. gateway ledger",
    "the gateway and our payment records agree on which checkouts were captured",
    `SELECT checkout_id, SUM(gateway) AS gateway_captures, SUM(ours) AS recorded_captures FROM (
       SELECT json_extract(g.metadata, '$.checkout_id') AS checkout_id, 1 AS gateway, 0 AS ours FROM test_gateway_charges g WHERE ${gatewaySold("g")}
       UNION ALL SELECT checkout_id, 0, 1 FROM payments WHERE status = 'captured')
     GROUP BY checkout_id HAVING gateway_captures <> recorded_captures`,
  );
  check(
    "4. gateway ledger",
    "no authorization is left standing on a checkout that ended, and no rollback refund on a paid order",
    `SELECT g.id, g.status, json_extract(g.metadata, '$.checkout_id') AS checkout_id, c.state,
       (SELECT status FROM orders o WHERE o.checkout_id = c.id) AS order_status
     FROM test_gateway_charges g LEFT JOIN checkouts c ON c.id = json_extract(g.metadata, '$.checkout_id')
     WHERE (g.status = 'authorized' AND (c.state IS NULL OR c.state IN (${TERMINAL_SQL})))
        OR (g.status = 'refunded' AND order_status = 'paid' AND NOT ${refundedByOrder("g")})`,
  );

  checkLedgers(d1, input.stock, check, fail, checked);

  // 5. Every checkout ended or is locked; an ended one holds nothing.
  const now = Date.now();
  const overdueBefore = new Date(now - input.overdueGraceMs).toISOString();
  check(
    "5. every checkout ends",
    "every checkout is terminal or locked once the run has settled (none left mid-step)",
    `SELECT id, cart_id, state, phase, expires_at, updated_at FROM checkouts WHERE state NOT IN (${TERMINAL_SQL}, 'locked')`,
  );
  check(
    "5. every checkout ends",
    "every checkout past its deadline has ended (by its alarm or the cron job)",
    `SELECT id, cart_id, state, expires_at FROM checkouts WHERE state NOT IN (${TERMINAL_SQL}) AND expires_at < '${overdueBefore}'`,
  );
  check(
    "5. nothing held after the end",
    "no active stock reservation belongs to an ended or unknown checkout",
    `SELECT r.checkout_id, r.variant_id, r.quantity, c.state FROM stock_reservations r LEFT JOIN checkouts c ON c.id = r.checkout_id
     WHERE r.status = 'active' AND (c.state IS NULL OR c.state IN (${TERMINAL_SQL}))`,
  );
  check(
    "5. nothing held after the end",
    "quotes are released or used when their checkout ends (active only while it runs)",
    `SELECT q.id, q.checkout_id, q.status, c.state FROM quotes q LEFT JOIN checkouts c ON c.id = q.checkout_id
     WHERE (q.status = 'active' AND (c.state IS NULL OR c.state IN (${TERMINAL_SQL})))
        OR (c.state = 'completed' AND q.status <> 'used')
        OR (c.state IN ('failed', 'cancelled', 'expired') AND q.status <> 'released')`,
  );

  // 8. Discount usage limits, and counters that are the rows.
  check(
    "8. discount limits",
    "uses never pass usage_limit, and the counters equal the reservation rows",
    `SELECT d.code, d.usage_limit, d.used_count, d.reserved_count,
       (SELECT COUNT(*) FROM discount_reservations r WHERE r.code = d.code AND r.status = 'consumed') AS consumed_rows,
       (SELECT COUNT(*) FROM discount_reservations r WHERE r.code = d.code AND r.status = 'active') AS active_rows
     FROM discounts d
     WHERE (d.usage_limit IS NOT NULL AND d.used_count + d.reserved_count > d.usage_limit)
        OR d.used_count <> consumed_rows OR d.reserved_count <> active_rows`,
  );
  check(
    "8. discount limits",
    "a use is consumed only by a completed checkout and reserved only by a running one",
    `SELECT r.checkout_id, r.code, r.status, c.state FROM discount_reservations r LEFT JOIN checkouts c ON c.id = r.checkout_id
     WHERE (r.status = 'consumed' AND c.state IS NOT 'completed' AND (c.state IS NULL OR c.state IN (${TERMINAL_SQL})))
        OR (r.status = 'active' AND (c.state IS NULL OR c.state IN (${TERMINAL_SQL})))`,
  );

  // 7. Idempotency: D1 side (one order and one capture per cart) …
  check(
    "7. idempotency",
    "no cart has more than one sold order or more than one capture",
    `SELECT cart_id, SUM(paid) AS paid_orders, SUM(captured) AS captures FROM (
       SELECT o.cart_id, 1 AS paid, 0 AS captured FROM orders o WHERE ${soldOrder("o")}
       UNION ALL SELECT json_extract(g.metadata, '$.cart_id'), 0, 1 FROM test_gateway_charges g WHERE ${gatewaySold("g")})
     GROUP BY cart_id HAVING paid_orders > 1 OR captures > 1`,
  );
  // … and the client side: every answer to one key is the same answer.
  checked.push("7. idempotency: every final answer to one Idempotency-Key is the same (status and body)");
  for (const group of observations.groups) {
    // A creation answers its token once (201); every later answer to its key is 409 cart_exists naming that cart.
    const finals = group.kind === "create" ? group.finals.map((f) => ({ cart_id: createdCartId(f) })) : group.finals;
    const distinct = new Set(finals.map((f) => JSON.stringify(f)));
    if (distinct.size > 1 || (group.kind === "create" && group.finals.filter((f) => f.status === 201).length > 1)) {
      violations.push({
        invariant: "7. idempotency",
        message: `One Idempotency-Key (${group.kind}) got different answers.`,
        evidence: {
          key: group.key,
          cart_id: group.cartId,
          answers: group.finals.map((f) => ({ status: f.status, body: JSON.stringify(f.body).slice(0, 400) })),
        },
      });
    }
  }
  // Per cart: checkouts and gateway authorizations against the requests that could make
  // them. A crash under a request makes the restarted object settle what that request had
  // begun — roll a start back, void a payment (docs/architecture.md, Crash safety) — and the retry
  // then begins afresh: each crash under a request allows one more authorization (the
  // interrupted one voided: the gateway-ledger checks above prove it). A request answered
  // 5xx is not stored and "retrying is safe" (docs/contract.md): a repeat with its key, a waiting
  // duplicate included, runs again after the first rolled back completely. So checkouts
  // that failed do not count as duplicates — they hold nothing (checked above) and never
  // overlap another checkout of the cart (checked below).
  checked.push("7. idempotency: no duplicate submission made a second standing checkout or authorization (beyond one per crash that cut the request)");
  const authorizations = new Map(
    d1
      .all<{ cart_id: string; charges: number; standing: number }>(
        `SELECT json_extract(metadata, '$.cart_id') AS cart_id, COUNT(*) AS charges, SUM(CASE WHEN status IN ('authorized', 'captured') THEN 1 ELSE 0 END) AS standing
         FROM test_gateway_charges WHERE status <> 'void_requested' GROUP BY cart_id`,
      )
      .map((r) => [r.cart_id, r]),
  );
  const checkoutsPerCart = new Map(
    d1
      .all<{ cart_id: string; n: number }>("SELECT cart_id, COUNT(*) AS n FROM checkouts WHERE state <> 'failed' GROUP BY cart_id")
      .map((r) => [r.cart_id, r.n]),
  );
  const byCart = new Map<string, { completes: number; starts: number; crashesUnderStarts: number; crashesUnderPayments: number; keys: string[] }>();
  for (const group of observations.groups) {
    if (!group.cartId || (group.kind !== "complete" && group.kind !== "start")) continue;
    const entry = byCart.get(group.cartId) ?? { completes: 0, starts: 0, crashesUnderStarts: 0, crashesUnderPayments: 0, keys: [] };
    // A request never answered may have been cut by a later crash: allow one.
    const crashes = group.finals.length === 0 ? 1 : group.lastEpoch - group.firstEpoch;
    if (group.kind === "complete") {
      entry.completes++;
      entry.crashesUnderPayments += crashes;
    } else entry.starts++;
    // A complete with no active checkout starts one too.
    entry.crashesUnderStarts += crashes;
    entry.keys.push(group.key);
    byCart.set(group.cartId, entry);
  }
  for (const [cartId, entry] of byCart) {
    const charges = authorizations.get(cartId);
    if (charges && charges.charges > entry.completes + entry.crashesUnderPayments) {
      violations.push({
        invariant: "7. idempotency",
        message: "A cart has more gateway authorizations than payment requests (plus crashes under them).",
        evidence: {
          cart_id: cartId,
          authorizations: charges.charges,
          payment_requests: entry.completes,
          crashes_under_payments: entry.crashesUnderPayments,
          keys: entry.keys,
        },
      });
    }
    if (charges && charges.standing > 1) {
      violations.push({
        invariant: "7. idempotency",
        message: "A cart has more than one authorization standing or captured.",
        evidence: { ...charges, cart_id: cartId },
      });
    }
    const checkouts = checkoutsPerCart.get(cartId) ?? 0;
    if (checkouts > entry.completes + entry.starts + entry.crashesUnderStarts) {
      violations.push({
        invariant: "7. idempotency",
        message: "A cart has more checkouts that did not fail than requests that could start one (plus crashes under them).",
        evidence: {
          cart_id: cartId,
          checkouts,
          start_requests: entry.starts,
          complete_requests: entry.completes,
          crashes_under_them: entry.crashesUnderStarts,
          keys: entry.keys,
        },
      });
    }
  }
  checked.push("6./7. one checkout at a time: no two checkouts of one cart were ever open together");
  const overlapping = d1.all(
    `SELECT a.cart_id, a.id AS earlier, b.id AS later, b.created_at AS later_started,
       COALESCE(a.completed_at, a.failed_at, a.cancelled_at, a.expired_at) AS earlier_ended
     FROM checkouts a JOIN checkouts b ON a.cart_id = b.cart_id AND a.id <> b.id AND (b.created_at > a.created_at OR (b.created_at = a.created_at AND b.id > a.id))
     WHERE earlier_ended IS NULL OR b.created_at < earlier_ended`,
  );
  fail("7. idempotency", "Two checkouts of one cart were open at the same time.", overlapping);

  checked.push("7. idempotency: a duplicated create made one cart");
  for (const group of observations.groups.filter((g) => g.kind === "create")) {
    const ids = new Set(group.finals.map(createdCartId));
    if (ids.size > 1)
      violations.push({ invariant: "7. idempotency", message: "One create key made more than one cart.", evidence: { key: group.key, cart_ids: [...ids] } });
  }

  const states = d1.all<{ state: string; n: number }>("SELECT state, COUNT(*) AS n FROM checkouts GROUP BY state");
  const byState = Object.fromEntries(states.map((s) => [s.state, s.n]));
  const failures = d1.all<{ code: string | null; n: number }>(
    "SELECT json_extract(failure_reason, '$.code') AS code, COUNT(*) AS n FROM checkouts WHERE state = 'failed' GROUP BY code ORDER BY n DESC",
  );
  const failedBy = Object.fromEntries(failures.map((f) => [f.code ?? "unknown", f.n]));
  violations.push(...moneyInGatewayUnits(d1));
  checked.push(MONEY_IN_GATEWAY_UNITS);
  checkRefunds(d1, check, fail, checked);
  violations.push(...purchaseLimits(d1, input.flash, observations));
  checked.push(PURCHASE_LIMITS);
  return { violations, checked, counts: { attempted: states.reduce((sum, s) => sum + s.n, 0), byState, failedBy } };
}

/** The cart a creation's answer names: its 201's cart, or the one a repeat's 409 cart_exists names. */
function createdCartId(answer: { status: number; body: unknown }): string | undefined {
  const body = answer.body as { cart?: { id?: string }; error?: { code?: string; details?: { cart_id?: string } } } | null;
  if (answer.status === 201) return body?.cart?.id;
  return body?.error?.code === "cart_exists" ? body.error.details?.cart_id : undefined;
}
