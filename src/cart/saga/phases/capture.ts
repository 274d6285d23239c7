/**
 * Phase 6, payment capture: the pivot. Before it any failure undoes every reached phase;
 * after it the saga only goes forward. A capture whose answer was lost is resolved with
 * the gateway (a void tells) before either side is chosen; it has no undo of its own
 * (the authorization's void undoes an uncaptured payment).
 */
import { isQuoteIntact } from "../../../checkout/quote";
import { AppError } from "../../../lib/errors";
import { paymentKeys } from "../../../payments/gateway";
import type { CheckoutFailure, CheckoutRecord, PaymentAttempt } from "../../cart-state";
import { attemptAmount, safely, voidAttempt } from "../gateway-calls";
import type { SagaContext, Stop } from "../saga-context";

/** Captures exactly what was authorized; "captured" means past the pivot. */
export async function capture(ctx: SagaContext, rec: CheckoutRecord, attempt: PaymentAttempt): Promise<"captured" | Stop> {
  // Nothing to capture (a total of 0): the order it created stands.
  if (attempt.status === "not_required") return pivot(ctx, rec, attempt);
  const { host } = ctx;
  const quote = rec.quote!;
  const asked = attemptAmount(rec, attempt);
  const result = await safely(async () => {
    await ctx.checkpoint("payment_capture");
    // The amount is checked against the signed quote again.
    if (!(await isQuoteIntact(host.quoteSecret, quote))) throw new Error("The quote signature does not match its contents.");
    return host.gateway.capture({
      idempotencyKey: paymentKeys.capture(rec.id, attempt.number),
      reference: attempt.reference!,
      amount: asked,
      currency: quote.currency,
    });
  });
  await ctx.checkpoint("payment_capture:sent");
  if (result.status === "captured") {
    if (result.amount !== asked)
      ctx.log.error("payment.capture_amount_mismatch", ctx.fields(rec, { captured: result.amount, asked, quote_total: quote.total }));
    return pivot(ctx, rec, attempt);
  }
  if (result.status === "error") {
    // The capture may have happened even though we did not hear back: a void tells.
    const outcome = await captureOutcome(ctx, rec, attempt);
    if (outcome === "captured") return pivot(ctx, rec, attempt);
    if (outcome === "unknown") {
      // Neither side of the pivot is known: decide nothing now; the alarm asks the gateway again.
      await ctx.retryLater(rec, new Error(result.message));
      throw new AppError("payment_gateway_error", "The payment gateway did not answer; the payment will be completed or voided shortly.", {
        phase: "payment_capture",
        checkout_id: rec.id,
      });
    }
  }
  const declined = result.status === "declined";
  const failure: CheckoutFailure = { phase: "payment_capture", code: declined ? "payment_declined" : "payment_gateway_error", message: result.message };
  const error = declined
    ? new AppError("payment_declined", "The payment could not be captured; the checkout was rolled back.", {
        phase: "payment_capture",
        decline_code: result.declineCode,
        checkout_id: rec.id,
        can_resume: false,
      })
    : new AppError("payment_gateway_error", "The payment gateway failed; the payment was voided. Retrying is safe.", {
        phase: "payment_capture",
        checkout_id: rec.id,
      });
  return { stop: "roll_back", target: "failed", failure, error };
}

/**
 * After a capture whose answer was lost: asks the gateway to void. "Already captured"
 * means we are past the pivot; voided (or never authorized) means we are not; no
 * answer means we cannot know yet.
 */
export async function captureOutcome(ctx: SagaContext, rec: CheckoutRecord, attempt: PaymentAttempt): Promise<"captured" | "voided" | "unknown"> {
  if (attempt.status === "not_required") return "captured";
  const result = await voidAttempt(ctx.host.gateway, rec, attempt);
  if (result.status === "voided") attempt.status = "voided";
  if (result.status === "not_found") attempt.status = "failed";
  ctx.host.saveCheckout(rec);
  if (result.status === "already_captured") return "captured";
  return result.status === "error" ? "unknown" : "voided";
}

/** Past the pivot: the money moved, the saga only goes forward from here. */
export function pivot(ctx: SagaContext, rec: CheckoutRecord, attempt: PaymentAttempt): "captured" {
  if (attempt.status !== "not_required") attempt.status = "captured";
  ctx.transition(rec, "captured");
  ctx.log.info("payment.captured", ctx.fields(rec, { amount: rec.quote!.total, attempt: attempt.number, provider: attempt.provider }));
  return "captured";
}
