/**
 * Stripe's refund events (`refund.created`, `refund.updated`, `refund.failed`,
 * `charge.refund.updated`; each carries a Refund object). One that names a refund of
 * ours settles it through `settleFromGateway`, the path the refund's own answer takes,
 * so an event racing that answer, a replayed event and the cleanup job settle it once.
 * One that names no refund of ours (made in Stripe's dashboard, or by another system on
 * the account) is recorded in `unmatched_gateway_refunds` for diagnostics, never dropped.
 */
import { eq } from "drizzle-orm";
import { z } from "zod";
import { isoNow } from "../db/client";
import { refunds, unmatchedGatewayRefunds } from "../db/schema";
import { isId } from "../lib/ids";
import { refundOutcome } from "../payments/stripe-gateway";
import { readRefundState } from "./refund-records";
import { settleFromGateway, type RefundDeps } from "./refunds";

export const STRIPE_REFUND_EVENTS = new Set(["refund.created", "refund.updated", "refund.failed", "charge.refund.updated"]);

const StripeRefundObject = z.looseObject({
  id: z.string().min(1).max(255),
  object: z.literal("refund").optional(),
  amount: z.number().int().nonnegative(),
  currency: z.string().min(3).max(3).optional(),
  status: z.enum(["pending", "requires_action", "succeeded", "failed", "canceled"]),
  payment_intent: z.string().max(255).nullish(),
  metadata: z.record(z.string(), z.string()).nullish(),
});

export type StripeRefundEventResult =
  | { result: "applied"; refund_id: string; refund_status: string; order_id: string }
  | { result: "ignored"; reason: "refund_already_settled"; refund_id: string; refund_status: string; order_id: string }
  | { result: "recorded"; reason: "no_matching_refund" };

/** The event's Refund object, or the zod issues that make it not one. */
export function parseStripeRefund(object: unknown) {
  return StripeRefundObject.safeParse(object);
}

export async function applyStripeRefundEvent(
  deps: RefundDeps,
  event: { id: string; type: string; payload: string },
  refund: z.infer<typeof StripeRefundObject>,
): Promise<StripeRefundEventResult> {
  const ours = await findOurRefund(deps, refund);
  if (!ours) {
    await recordUnmatched(deps, event, refund);
    deps.log.warn("refund.unmatched_at_gateway", {
      event_id: event.id,
      type: event.type,
      reference: refund.id,
      payment_reference: refund.payment_intent ?? null,
      status: refund.status,
    });
    return { result: "recorded", reason: "no_matching_refund" };
  }
  const { state, row } = ours;
  const answer = refundOutcome({ id: refund.id, amount: refund.amount, status: refund.status });
  const same = { refund_id: row.id, order_id: row.orderId };
  if (row.status !== "pending") {
    // A late `pending` is only an event out of order; a refund Stripe fails after it
    // succeeded here (or the reverse) needs a person: the money is not where we recorded it.
    const disagrees = (row.status === "succeeded" && answer.status === "error") || (row.status === "failed" && answer.status === "refunded");
    if (disagrees)
      deps.log.error("refund.gateway_disagrees", { ...same, event_id: event.id, recorded: row.status, gateway_status: refund.status, reference: refund.id });
    return { result: "ignored", reason: "refund_already_settled", ...same, refund_status: row.status };
  }
  const settled = await settleFromGateway(deps, state, row, answer);
  return { result: "applied", ...same, refund_status: settled === "unknown" ? "pending" : settled };
}

/**
 * Ours when its reference is one we recorded, or its metadata names one of our refunds
 * of the very PaymentIntent it refunds (the metadata we send with every refund).
 */
async function findOurRefund(deps: RefundDeps, refund: z.infer<typeof StripeRefundObject>) {
  const byReference = await deps.db.select({ id: refunds.id, orderId: refunds.orderId }).from(refunds).where(eq(refunds.gatewayReference, refund.id)).limit(1);
  const named = refund.metadata?.refund_id;
  let hit = byReference[0];
  if (!hit && named && isId("ref", named)) {
    hit = (await deps.db.select({ id: refunds.id, orderId: refunds.orderId }).from(refunds).where(eq(refunds.id, named)).limit(1))[0];
  }
  if (!hit) return null;
  const state = await readRefundState(deps.db, hit.orderId);
  const row = state?.refunds.find((r) => r.id === hit.id);
  if (!state || !row || state.payment?.provider !== "stripe") return null;
  if (refund.payment_intent && refund.payment_intent !== state.payment.reference) return null;
  if (row.gatewayReference && row.gatewayReference !== refund.id) return null;
  return { state, row };
}

/** One row per event (a replayed event is the same row); diagnostics show each reference's latest. */
async function recordUnmatched(deps: RefundDeps, event: { id: string; payload: string }, refund: z.infer<typeof StripeRefundObject>): Promise<void> {
  await deps.db
    .insert(unmatchedGatewayRefunds)
    .values({
      eventId: event.id,
      provider: "stripe",
      reference: refund.id,
      paymentReference: refund.payment_intent ?? null,
      status: refund.status,
      amount: refund.amount,
      currency: refund.currency?.toUpperCase() ?? null,
      payload: JSON.parse(event.payload) as unknown,
      receivedAt: isoNow(),
    })
    .onConflictDoNothing();
}
