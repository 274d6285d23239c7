/**
 * Phase 4, payment authorization: exactly the quote total, in the gateway's units, or
 * nothing. A decline or a gateway failure leaves the checkout `locked` with its stock and
 * quote, so the shopper pays the same quote again; 3-D Secure waits, locked, to be
 * resumed. Its undo voids every live authorization at the gateway (before the
 * compensation batch) and records the attempts in that batch.
 */
import { upsertPayment, upsertCheckoutRow, timelineEntry } from "../../../db/checkout-records";
import { isQuoteIntact } from "../../../checkout/quote";
import { currencyExponent } from "../../../db/catalog";
import { isoNow, type Database } from "../../../db/client";
import { AppError } from "../../../lib/errors";
import { newId } from "../../../lib/ids";
import { errorFields } from "../../../lib/logger";
import { paymentKeys, samePaymentMethod, type PaymentMethodInput } from "../../../payments/gateway";
import type { ActionRequired } from "../../cart-rpc";
import type { CheckoutFailure, CheckoutRecord, PaymentAttempt } from "../../cart-state";
import { checkoutJson } from "../../../contract/checkout";
import { paymentNotRequired, priceDrift, quoteTotalInGatewayUnits } from "../../checkout-charge";
import { attemptAmount, authorizeRequest, retrieveAuthorization, safely, voidAttempt } from "../gateway-calls";
import { extendForChallenge } from "../deadline-extension";
import { clientError, expiredError, expiredFailure } from "../refusals";
import type { SagaContext, StepResult, Stop } from "../saga-context";

export interface PaymentInput {
  payment: PaymentMethodInput;
  expectedTotal?: number;
  /** The request's Idempotency-Key. */
  requestKey?: string;
}

/** The authorized attempt, or how the request stops; refusals that change nothing are thrown. */
export async function authorize(ctx: SagaContext, rec: CheckoutRecord, input: PaymentInput): Promise<{ attempt: PaymentAttempt } | Stop> {
  const { host } = ctx;
  if (Date.parse(rec.expiresAt) <= Date.now()) return { stop: "roll_back", target: "expired", failure: expiredFailure(rec), error: expiredError(rec) };
  const quote = rec.quote!;
  // The shopper pays the total they were shown, or nothing: a drifted quote is refused (still held).
  const drift = priceDrift(quote.total, input.expectedTotal, ctx.config.priceDriftTolerance);
  if (drift) {
    ctx.log.warn("checkout.price_drift", ctx.fields(rec, { expected_total: input.expectedTotal, actual_total: quote.total }));
    throw drift;
  }
  // A stored quote that no longer matches its signature is never paid for: nothing is
  // authorized, the checkout rolls back, and a retry starts over with a fresh quote.
  if (!(await isQuoteIntact(host.quoteSecret, quote))) {
    const failure: CheckoutFailure = { phase: rec.phase, code: "quote_signature_mismatch", message: "The stored quote does not match its signature." };
    ctx.log.error("checkout.quote_signature_mismatch", ctx.fields(rec));
    return { stop: "roll_back", target: "failed", failure, error: clientError(rec, new Error(failure.message), failure) };
  }
  if (quote.total === 0) return { attempt: await withoutPayment(ctx, rec, input) };
  // A payment still waiting for the shopper (3-D Secure) is resumed, not paid twice.
  const awaiting = await awaitingAttempt(ctx, rec, input.payment);
  if (awaiting && input.requestKey !== undefined) awaiting.requestKey = input.requestKey;

  const attempt: PaymentAttempt = awaiting ?? {
    number: rec.attempts.length + 1,
    paymentId: newId("pay"),
    provider: host.gateway.provider,
    key: paymentKeys.authorize(rec.id, rec.attempts.length + 1),
    amount: await gatewayTotal(ctx, rec),
    method: input.payment,
    requestKey: input.requestKey ?? null,
    status: "pending",
    reference: null,
    declineCode: null,
    recorded: false,
  };
  if (!awaiting) rec.attempts.push(attempt);
  ctx.transition(rec, "pay");
  // In flight from here: the alarm moves close (IN_FLIGHT_RECHECK_MS) before the gateway
  // is called, so an instance dying mid-payment gets its authorization voided in seconds.
  await host.scheduleAlarm();
  const auth = await safely(async () => {
    await ctx.checkpoint("payment_authorization");
    return awaiting ? retrieveAuthorization(host.gateway, rec, attempt) : host.gateway.authorize(authorizeRequest(rec, attempt));
  });
  await ctx.checkpoint("payment_authorization:sent");
  switch (auth.status) {
    case "declined": {
      attempt.status = "declined";
      attempt.declineCode = auth.declineCode;
      attempt.reference = auth.reference ?? null;
      ctx.transition(rec, "declined");
      ctx.log.info("payment.declined", ctx.fields(rec, { decline_code: auth.declineCode, attempt: attempt.number }));
      await recordAttempt(ctx, rec, attempt, "payment_declined");
      throw new AppError("payment_declined", auth.message, {
        decline_code: auth.declineCode,
        checkout_id: rec.id,
        can_resume: true,
        phase: "payment_authorization",
      });
    }
    case "requires_action": {
      attempt.status = "requires_action";
      attempt.reference = auth.reference;
      attempt.clientSecret = auth.clientSecret;
      // Locked again: it waits for the shopper; a later complete or the gateway's webhook resumes it.
      ctx.transition(rec, "action_required");
      await recordAttempt(ctx, rec, attempt, "payment_requires_action");
      // The bank's challenge takes time: the deadline is extended once (deadline-extension.ts).
      const deadlineExtension = await extendForChallenge(ctx, rec);
      const outcome: ActionRequired = {
        status: 202,
        body: {
          checkout: checkoutJson(rec, Date.now()),
          next_action: { type: "stripe_sdk", client_secret: auth.clientSecret },
          deadline_extension: deadlineExtension,
        },
      };
      return { stop: "answer", outcome };
    }
    case "error": {
      if (awaiting) {
        // Asking about a waiting payment failed: nothing changed, it still waits.
        ctx.transition(rec, "action_required");
        throw new AppError("payment_gateway_error", "The payment gateway could not be reached; the payment still waits. Retrying is safe.", {
          phase: "payment_authorization",
          checkout_id: rec.id,
        });
      }
      // Like a decline: the attempt is voided (so nothing stays held at the gateway) and the
      // checkout stays locked with its stock and quote, so a retry pays this same quote.
      ctx.log.warn("payment.gateway_error", ctx.fields(rec, { attempt: attempt.number, message: auth.message }));
      const error = new AppError("payment_gateway_error", "The payment gateway failed; nothing was charged and the checkout is still held. Retrying is safe.", {
        phase: "payment_authorization",
        checkout_id: rec.id,
        can_resume: true,
      });
      return { stop: "reset_payment", error };
    }
  }
  attempt.status = "authorized";
  attempt.reference = auth.reference;
  // Compared in the gateway's units with exactly what was asked: never rounded either way.
  const asked = attemptAmount(rec, attempt);
  if (auth.amount !== asked) {
    const failure: CheckoutFailure = {
      phase: "payment_authorization",
      code: "amount_mismatch",
      message: `Authorized ${auth.amount}, asked for ${asked} (quote ${quote.total}).`,
    };
    ctx.log.error("payment.amount_mismatch", ctx.fields(rec, { authorized: auth.amount, asked, quote_total: quote.total, reference: auth.reference }));
    return { stop: "roll_back", target: "failed", failure, error: clientError(rec, new AppError("payment_gateway_error", failure.message), failure) };
  }
  return { attempt };
}

/** A total of 0: an attempt that needs no gateway call at all. */
async function withoutPayment(ctx: SagaContext, rec: CheckoutRecord, input: PaymentInput): Promise<PaymentAttempt> {
  const attempt = paymentNotRequired(rec, input.payment, input.requestKey ?? null);
  rec.attempts.push(attempt);
  ctx.transition(rec, "pay");
  await ctx.host.scheduleAlarm();
  return attempt;
}

/** The quote total in the gateway's units, at the exponent the quote was priced with. */
async function gatewayTotal(ctx: SagaContext, rec: CheckoutRecord): Promise<number> {
  // A checkout locked before the exponent was kept asks the catalog once.
  rec.currencyExponent ??= (await currencyExponent(ctx.db, rec.currency)) ?? undefined;
  if (rec.currencyExponent === undefined) throw new Error(`The currency ${rec.currency} is not in the catalog.`);
  return quoteTotalInGatewayUnits(ctx.host.gateway.provider, rec, rec.currencyExponent);
}

/**
 * The last attempt, if it waits for the shopper (3-D Secure) and `payment` names its
 * method: that one is resumed. With another method the waiting one is voided first,
 * so a checkout never holds two live authorizations.
 */
async function awaitingAttempt(ctx: SagaContext, rec: CheckoutRecord, payment: PaymentMethodInput): Promise<PaymentAttempt | null> {
  const last = rec.attempts.at(-1);
  if (last?.status !== "requires_action") return null;
  if (samePaymentMethod(last.method, payment)) return last;
  const result = await voidAttempt(ctx.host.gateway, rec, last);
  if (result.status === "error") {
    throw new AppError("payment_gateway_error", "The waiting payment could not be cancelled; nothing changed. Retrying is safe.", {
      phase: "payment_authorization",
      checkout_id: rec.id,
    });
  }
  // It went through after all (the shopper finished 3-D Secure meanwhile): finish that one.
  if (result.status === "already_captured") return last;
  last.status = result.status === "voided" ? "voided" : "failed";
  ctx.host.saveCheckout(rec);
  ctx.log.info("payment.waiting_voided", ctx.fields(rec, { attempt: last.number, result: result.status }));
  await recordAttempt(ctx, rec, last, "payment_voided");
  return null;
}

/** Records an attempt's outcome in D1; if that fails it is written with the checkout's next batch. */
async function recordAttempt(ctx: SagaContext, rec: CheckoutRecord, attempt: PaymentAttempt, event: string): Promise<void> {
  const now = isoNow();
  const { db } = ctx;
  try {
    await db.batch([
      upsertPayment(db, rec, attempt, now),
      upsertCheckoutRow(db, rec, now),
      timelineEntry(db, rec, event, `${event}:${attempt.number}`, now, { attempt: attempt.number, decline_code: attempt.declineCode }),
    ]);
    attempt.recorded = true;
    ctx.host.saveCheckout(rec);
  } catch (error) {
    ctx.log.warn("payment.record_deferred", ctx.fields(rec, errorFields(error)));
  }
}

/**
 * The undo at the gateway: every live authorization voided (a total of 0 only changes
 * its record). `handOver`: past the deadline a void that fails is left to the payment
 * reconciliation. "retrying" when the gateway did not answer: the undo is asked again.
 */
export async function voidAttempts(ctx: SagaContext, rec: CheckoutRecord, handOver = false): Promise<StepResult> {
  const { host } = ctx;
  for (const attempt of rec.attempts) {
    if (attempt.status === "not_required") {
      // Nothing was charged: only the record changes.
      attempt.status = "voided";
      host.saveCheckout(rec);
      continue;
    }
    if (!["pending", "authorized", "requires_action"].includes(attempt.status)) continue;
    const result = await voidAttempt(host.gateway, rec, attempt);
    if (result.status === "error" && handOver && Date.parse(rec.expiresAt) <= Date.now()) {
      // A gateway that keeps failing must not hold the cart and its stock for good: the
      // checkout ends, and its payment stays 'authorized' in D1 (whatever it holds), where
      // the reconciliation voids it under the same keys once the gateway answers.
      attempt.status = "authorized";
      ctx.log.error("rollback.void_handed_over", ctx.fields(rec, { attempt: attempt.number, error: result.message }));
      host.saveCheckout(rec);
      continue;
    }
    if (result.status === "error") return ctx.retryLater(rec, new Error(result.message));
    if (result.status === "already_captured") {
      // Should not happen before the pivot; if it does, give the money back.
      ctx.log.error("payment.captured_during_rollback", ctx.fields(rec, { attempt: attempt.number }));
      const refund = await safely(() =>
        host.gateway.refund({
          idempotencyKey: paymentKeys.refund(rec.id, attempt.number),
          reference: attempt.reference ?? "",
          amount: result.amount,
          currency: rec.currency,
        }),
      );
      if (refund.status !== "refunded") return ctx.retryLater(rec, new Error(refund.message));
      attempt.status = "refunded";
    } else {
      attempt.status = result.status === "voided" ? "voided" : "failed";
    }
    ctx.log.info("rollback.payment_voided", ctx.fields(rec, { attempt: attempt.number, result: result.status }));
    host.saveCheckout(rec);
  }
  return "done";
}

/** The undo's record: every attempt's status written with the compensation batch. */
export function recordAttempts(db: Database, rec: CheckoutRecord, now: string) {
  return rec.attempts.map((a) => upsertPayment(db, rec, a, now));
}
