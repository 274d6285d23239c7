/**
 * Cleanup step: refunds stuck `pending` past a bound (the request that wrote them
 * crashed, or the gateway did not answer) are asked of the gateway again under their own
 * key, which refunds at most once, and settled with its answer. Bounded per run.
 */
import { and, asc, eq, lt } from "drizzle-orm";
import type { Database } from "../db/client";
import { isoNow } from "../db/client";
import { refunds } from "../db/schema";
import type { Logger } from "../lib/logger";
import { errorFields } from "../lib/logger";
import type { PaymentGateway } from "../payments/gateway";
import { readRefundState } from "../orders/refund-records";
import { driveRefund } from "../orders/refunds";

/** A refund younger than this may still be in its own request: leave it to that request. */
export const PENDING_REFUND_BOUND_MS = 2 * 60_000;

export interface RefundReconciliation {
  settled_refunds: number;
  pending_refunds: number;
  errors: number;
  more: boolean;
}

export async function reconcileRefunds(
  deps: { db: Database; gateway: PaymentGateway; log: Logger },
  now: number,
  limit: number,
): Promise<RefundReconciliation> {
  const result: RefundReconciliation = { settled_refunds: 0, pending_refunds: 0, errors: 0, more: false };
  const stuck = await deps.db
    .select({ id: refunds.id, orderId: refunds.orderId })
    .from(refunds)
    .where(and(eq(refunds.status, "pending"), lt(refunds.createdAt, isoNow(now - PENDING_REFUND_BOUND_MS))))
    .orderBy(asc(refunds.createdAt))
    .limit(limit);
  for (const row of stuck) {
    try {
      const state = await readRefundState(deps.db, row.orderId);
      const refund = state?.refunds.find((r) => r.id === row.id);
      if (!state || !refund) continue;
      const outcome = await driveRefund(deps, state, refund);
      if (outcome === "succeeded" || outcome === "failed") result.settled_refunds++;
      else result.pending_refunds++;
      deps.log.info("cleanup.refund_reconciled", { refund_id: row.id, order_id: row.orderId, outcome });
    } catch (error) {
      result.errors++;
      deps.log.error("cleanup.refund_reconcile_failed", { refund_id: row.id, ...errorFields(error) });
    }
  }
  result.more = stuck.length === limit && result.settled_refunds > 0;
  return result;
}
