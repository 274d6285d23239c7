/**
 * The cross-ledger queries both checkers run: the chaos harness's against its D1 file
 * and the integration suite's (test/support/invariants.ts) against the test D1. Each
 * selects the rows that break its promise (none when it holds). Imports nothing, so the
 * Node harness and the Workers tests can both load it; "sold" comes from the caller
 * (sold-orders.ts) for the same reason.
 */
export function ledgerQueries(sold: (order: string) => string) {
  return {
    /** The gateway's own ledger against the quote, not against the order the code wrote from it: amount, currency, captured amount. */
    gatewayAgainstQuote: `SELECT g.id, g.status, g.amount, g.captured_amount, g.currency, q.total AS quote_total, q.currency AS quote_currency
     FROM test_gateway_charges g JOIN quotes q ON q.checkout_id = json_extract(g.metadata, '$.checkout_id')
     WHERE g.status <> 'void_requested'
       AND (g.amount <> q.total OR g.currency <> q.currency OR (g.status IN ('captured', 'refunded') AND g.captured_amount IS NOT q.total))`,
    /** A checkout, its quote, its order, its payments and its gateway charges in one currency (a void's tombstone is no charge). */
    oneCurrency: `SELECT c.id, c.currency, q.currency AS quote_currency, o.currency AS order_currency,
       (SELECT GROUP_CONCAT(DISTINCT p.currency) FROM payments p WHERE p.checkout_id = c.id) AS payment_currencies,
       (SELECT GROUP_CONCAT(DISTINCT g.currency) FROM test_gateway_charges g WHERE json_extract(g.metadata, '$.checkout_id') = c.id) AS gateway_currencies
     FROM checkouts c LEFT JOIN quotes q ON q.checkout_id = c.id LEFT JOIN orders o ON o.checkout_id = c.id
     WHERE (q.id IS NOT NULL AND q.currency IS NOT c.currency)
        OR (o.id IS NOT NULL AND o.currency IS NOT c.currency)
        OR EXISTS (SELECT 1 FROM payments p WHERE p.checkout_id = c.id AND p.currency <> c.currency)
        OR EXISTS (SELECT 1 FROM test_gateway_charges g WHERE json_extract(g.metadata, '$.checkout_id') = c.id AND g.status <> 'void_requested' AND g.currency <> c.currency)`,
    /** One deadline: a checkout's reservations and quote expire when it does. */
    oneDeadline: `SELECT c.id, c.expires_at, 'reservation' AS kind, r.variant_id AS item, r.expires_at AS other FROM checkouts c JOIN stock_reservations r ON r.checkout_id = c.id WHERE r.expires_at <> c.expires_at
     UNION ALL
     SELECT c.id, c.expires_at, 'quote', q.id, q.expires_at FROM checkouts c JOIN quotes q ON q.checkout_id = c.id WHERE q.expires_at <> c.expires_at`,
    /** Per sold order and variant: order lines = quote lines = committed reservation. */
    sumsPerCheckout: `WITH paid AS (SELECT o.id AS order_id, o.checkout_id FROM orders o WHERE ${sold("o")}),
       ordered AS (SELECT p.checkout_id, ol.variant_id, SUM(ol.quantity) AS n FROM paid p JOIN order_lines ol ON ol.order_id = p.order_id GROUP BY 1, 2),
       quoted AS (SELECT p.checkout_id, json_extract(l.value, '$.variant_id') AS variant_id, SUM(json_extract(l.value, '$.quantity')) AS n
                  FROM paid p JOIN quotes q ON q.checkout_id = p.checkout_id, json_each(q.body, '$.lines') l GROUP BY 1, 2),
       reserved AS (SELECT p.checkout_id, r.variant_id, SUM(CASE WHEN r.status = 'committed' THEN r.quantity ELSE 0 END) AS n FROM paid p JOIN stock_reservations r ON r.checkout_id = p.checkout_id GROUP BY 1, 2),
       keys AS (SELECT checkout_id, variant_id FROM ordered UNION SELECT checkout_id, variant_id FROM quoted UNION SELECT checkout_id, variant_id FROM reserved)
     SELECT k.checkout_id, k.variant_id, o.n AS ordered, q.n AS quoted, r.n AS reserved
     FROM keys k LEFT JOIN ordered o USING (checkout_id, variant_id) LEFT JOIN quoted q USING (checkout_id, variant_id) LEFT JOIN reserved r USING (checkout_id, variant_id)
     WHERE o.n IS NOT q.n OR q.n IS NOT r.n`,
    /** Sold orders without their order.created event. */
    unannouncedOrders: `SELECT o.id AS subject, 'order.created' AS missing FROM orders o WHERE ${sold("o")} AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.id = 'evt_order_created_' || o.id)`,
    /** Discount uses the other way round: each code a completed checkout's quote applied was consumed by it. */
    unconsumedCodes: `SELECT c.id AS checkout_id, code.value AS code, r.status
     FROM checkouts c JOIN quotes q ON q.checkout_id = c.id, json_each(q.body, '$.discount_codes') code
     LEFT JOIN discount_reservations r ON r.checkout_id = c.id AND r.code = code.value
     WHERE c.state = 'completed' AND r.status IS NOT 'consumed'`,
  };
}
