/**
 * Carrying out the recovery plan (checkout/recovery-plan.ts, a pure decision from the
 * stored record and the clock) for a checkout found unfinished in storage. Nothing of
 * the request that was running is in memory any more.
 */
import { planRecovery } from "../../checkout/recovery-plan";
import type { CheckoutRecord } from "../cart-state";
import { finishRollback, resetPayment, rollback } from "./compensation";
import { captureOutcome, pivot } from "./phases/capture";
import { commit } from "./phases/commit";
import { expiredFailure } from "./refusals";
import type { SagaContext, StepResult } from "./saga-context";

/** Brings the checkout to a terminal or `locked` state, or leaves a retry scheduled. */
export async function recover(ctx: SagaContext, rec: CheckoutRecord): Promise<void> {
  try {
    await carryOut(ctx, rec);
  } catch (error) {
    // Anything unexpected (a bug, a runtime error) is retried by the alarm, not lost.
    await ctx.retryLater(rec, error);
  }
}

async function carryOut(ctx: SagaContext, rec: CheckoutRecord): Promise<StepResult> {
  const plan = planRecovery(rec, Date.now());
  switch (plan.kind) {
    case "none":
      return "done";
    case "rollback": {
      const failure =
        plan.reason === "interrupted"
          ? { phase: rec.phase, code: "interrupted", message: "The checkout was interrupted and rolled back." }
          : expiredFailure(rec);
      return rollback(ctx, rec, plan.target, failure);
    }
    case "reset_payment":
      return resetPayment(ctx, rec);
    case "resolve_capture": {
      const attempt = rec.attempts.at(-1)!;
      const outcome = await captureOutcome(ctx, rec, attempt);
      if (outcome === "captured") {
        pivot(ctx, rec, attempt);
        return commit(ctx, rec);
      }
      // Not knowing whether the money moved, neither void nor commit: ask again later.
      if (outcome === "unknown") return ctx.retryLater(rec, new Error("The gateway did not say whether the capture happened."));
      return plan.otherwise.kind === "rollback" ? rollback(ctx, rec, "expired", expiredFailure(rec)) : resetPayment(ctx, rec);
    }
    case "commit":
      return commit(ctx, rec);
    case "finish_rollback":
      return finishRollback(ctx, rec);
  }
}
