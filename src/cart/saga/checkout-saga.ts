/**
 * The checkout saga of one cart, run by its cart object (the per-cart serialiser).
 *
 * Start runs phases 1–3 and leaves the cart `locked`; complete runs phases 4–7:
 *
 *   1 validate            phases/validate.ts          nothing to undo
 *   2–3 reserve and lock  phases/reserve-and-lock.ts  undo: release stock, quote, discounts
 *   4 authorize           phases/authorize.ts         undo: void at the gateway, record payments
 *   5 create order        phases/create-order.ts      undo: cancel the order
 *   6 capture (pivot)     phases/capture.ts           after it, only forward
 *   7 commit              phases/commit.ts            retried until done
 *
 * Before the pivot a failure compensates (compensation.ts: every reached phase undone,
 * in one batch); a checkout found unfinished in storage is recovered (recovery.ts).
 * Every step records its intent in the object's storage before its side effect, and
 * every side effect is idempotent by a key derived from the checkout id.
 */
import { isPastPivot, type CheckoutState } from "../../checkout/state-machine";
import { refuseKnownShortage } from "../../inventory/stock-shortage";
import { AppError } from "../../lib/errors";
import type { ActionRequired, Completed } from "../cart-rpc";
import type { CheckoutRecord } from "../cart-state";
import { isActive } from "../cart-view";
import { paidAttempt } from "../checkout-charge";
import { checkoutEndedError } from "../request-binding";
import { compensate, resetPayment, rollback } from "./compensation";
import { authorize, type PaymentInput } from "./phases/authorize";
import { capture } from "./phases/capture";
import { commitAndAnswer, completedOutcome } from "./phases/commit";
import { createOrder } from "./phases/create-order";
import { explainReservationError, reserveAndLock } from "./phases/reserve-and-lock";
import { openCheckout, validate } from "./phases/validate";
import { recover } from "./recovery";
import { cartCompleted, checkoutInProgress, expiredError, ttlWithinLimit } from "./refusals";
import { isStop, SagaContext, type SagaHost, type Stop } from "./saga-context";

export interface StartInput {
  expectedTotal?: number;
  ttlMinutes?: number;
}

export interface CompleteInput extends PaymentInput, StartInput {
  /** The checkout this request's key already ran against: only that one may be paid. */
  boundCheckoutId?: string;
  /** Told the checkout this request runs against, before anything is awaited. */
  bind?: (checkoutId: string) => void;
}

/** A gateway's report on one payment (from Stripe's webhook), routed to its cart. */
export interface PaymentEvent {
  type: string;
  eventId: string;
  checkoutId: string;
  /** The gateway's id of the payment (a PaymentIntent id). */
  reference: string;
}

export type PaymentEventResult =
  | { result: "ignored"; reason: string; state?: CheckoutState }
  | { result: "retry"; reason: string; state: CheckoutState }
  | { result: "applied"; status: number; code: string | null; state: CheckoutState; orderId: string | null };

export class CheckoutSaga {
  readonly #ctx: SagaContext;

  constructor(readonly host: SagaHost) {
    this.#ctx = new SagaContext(host);
  }

  /** Phases 1–3: validate, reserve and lock. The checkout is `locked` after it. */
  async start(input: StartInput, bind?: (checkoutId: string) => void): Promise<CheckoutRecord> {
    const { host } = this;
    const ctx = this.#ctx;
    if (host.cart().completed) throw cartCompleted(host.cart());
    const current = host.checkout();
    // Bad input is refused before anything changes, a checkout it would supersede included.
    const ttl = ttlWithinLimit(host.config, input.ttlMinutes);
    // CHECKOUT_PREVENT_CONCURRENT=false: a new checkout supersedes one that is only
    // waiting for payment (it is cancelled, releasing everything); mid-payment still 409.
    if (isActive(current) && current.state === "locked" && !host.config.preventConcurrent) await this.cancel("superseded");
    if (isActive(current)) throw checkoutInProgress(current);
    // A variant known sold out (within the last second) is refused before anything is
    // recorded or asked of D1: in a drop, that is almost every shopper.
    await refuseKnownShortage(host.db, host.cart().lines);
    const cart = host.cart();
    const rec = openCheckout(cart, ttl);
    // From here on the cart is locked: mutations answer 423, a second checkout 409.
    host.saveCheckout(rec);
    // A completion's Idempotency-Key belongs to this checkout before anything is awaited.
    bind?.(rec.id);
    // The deadline's alarm is set before anything outside is awaited: if this instance
    // dies mid-start and nobody comes back, the alarm still ends the checkout by itself.
    await host.scheduleAlarm();
    ctx.logPhase(rec, "checkout.started");
    try {
      const { priced, stock } = await validate(ctx, rec, cart, input.expectedTotal);
      await reserveAndLock(ctx, rec, priced, stock);
      return rec;
    } catch (error) {
      throw await compensate(ctx, rec, await explainReservationError(ctx, rec, error));
    }
  }

  /** Phases 4–7: authorize, create the order, capture, commit (starting a checkout when none is active). */
  async complete(input: CompleteInput): Promise<Completed | ActionRequired> {
    const { host } = this;
    const ctx = this.#ctx;
    const cart = host.cart();
    let rec = host.checkout();
    // A retry of the request that paid (its answer lost to a crash or a 5xx) gets its order.
    const paidBy = rec ? paidAttempt(rec)?.requestKey : undefined;
    if (cart.completed && rec?.state === "completed" && input.requestKey !== undefined && paidBy === input.requestKey) return completedOutcome(rec);
    // A key that already ran against a checkout only ever pays that one.
    if (input.boundCheckoutId !== undefined && !(rec?.id === input.boundCheckoutId && isActive(rec))) {
      throw await checkoutEndedError(host.db, input.boundCheckoutId, rec);
    }
    if (cart.completed) throw cartCompleted(cart);
    // A gateway that cannot take payments (a missing key) says so before anything changes.
    const misconfigured = host.gateway.configurationError?.();
    if (misconfigured) throw new AppError("unavailable", misconfigured, { phase: "payment_authorization" });
    // Refused even when a locked checkout makes it moot: bad input never pays.
    ttlWithinLimit(host.config, input.ttlMinutes);
    const last = rec;
    if (!isActive(rec)) {
      // The quote the shopper was shown expired: paying now would charge figures they never
      // saw. They start again (POST …/checkout), or change the cart, which means a new look.
      if (last?.state === "expired" && Date.parse(cart.updatedAt) <= Date.parse(last.endedAt ?? last.expiresAt)) throw expiredError(last);
      rec = await this.start(input, input.bind);
    } else {
      input.bind?.(rec.id);
    }
    if (rec.state === "committing") return commitAndAnswer(ctx, rec);
    if (rec.state !== "locked") throw checkoutInProgress(rec);

    const authorized = await authorize(ctx, rec, input);
    if (isStop(authorized)) return this.#stop(rec, authorized);
    const ordered = await createOrder(ctx, rec, authorized.attempt);
    if (isStop(ordered)) return this.#stop(rec, ordered);
    const captured = await capture(ctx, rec, authorized.attempt);
    if (isStop(captured)) return this.#stop(rec, captured);
    return commitAndAnswer(ctx, rec);
  }

  /** Cancels the active checkout (the shopper, an admin, or a superseding start), releasing everything. */
  async cancel(reason: string): Promise<CheckoutRecord> {
    const rec = this.host.checkout();
    if (this.host.cart().completed) throw cartCompleted(this.host.cart());
    if (!isActive(rec)) throw new AppError("no_active_checkout", "There is no active checkout to cancel.");
    if (isPastPivot(rec.state)) throw checkoutInProgress(rec, "The payment was captured; the order is being completed.");
    // A capture whose outcome is unknown may have moved the money: only the gateway's
    // answer decides the side of the pivot (recovery asks it), never a cancel.
    if (rec.state === "capturing") throw checkoutInProgress(rec, "The payment's capture is being settled with the gateway; try again shortly.");
    rec.cancelReason = reason;
    await rollback(this.#ctx, rec, "cancelled", null);
    return rec;
  }

  /** Brings an unfinished checkout found in storage to a terminal or `locked` state. */
  recover(rec: CheckoutRecord): Promise<void> {
    return recover(this.#ctx, rec);
  }

  /**
   * The gateway reports on a payment (Stripe's webhook). A payment that waits for the
   * shopper is finished through `complete` with its own payment method — the storefront's
   * path, inside the same serialiser — so a webhook and a storefront call racing for one
   * checkout end in one order and one capture. Anything else is already settled.
   */
  async paymentEvent(event: PaymentEvent): Promise<PaymentEventResult> {
    const rec = this.host.checkout();
    if (!rec || rec.id !== event.checkoutId) return { result: "ignored", reason: "unknown_checkout" };
    const attempt = rec.attempts.find((a) => a.reference === event.reference);
    if (!attempt) return { result: "ignored", reason: "unknown_payment", state: rec.state };
    if (!isActive(rec) || rec.state !== "locked" || attempt.status !== "requires_action") {
      return { result: "ignored", reason: "already_settled", state: rec.state };
    }
    let status: number;
    let code: string | null = null;
    try {
      status = (await this.complete({ payment: attempt.method })).status;
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      status = error.status;
      code = error.code;
    }
    const now = this.host.checkout()!;
    // Still waiting (the gateway was unreachable, or still asks for the shopper): the sender should retry.
    if (isActive(now) && attempt.status === "requires_action") return { result: "retry", reason: code ?? "requires_action", state: now.state };
    return { result: "applied", status, code, state: now.state, orderId: now.orderId };
  }

  /** A phase stopped the completion: compensate as it asks, then answer or refuse. */
  async #stop(rec: CheckoutRecord, stop: Stop): Promise<ActionRequired> {
    switch (stop.stop) {
      case "answer":
        return stop.outcome;
      case "roll_back":
        await rollback(this.#ctx, rec, stop.target, stop.failure);
        throw stop.error;
      case "reset_payment":
        await resetPayment(this.#ctx, rec, "payment_gateway_error");
        throw stop.error;
    }
  }
}
