/**
 * Diagnostics of refunds (invariant 9): no order refunded past its capture, no line
 * past its quantity, refunded_total equal to the succeeded refunds; refunds stuck
 * pending past the reconciliation bound; gateway refunds that match no refund of ours.
 */
import { PENDING_REFUND_BOUND_MS } from "../jobs/refund-reconciliation";
import type { DiagnosticCheck } from "./diagnostic-check";

const SAMPLE = 20;

export async function refundChecks(d1: D1Database, now: number): Promise<DiagnosticCheck[]> {
  const overRefunded = `
    SELECT order_id, captured, holding, refunded_total, succeeded FROM (
      SELECT o.id AS order_id, o.refunded_total,
        (SELECT COALESCE(SUM(COALESCE(p.captured_amount, p.amount)), 0) FROM payments p WHERE p.checkout_id = o.checkout_id AND p.status = 'captured') AS captured,
        (SELECT COALESCE(SUM(amount), 0) FROM refunds r WHERE r.order_id = o.id AND r.status IN ('pending', 'succeeded')) AS holding,
        (SELECT COALESCE(SUM(amount), 0) FROM refunds r WHERE r.order_id = o.id AND r.status = 'succeeded') AS succeeded
      FROM orders o WHERE EXISTS (SELECT 1 FROM refunds r WHERE r.order_id = o.id))
    WHERE holding > captured OR refunded_total != succeeded`;
  const overLines = `
    SELECT rl.order_id, rl.line_id, ol.quantity, SUM(rl.quantity) AS refunded
    FROM refund_lines rl JOIN refunds r ON r.id = rl.refund_id AND r.status IN ('pending', 'succeeded')
    LEFT JOIN order_lines ol ON ol.order_id = rl.order_id AND ol.line_id = rl.line_id
    GROUP BY rl.order_id, rl.line_id HAVING ol.quantity IS NULL OR SUM(rl.quantity) > ol.quantity`;
  const stuck = `SELECT id AS refund_id, order_id, amount, created_at FROM refunds WHERE status = 'pending' AND created_at < ?1`;
  // One row per event; a refund's later events supersede its earlier ones. Amounts are the gateway's units.
  const unmatched = `
    SELECT event_id, provider, reference, payment_reference, status, amount, currency, received_at FROM unmatched_gateway_refunds u
    WHERE NOT EXISTS (SELECT 1 FROM unmatched_gateway_refunds l WHERE l.provider = u.provider AND l.reference = u.reference
      AND (l.received_at > u.received_at OR (l.received_at = u.received_at AND l.event_id > u.event_id)))`;
  const bound = new Date(now - PENDING_REFUND_BOUND_MS).toISOString();
  const [a, b, c, d] = await d1.batch([
    d1.prepare(`${overRefunded} LIMIT ${SAMPLE}`),
    d1.prepare(`${overLines} LIMIT ${SAMPLE}`),
    d1.prepare(`${stuck} ORDER BY created_at LIMIT ${SAMPLE}`).bind(bound),
    d1.prepare(`${unmatched} ORDER BY received_at DESC LIMIT ${SAMPLE}`),
  ]);
  const rows = (r: D1Result | undefined) => (r?.results ?? []) as Record<string, unknown>[];
  const over = [...rows(a), ...rows(b)];
  return [
    over.length === 0
      ? {
          name: "refunds_within_capture",
          status: "ok",
          details: { summary: "No order is refunded past its capture, no line past its quantity; refunded totals equal the succeeded refunds." },
        }
      : {
          name: "refunds_within_capture",
          status: "fail",
          details: { summary: `${over.length} order(s) or line(s) are refunded past what was captured or sold.`, orders: rows(a), lines: rows(b) },
        },
    rows(c).length === 0
      ? { name: "no_stuck_refunds", status: "ok", details: { summary: `No refund has been pending for over ${PENDING_REFUND_BOUND_MS / 60_000} minutes.` } }
      : {
          name: "no_stuck_refunds",
          status: "warn",
          details: {
            summary: `${rows(c).length} refund(s) are pending past ${PENDING_REFUND_BOUND_MS / 60_000} minutes; the cleanup job asks the gateway again.`,
            refunds: rows(c),
          },
        },
    rows(d).length === 0
      ? { name: "gateway_refunds_recorded", status: "ok", details: { summary: "Every refund the gateway reported matches a refund here." } }
      : {
          name: "gateway_refunds_recorded",
          status: "warn",
          details: { summary: `${rows(d).length} refund(s) reported by the gateway match no refund here (made outside this service?).`, refunds: rows(d) },
        },
  ];
}
