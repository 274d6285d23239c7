/**
 * What "sold" means to the checker now that orders are refunded and cancelled after the
 * sale: an order that is paid, partly or fully refunded, or cancelled by its own
 * succeeded cancellation (a rollback also leaves an unpaid order `cancelled`). And at the
 * gateway: a charge captured, or refunded by refunds that name one of our refunds (the
 * saga's own rollback refunds name none).
 */
export const SOLD_STATUSES = ["paid", "partially_refunded", "refunded", "cancelled"] as const;

/** SQL: the order aliased `o` was sold. */
export function soldOrder(o: string): string {
  return `(${o}.status IN ('paid', 'partially_refunded', 'refunded') OR (${o}.status = 'cancelled' AND EXISTS (SELECT 1 FROM refunds sold_r WHERE sold_r.order_id = ${o}.id AND sold_r.kind = 'cancel' AND sold_r.status = 'succeeded')))`;
}

/** SQL: the gateway charge aliased `g` was refunded by an order's refunds (not by a rollback). */
export function refundedByOrder(g: string): string {
  return `EXISTS (SELECT 1 FROM test_gateway_refunds sold_gr WHERE sold_gr.charge_id = ${g}.id AND json_extract(sold_gr.metadata, '$.refund_id') IS NOT NULL)`;
}

/** SQL: the gateway charge aliased `g` is a sale's capture (captured, or since refunded by its order's refunds). */
export function gatewaySold(g: string): string {
  return `(${g}.status = 'captured' OR (${g}.status = 'refunded' AND ${refundedByOrder(g)}))`;
}
