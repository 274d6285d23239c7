/**
 * The checkout saga of one cart, run by its cart object (the per-cart serialiser).
 *
 * Start runs phases 1–3 (validate, reserve, price lock) and leaves the cart `locked`.
 * Complete runs phases 4–7 (authorize, create order, capture, commit stock). Before
 * capture any failure compensates in reverse order (void, cancel order, release quote
 * and discounts, release stock, unlock); capture is the pivot, after which the saga only
 * goes forward. Every step records its intent in the object's storage before its side
 * effect, and every side effect is idempotent by a key derived from the checkout id, so
 * a restarted object resumes from storage (`recover`).
 */
import { buildSignedQuote, isQuoteIntact, type Quote } from "../checkout/quote";
import { PricingError, type PricedCart } from "../checkout/pricing";
import {
  isPastPivot,
  isTerminal,
  nextState,
  PHASE_OF_STATE,
  type CheckoutEvent,
  type CheckoutPhase,
  type CheckoutState,
  type RollbackTarget,
} from "../checkout/state-machine";
import {
  insertQuote,
  setOrderStatus,
  setQuoteStatus,
  timelineEntry,
  upsertCheckoutRow,
  upsertOrder,
  upsertPayment,
} from "../checkout/checkout-records";
import {
  consumeDiscounts,
  exhaustedDiscountCodes,
  isDiscountLimitError,
  reactivateDiscounts,
  releaseDiscounts,
  reserveDiscounts,
} from "../checkout/discount-usage";
import { planRecovery } from "../checkout/recovery-plan";
import { currencyExponent, loadCatalog, type CatalogSnapshot } from "../db/catalog";
import type { Database } from "../db/client";
import { isoNow } from "../db/client";
import { recordEvent, type EventType } from "../events/outbox";
import { commitStock, errorText, isStockConstraintError, readStock, releaseStock, reserveStock } from "../inventory/stock-ledger";
import { stockReservations } from "../db/schema";
import { availabilityCache } from "../inventory/availability-cache";
import { insufficientStock, isShort, refuseKnownShortage, shortLines, stockLines } from "../inventory/stock-shortage";
import type { Config } from "../lib/config";
import { AppError } from "../lib/errors";
import { newId } from "../lib/ids";
import { errorFields, type Logger } from "../lib/logger";
import { paymentKeys, samePaymentMethod, type AuthorizeRequest, type AuthorizeResult, type PaymentGateway, type PaymentMethodInput } from "../payments/gateway";
import type { CartState, CheckoutFailure, CheckoutRecord, Outcome, PaymentAttempt } from "./cart-state";
import { checkoutJson } from "../contract/checkout";
import { orderJson } from "../contract/order";
import { isActive, pricedOrNull, pricingContext } from "./cart-view";
import { assertChargeable, orderPayment, paidAttempt, paymentNotRequired, priceDrift, quoteTotalInGatewayUnits } from "./checkout-charge";
import { checkoutEndedError } from "./request-binding";
import type { PausePoint, PausePoints } from "./pause-points";

export interface SagaHost {
  readonly config: Config;
  readonly db: Database;
  readonly gateway: PaymentGateway;
  readonly log: Logger;
  readonly quoteSecret: string;
  /** Test-only pause points (CHECKOUT_FAULT_INJECTION=enabled); null in production. */
  readonly pausePoints: PausePoints | null;
  cart(): CartState;
  saveCart(cart: CartState): void;
  checkout(): CheckoutRecord | null;
  saveCheckout(rec: CheckoutRecord): void;
  scheduleAlarm(): Promise<void>;
}

/** Codes a discount can be refused with at checkout (the others just do not apply). */
const INVALID_DISCOUNT_REASONS = new Set(["not_found", "inactive", "not_started", "expired", "used_up", "currency_mismatch"]);

const RETRY_BASE_MS = 1_000;
const RETRY_MAX_MS = 60_000;

/** A fault injected by a test into one phase (only with CHECKOUT_FAULT_INJECTION=enabled). */
class InjectedFault extends Error {
  constructor(readonly phase: CheckoutPhase) {
    super(`Injected fault in ${phase}`);
  }
}

/** A step that could not finish now and is retried by the alarm. */
class RetryLater extends Error {}

export class CheckoutSaga {
  constructor(private readonly host: SagaHost) {}

  // ---------------------------------------------------------------- start (1–3)

  async start(input: { expectedTotal?: number; ttlMinutes?: number }, fault?: CheckoutPhase, bind?: (checkoutId: string) => void): Promise<CheckoutRecord> {
    const { host } = this;
    if (host.cart().completed) throw cartCompleted(host.cart());
    const current = host.checkout();
    // CHECKOUT_PREVENT_CONCURRENT=false: a new checkout supersedes one that is only
    // waiting for payment (it is cancelled, releasing everything); mid-payment still 409.
    if (isActive(current) && current.state === "locked" && !host.config.preventConcurrent) await this.cancel("superseded");
    if (isActive(current)) throw checkoutInProgress(current);
    const ttl = this.#ttlWithinLimit(input.ttlMinutes);
    // A variant known sold out (within the last second) is refused before anything is
    // recorded or asked of D1: in a drop, that is almost every shopper.
    await refuseKnownShortage(host.db, host.cart().lines);
    const cart = host.cart();

    const startedAt = Date.now();
    const rec: CheckoutRecord = {
      id: newId("chk"),
      cartId: cart.id,
      state: "validating",
      phase: "cart_validation",
      currency: cart.currency,
      createdAt: isoNow(startedAt),
      expiresAt: isoNow(startedAt + ttl * 60_000),
      lockedAt: null,
      completedAt: null,
      endedAt: null,
      lines: cart.lines.map((l) => ({ ...l })),
      discountCodes: [...cart.discountCodes],
      email: cart.email,
      quote: null,
      attempts: [],
      orderId: null,
      orderNumber: null,
      failure: null,
      rollbackTarget: null,
      cancelReason: null,
      retry: { attempts: 0, nextAt: null, lastError: null },
      reservationSent: false,
    };
    // From here on the cart is locked: mutations answer 423, a second checkout 409.
    host.saveCheckout(rec);
    // A completion's Idempotency-Key belongs to this checkout before anything is awaited.
    bind?.(rec.id);
    // The deadline's alarm is set before anything outside is awaited: if this instance
    // dies mid-start and nobody comes back, the alarm still ends the checkout by itself.
    await host.scheduleAlarm();
    this.#logPhase(rec, "checkout.started");

    let priced: PricedCart;
    try {
      this.#fault(fault, "cart_validation");
      await this.#pause("cart_validation");
      const snapshot = await loadCatalog(host.db, {
        variantIds: rec.lines.map((l) => l.variantId),
        currencyCodes: [rec.currency, host.config.baseCurrency],
        country: cart.country,
        discountCodes: rec.discountCodes,
      });
      priced = this.#validate(rec, cart, snapshot, input.expectedTotal);
      // A total the gateway could never charge is refused now, before any stock is held.
      rec.currencyExponent = snapshot.currencies.get(rec.currency)!.exponent;
      assertChargeable(host.gateway.provider, rec.currency, priced.total, rec.currencyExponent);
      this.#transition(rec, "validated");
      this.#fault(fault, "inventory_reservation");
      // Stock read with the catalog is already short: refuse now instead of sending a
      // reservation batch that must fail and re-reading stock (2 D1 round trips instead
      // of 4; in a flash sale most shoppers end here). Races it cannot see stay the CHECK's.
      const short = shortLines(rec.lines, snapshot.stock);
      if (short.length) throw insufficientStock(short);
    } catch (error) {
      throw await this.#failStart(rec, error);
    }

    try {
      const now = isoNow();
      rec.quote = await buildSignedQuote(host.quoteSecret, {
        id: newId("quo"),
        checkoutId: rec.id,
        cartId: rec.cartId,
        baseCurrency: host.config.baseCurrency,
        priced,
        createdAt: now,
        expiresAt: rec.expiresAt,
      });
      rec.reservationSent = true;
      host.saveCheckout(rec);
      await this.#pause("inventory_reservation");
      // Phases 2 and 3 in one atomic batch: every line reserves, the quote is stored and
      // the discount uses are reserved, or none of it happens.
      const locked: CheckoutRecord = { ...rec, state: "locked", phase: "price_lock", lockedAt: now };
      const db = host.db;
      // An injected price-lock fault writes an impossible quote total: the CHECK raises
      // inside the batch, which proves the reservations roll back with it.
      const quoteTotal = fault === "price_lock" && host.config.faultInjection ? -1 : undefined;
      await db.batch([
        upsertCheckoutRow(db, locked, now),
        reserveStock(db, rec.id, rec.lines, rec.expiresAt, now),
        ...insertQuote(db, rec.quote, quoteTotal),
        ...(rec.quote.discount_codes.length ? [reserveDiscounts(db, rec.id, rec.quote.discount_codes, now)] : []),
        timelineEntry(db, { ...rec, state: "reserving", phase: "inventory_reservation" }, "stock_reserved", "stock_reserved", now, {
          lines: rec.lines.map((l) => ({ variant_id: l.variantId, quantity: l.quantity })),
        }),
        timelineEntry(db, locked, "price_locked", "price_locked", now, { quote_id: rec.quote.id, total: rec.quote.total }),
        recordEvent(db, "checkout.started", rec.id, this.#eventData(locked), now),
      ]);
      await this.#pause("inventory_reservation:sent");
      this.#transition(rec, "reserved");
      rec.lockedAt = now;
      this.#transition(rec, "price_locked");
      host.log.info("stock.reserved", this.#fields(rec, { lines: rec.lines.length }));
      await host.scheduleAlarm();
      return rec;
    } catch (error) {
      throw await this.#failStart(rec, await this.#explainReservationError(rec, error, fault));
    }
  }

  #validate(rec: CheckoutRecord, cart: CartState, snapshot: CatalogSnapshot, expectedTotal?: number): PricedCart {
    if (rec.lines.length === 0) throw new AppError("cart_empty", "The cart is empty.");
    const ctx = pricingContext(rec.lines, rec.discountCodes, rec.currency, cart.country, snapshot, this.host.config.baseCurrency);
    if (!ctx) throw new AppError("currency_not_supported", `The currency ${rec.currency} is not supported.`, { currency: rec.currency });
    for (const [lineId, reason] of ctx.unavailable) {
      const line = rec.lines.find((l) => l.id === lineId)!;
      throw new AppError("variant_not_found", "A cart line's variant is no longer available.", {
        line_id: lineId,
        variant_id: line.variantId,
        reason,
      });
    }
    let priced: PricedCart;
    try {
      priced = pricedOrNull(ctx, Date.now())!;
    } catch (error) {
      if (error instanceof PricingError) throw new AppError("variant_not_found", error.message, error.details);
      throw error;
    }
    const invalid = priced.rejectedDiscounts.find((r) => INVALID_DISCOUNT_REASONS.has(r.reason));
    if (invalid) {
      throw new AppError("invalid_discount_code", `The discount code ${invalid.code} can no longer be used.`, {
        code: invalid.code,
        reason: invalid.reason,
      });
    }
    const drift = priceDrift(priced.total, expectedTotal, this.host.config.priceDriftTolerance);
    if (drift) {
      this.host.log.warn("checkout.price_drift", this.#fields(rec, { expected_total: expectedTotal, actual_total: priced.total }));
      throw drift;
    }
    return priced;
  }

  async #explainReservationError(rec: CheckoutRecord, error: unknown, fault?: CheckoutPhase): Promise<unknown> {
    if (error instanceof AppError || error instanceof InjectedFault) return error;
    if (fault === "price_lock" && this.host.config.faultInjection) return new InjectedFault("price_lock");
    if (isStockConstraintError(error)) {
      const stock = await readStock(this.host.db, rec.lines.map((l) => l.variantId)).catch(() => new Map());
      const lines = stockLines(rec.lines, stock);
      const short = lines.filter(isShort);
      rec.phase = "inventory_reservation";
      // Stock freed since the batch failed can hide the short line: then every line is named.
      return insufficientStock(short.length ? short : lines);
    }
    if (isDiscountLimitError(error)) {
      rec.phase = "price_lock";
      // Name the code that ran out, not merely the first one on the cart.
      const codes = rec.quote?.discount_codes ?? [];
      const exhausted = await exhaustedDiscountCodes(this.host.db, codes).catch(() => []);
      const code = exhausted[0] ?? codes[0] ?? null;
      return new AppError("invalid_discount_code", `The discount code ${code} was used up while checking out.`, { code, reason: "used_up" });
    }
    return error;
  }

  /** A start that failed: roll back whatever may have reached D1, then report the cause. */
  async #failStart(rec: CheckoutRecord, error: unknown): Promise<unknown> {
    const failure = this.#failureOf(rec, error);
    await this.#rollback(rec, "failed", failure).catch((e) => {
      if (!(e instanceof RetryLater)) throw e;
    });
    return this.#clientError(rec, error, failure);
  }

  // ------------------------------------------------------------- complete (4–7)

  async complete(input: CompleteInput, fault?: CheckoutPhase): Promise<Outcome> {
    const { host } = this;
    const cart = host.cart();
    let rec = host.checkout();
    // A retry of the request that paid (its answer lost to a crash or a 5xx) gets its order.
    const paidBy = rec ? paidAttempt(rec)?.requestKey : undefined;
    if (cart.completed && rec?.state === "completed" && input.requestKey !== undefined && paidBy === input.requestKey) return this.#completedOutcome(rec);
    // A key that already ran against a checkout only ever pays that one.
    if (input.boundCheckoutId !== undefined && !(rec?.id === input.boundCheckoutId && isActive(rec))) {
      throw await checkoutEndedError(host.db, input.boundCheckoutId, rec);
    }
    if (cart.completed) throw cartCompleted(cart);
    // A gateway that cannot take payments (a missing key) says so before anything changes.
    const misconfigured = host.gateway.configurationError?.();
    if (misconfigured) throw new AppError("unavailable", misconfigured, { phase: "payment_authorization" });
    // Refused even when a locked checkout makes it moot: bad input never pays.
    this.#ttlWithinLimit(input.ttlMinutes);
    const last = rec;
    if (!isActive(rec)) {
      // The quote the shopper was shown expired: paying now would charge figures they never
      // saw. They start again (POST …/checkout), or change the cart, which means a new look.
      if (last?.state === "expired" && Date.parse(cart.updatedAt) <= Date.parse(last.endedAt ?? last.expiresAt)) throw expiredError(last);
      rec = await this.start({ expectedTotal: input.expectedTotal, ttlMinutes: input.ttlMinutes }, fault, input.bind);
    } else {
      input.bind?.(rec.id);
    }
    if (rec.state === "committing") return this.#finishForward(rec, fault);
    if (rec.state !== "locked") throw checkoutInProgress(rec);
    if (Date.parse(rec.expiresAt) <= Date.now()) {
      await this.#rollback(rec, "expired", { phase: rec.phase, code: "checkout_expired", message: "The checkout expired." }).catch(swallowRetry);
      throw expiredError(rec);
    }
    const quote = rec.quote!;
    // The shopper pays the total they were shown, or nothing: a drifted quote is refused (still held).
    const drift = priceDrift(quote.total, input.expectedTotal, host.config.priceDriftTolerance);
    if (drift) {
      host.log.warn("checkout.price_drift", this.#fields(rec, { expected_total: input.expectedTotal, actual_total: quote.total }));
      throw drift;
    }
    // A stored quote that no longer matches its signature is never paid for: nothing is
    // authorized, the checkout rolls back, and a retry starts over with a fresh quote.
    if (!(await isQuoteIntact(host.quoteSecret, quote))) {
      const failure: CheckoutFailure = { phase: rec.phase, code: "quote_signature_mismatch", message: "The stored quote does not match its signature." };
      host.log.error("checkout.quote_signature_mismatch", this.#fields(rec));
      await this.#rollback(rec, "failed", failure).catch(swallowRetry);
      throw this.#clientError(rec, new Error(failure.message), failure);
    }
    if (quote.total === 0) return this.#completeWithoutPayment(rec, input.payment, input.requestKey ?? null, fault);
    // A payment still waiting for the shopper (3-D Secure) is resumed, not paid twice.
    const awaiting = await this.#awaitingAttempt(rec, input.payment);
    if (awaiting && input.requestKey !== undefined) awaiting.requestKey = input.requestKey;

    // Phase 4: authorize exactly the quote total.
    const attempt: PaymentAttempt = awaiting ?? {
      number: rec.attempts.length + 1,
      paymentId: newId("pay"),
      provider: host.gateway.provider,
      key: paymentKeys.authorize(rec.id, rec.attempts.length + 1),
      amount: await this.#quoteTotalInGatewayUnits(rec),
      method: input.payment,
      requestKey: input.requestKey ?? null,
      status: "pending",
      reference: null,
      declineCode: null,
      recorded: false,
    };
    if (!awaiting) rec.attempts.push(attempt);
    this.#transition(rec, "pay");
    // In flight from here: the alarm moves close (IN_FLIGHT_RECHECK_MS) before the gateway
    // is called, so an instance dying mid-payment gets its authorization voided in seconds.
    await host.scheduleAlarm();
    let auth;
    try {
      this.#fault(fault, "payment_authorization");
      await this.#pause("payment_authorization");
      auth = awaiting ? await this.#retrieveAuthorization(rec, attempt) : await host.gateway.authorize(this.#authorizeRequest(rec, attempt));
    } catch (error) {
      auth = { status: "error" as const, message: error instanceof Error ? error.message : String(error), retryable: true };
    }
    await this.#pause("payment_authorization:sent");
    if (auth.status === "declined") {
      attempt.status = "declined";
      attempt.declineCode = auth.declineCode;
      attempt.reference = auth.reference ?? null;
      this.#transition(rec, "declined");
      host.log.info("payment.declined", this.#fields(rec, { decline_code: auth.declineCode, attempt: attempt.number }));
      await this.#recordAttempt(rec, attempt, "payment_declined");
      throw new AppError("payment_declined", auth.message, {
        decline_code: auth.declineCode,
        checkout_id: rec.id,
        can_resume: true,
        phase: "payment_authorization",
      });
    }
    if (auth.status === "requires_action") {
      attempt.status = "requires_action";
      attempt.reference = auth.reference;
      attempt.clientSecret = auth.clientSecret;
      // Locked again: it waits for the shopper; a later complete or the gateway's webhook resumes it.
      this.#transition(rec, "action_required");
      await this.#recordAttempt(rec, attempt, "payment_requires_action");
      return { status: 202, body: { checkout: checkoutJson(rec, Date.now()), next_action: { type: "stripe_sdk", client_secret: auth.clientSecret } } };
    }
    if (auth.status === "error" && awaiting) {
      // Asking about a waiting payment failed: nothing changed, it still waits.
      this.#transition(rec, "action_required");
      throw new AppError("payment_gateway_error", "The payment gateway could not be reached; the payment still waits. Retrying is safe.", {
        phase: "payment_authorization",
        checkout_id: rec.id,
      });
    }
    if (auth.status === "error") {
      // Like a decline: the attempt is voided (so nothing stays held at the gateway) and the
      // checkout stays locked with its stock and quote, so a retry pays this same quote.
      host.log.warn("payment.gateway_error", this.#fields(rec, { attempt: attempt.number, message: auth.message }));
      await this.#resetPayment(rec, "payment_gateway_error").catch(swallowRetry);
      throw new AppError("payment_gateway_error", "The payment gateway failed; nothing was charged and the checkout is still held. Retrying is safe.", {
        phase: "payment_authorization",
        checkout_id: rec.id,
        can_resume: true,
      });
    }
    attempt.status = "authorized";
    attempt.reference = auth.reference;
    // Compared in the gateway's units with exactly what was asked: never rounded either way.
    const asked = attemptAmount(rec, attempt);
    if (auth.amount !== asked) {
      const failure: CheckoutFailure = { phase: "payment_authorization", code: "amount_mismatch", message: `Authorized ${auth.amount}, asked for ${asked} (quote ${quote.total}).` };
      host.log.error("payment.amount_mismatch", this.#fields(rec, { authorized: auth.amount, asked, quote_total: quote.total, reference: auth.reference }));
      await this.#rollback(rec, "failed", failure).catch(swallowRetry);
      throw this.#clientError(rec, new AppError("payment_gateway_error", failure.message), failure);
    }
    return this.#continueAfterAuthorization(rec, attempt, fault);
  }

  /**
   * The last attempt, if it waits for the shopper (3-D Secure) and `payment` names its
   * method: that one is resumed. With another method the waiting one is voided first,
   * so a checkout never holds two live authorizations.
   */
  async #awaitingAttempt(rec: CheckoutRecord, payment: PaymentMethodInput): Promise<PaymentAttempt | null> {
    const last = rec.attempts.at(-1);
    if (last?.status !== "requires_action") return null;
    if (samePaymentMethod(last.method, payment)) return last;
    const result = await this.host.gateway
      .void({ idempotencyKey: paymentKeys.void(rec.id, last.number), authorization: this.#authorizeRequest(rec, last), reference: last.reference })
      .catch((e) => ({ status: "error" as const, message: String(e) }));
    if (result.status === "error") {
      throw new AppError("payment_gateway_error", "The waiting payment could not be cancelled; nothing changed. Retrying is safe.", {
        phase: "payment_authorization",
        checkout_id: rec.id,
      });
    }
    // It went through after all (the shopper finished 3-D Secure meanwhile): finish that one.
    if (result.status === "already_captured") return last;
    last.status = result.status === "voided" ? "voided" : "failed";
    this.host.saveCheckout(rec);
    this.host.log.info("payment.waiting_voided", this.#fields(rec, { attempt: last.number, result: result.status }));
    await this.#recordAttempt(rec, last, "payment_voided");
    return null;
  }

  /** Where a waiting authorization stands now, in the gateway's words. */
  async #retrieveAuthorization(rec: CheckoutRecord, attempt: PaymentAttempt): Promise<AuthorizeResult> {
    const { gateway } = this.host;
    if (!gateway.retrieve || !attempt.reference) return { status: "error", message: "The gateway cannot resume this payment.", retryable: false };
    return gateway.retrieve({ reference: attempt.reference, authorization: this.#authorizeRequest(rec, attempt) });
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

  async #continueAfterAuthorization(rec: CheckoutRecord, attempt: PaymentAttempt, fault?: CheckoutPhase): Promise<Outcome> {
    const { host } = this;
    const quote = rec.quote!;
    // Phase 5: create the order (its id is chosen before the write, so a replay reuses it).
    rec.orderId ??= newId("ord");
    this.#transition(rec, "authorized");
    try {
      this.#fault(fault, "order_creation");
      await this.#pause("order_creation");
      const now = isoNow();
      const db = host.db;
      const results = await db.batch([
        upsertPayment(db, rec, attempt, now),
        ...upsertOrder(db, rec, quote, now),
        consumeDiscounts(db, rec.id, now),
        upsertCheckoutRow(db, { ...rec, state: "capturing", phase: "payment_capture" }, now),
        timelineEntry(db, rec, "order_created", `order_created:${attempt.number}`, now, { order_id: rec.orderId, attempt: attempt.number }),
      ]);
      await this.#pause("order_creation:sent");
      const numberRows = results[3] as Array<{ number: number }>;
      rec.orderNumber = numberRows[0]?.number ?? null;
      attempt.recorded = true;
    } catch (error) {
      const failure = this.#failureOf(rec, error);
      await this.#rollback(rec, "failed", failure).catch(swallowRetry);
      throw this.#clientError(rec, error, failure);
    }
    this.#transition(rec, "order_created");
    if (attempt.status === "not_required") return this.#pivot(rec, attempt, fault);

    // Phase 6: capture — the pivot. The amount is checked against the signed quote again.
    let capture;
    try {
      this.#fault(fault, "payment_capture");
      await this.#pause("payment_capture");
      if (!(await isQuoteIntact(host.quoteSecret, quote))) throw new Error("The quote signature does not match its contents.");
      capture = await host.gateway.capture({
        idempotencyKey: paymentKeys.capture(rec.id, attempt.number),
        reference: attempt.reference!,
        amount: attemptAmount(rec, attempt),
        currency: quote.currency,
      });
    } catch (error) {
      capture = { status: "error" as const, message: error instanceof Error ? error.message : String(error), retryable: true };
    }
    await this.#pause("payment_capture:sent");
    if (capture.status === "captured" && capture.amount !== attemptAmount(rec, attempt)) {
      host.log.error("payment.capture_amount_mismatch", this.#fields(rec, { captured: capture.amount, asked: attemptAmount(rec, attempt), quote_total: quote.total }));
    }
    if (capture.status !== "captured") {
      // The capture may have happened even though we did not hear back: a void tells.
      if (capture.status === "error") {
        const outcome = await this.#captureOutcome(rec, attempt);
        if (outcome === "captured") return this.#pivot(rec, attempt, fault);
        if (outcome === "unknown") {
          // Neither side of the pivot is known: decide nothing now; the alarm asks the gateway again.
          await this.#scheduleRetry(rec, new Error(capture.message));
          throw new AppError("payment_gateway_error", "The payment gateway did not answer; the payment will be completed or voided shortly.", {
            phase: "payment_capture",
            checkout_id: rec.id,
          });
        }
      }
      const failure: CheckoutFailure = {
        phase: "payment_capture",
        code: capture.status === "declined" ? "payment_declined" : "payment_gateway_error",
        message: capture.message,
      };
      await this.#rollback(rec, "failed", failure).catch(swallowRetry);
      throw capture.status === "declined"
        ? new AppError("payment_declined", "The payment could not be captured; the checkout was rolled back.", {
            phase: "payment_capture",
            decline_code: capture.declineCode,
            checkout_id: rec.id,
            can_resume: false,
          })
        : new AppError("payment_gateway_error", "The payment gateway failed; the payment was voided. Retrying is safe.", {
            phase: "payment_capture",
            checkout_id: rec.id,
          });
    }
    return this.#pivot(rec, attempt, fault);
  }

  /**
   * After a capture whose answer was lost: asks the gateway to void. "Already captured"
   * means we are past the pivot; voided (or never authorized) means we are not; no
   * answer means we cannot know yet.
   */
  async #captureOutcome(rec: CheckoutRecord, attempt: PaymentAttempt): Promise<"captured" | "voided" | "unknown"> {
    // Nothing to capture (a total of 0): the order it created stands.
    if (attempt.status === "not_required") return "captured";
    const result = await this.host.gateway
      .void({ idempotencyKey: paymentKeys.void(rec.id, attempt.number), authorization: this.#authorizeRequest(rec, attempt), reference: attempt.reference })
      .catch((e) => ({ status: "error" as const, message: String(e) }));
    if (result.status === "voided") attempt.status = "voided";
    if (result.status === "not_found") attempt.status = "failed";
    this.host.saveCheckout(rec);
    if (result.status === "already_captured") return "captured";
    return result.status === "error" ? "unknown" : "voided";
  }

  async #pivot(rec: CheckoutRecord, attempt: PaymentAttempt, fault?: CheckoutPhase): Promise<Outcome> {
    if (attempt.status !== "not_required") attempt.status = "captured";
    this.#transition(rec, "captured");
    this.host.log.info("payment.captured", this.#fields(rec, { amount: rec.quote!.total, attempt: attempt.number, provider: attempt.provider }));
    return this.#finishForward(rec, fault);
  }

  /** Phase 7: commit the stock. Past the pivot this is retried until it is done. */
  async #finishForward(rec: CheckoutRecord, fault?: CheckoutPhase): Promise<Outcome> {
    await this.#commit(rec, fault).catch(swallowRetry);
    return this.#completedOutcome(rec);
  }

  /** Past the pivot the answer is the order, whether or not the stock commit is done yet. */
  #completedOutcome(rec: CheckoutRecord): Outcome {
    return { status: 201, body: { order: this.#orderJson(rec), checkout: checkoutJson(rec, Date.now()) } };
  }

  async #commit(rec: CheckoutRecord, fault?: CheckoutPhase): Promise<void> {
    const { host } = this;
    const db = host.db;
    const attempt = paidAttempt(rec)!;
    try {
      this.#fault(fault, "stock_commit");
      await this.#pause("stock_commit");
      const now = isoNow();
      const done: CheckoutRecord = { ...rec, state: "completed", phase: "stock_commit", completedAt: now, endedAt: now };
      await db.batch([
        upsertPayment(db, rec, attempt, now),
        commitStock(db, rec.id, now),
        setQuoteStatus(db, rec.id, "used"),
        setOrderStatus(db, rec.id, "paid", now),
        consumeDiscounts(db, rec.id, now),
        upsertCheckoutRow(db, done, now),
        timelineEntry(db, done, "completed", "completed", now, { order_id: rec.orderId }),
        recordEvent(db, "checkout.completed", rec.id, this.#eventData(done), now),
        recordEvent(db, "order.created", rec.orderId!, { order: this.#orderJson(done) }, now),
      ]);
      await this.#pause("stock_commit:sent");
      rec.completedAt = now;
      rec.endedAt = now;
      rec.retry = { attempts: 0, nextAt: null, lastError: null };
      this.#transition(rec, "committed");
      const cart = host.cart();
      host.saveCart({ ...cart, completed: true, orderId: rec.orderId, updatedAt: now });
      host.log.info("checkout.completed", this.#fields(rec, { order_id: rec.orderId, total: rec.quote!.total }));
      await host.scheduleAlarm();
    } catch (error) {
      await this.#scheduleRetry(rec, error);
      throw new RetryLater();
    }
  }

  // ------------------------------------------------------- cancel, expire, recover

  async cancel(reason: string): Promise<CheckoutRecord> {
    const rec = this.host.checkout();
    if (this.host.cart().completed) throw cartCompleted(this.host.cart());
    if (!isActive(rec)) throw new AppError("no_active_checkout", "There is no active checkout to cancel.");
    if (isPastPivot(rec.state)) throw checkoutInProgress(rec, "The payment was captured; the order is being completed.");
    rec.cancelReason = reason;
    await this.#rollback(rec, "cancelled", null).catch(swallowRetry);
    return rec;
  }

  /**
   * Brings an unfinished checkout found in storage to a terminal or `locked` state.
   * Nothing of the request that was running is in memory any more.
   */
  async recover(rec: CheckoutRecord): Promise<void> {
    const plan = planRecovery(rec, Date.now());
    const expired = { phase: rec.phase, code: "checkout_expired", message: "The checkout expired." };
    try {
      switch (plan.kind) {
        case "none":
          return;
        case "rollback": {
          const failure = plan.reason === "interrupted" ? { phase: rec.phase, code: "interrupted", message: "The checkout was interrupted and rolled back." } : expired;
          return await this.#rollback(rec, plan.target, failure);
        }
        case "reset_payment":
          return await this.#resetPayment(rec);
        case "resolve_capture": {
          const attempt = rec.attempts.at(-1)!;
          const outcome = await this.#captureOutcome(rec, attempt);
          if (outcome === "captured") {
            attempt.status = "captured";
            this.#transition(rec, "captured");
            return await this.#commit(rec);
          }
          // Not knowing whether the money moved, neither void nor commit: ask again later.
          if (outcome === "unknown") return await this.#scheduleRetry(rec, new Error("The gateway did not say whether the capture happened."));
          return plan.otherwise.kind === "rollback" ? await this.#rollback(rec, "expired", expired) : await this.#resetPayment(rec);
        }
        case "commit":
          return await this.#commit(rec);
        case "finish_rollback":
          return await this.#finishRollback(rec);
      }
    } catch (error) {
      if (!(error instanceof RetryLater)) {
        await this.#scheduleRetry(rec, error);
      }
    }
  }

  /**
   * An interrupted payment: void it, cancel its order and open the checkout again
   * (its stock and quote are still held until the deadline), as after a decline.
   */
  async #resetPayment(rec: CheckoutRecord, reason: "interrupted" | "payment_gateway_error" = "interrupted"): Promise<void> {
    await this.#voidAttempts(rec);
    const now = isoNow();
    const db = this.host.db;
    const reopened: CheckoutRecord = { ...rec, state: "locked", phase: "price_lock" };
    try {
      await db.batch([
        setOrderStatus(db, rec.id, "cancelled", now),
        ...rec.attempts.map((a) => upsertPayment(db, rec, a, now)),
        reactivateDiscounts(db, rec.id, now),
        upsertCheckoutRow(db, reopened, now),
        timelineEntry(db, reopened, "payment_reset", `payment_reset:${rec.attempts.length}`, now, { reason, attempt: rec.attempts.length }),
      ]);
    } catch (error) {
      await this.#scheduleRetry(rec, error);
      throw new RetryLater();
    }
    rec.retry = { attempts: 0, nextAt: null, lastError: null };
    this.#transition(rec, "payment_reset");
    this.host.log.warn("checkout.payment_reset", this.#fields(rec, { attempt: rec.attempts.length, reason }));
    await this.host.scheduleAlarm();
  }

  // ------------------------------------------------------------------ rollback

  async #rollback(rec: CheckoutRecord, target: RollbackTarget, failure: CheckoutFailure | null): Promise<void> {
    if (rec.state !== "rolling_back") {
      rec.failure = failure;
      rec.rollbackTarget = target;
      const event: CheckoutEvent = target === "cancelled" ? "cancel" : target === "expired" ? "expire" : "fail";
      this.#transition(rec, event);
      this.host.log.warn("checkout.rollback_started", this.#fields(rec, { target, failure }));
    }
    await this.#finishRollback(rec);
  }

  /** `handOver`: past the deadline a void that fails is left to the payment reconciliation. */
  async #voidAttempts(rec: CheckoutRecord, handOver = false): Promise<void> {
    for (const attempt of rec.attempts) {
      if (attempt.status === "not_required") {
        // Nothing was charged: only the record changes.
        attempt.status = "voided";
        this.host.saveCheckout(rec);
        continue;
      }
      if (!["pending", "authorized", "requires_action"].includes(attempt.status)) continue;
      const result = await this.host.gateway
        .void({ idempotencyKey: paymentKeys.void(rec.id, attempt.number), authorization: this.#authorizeRequest(rec, attempt), reference: attempt.reference })
        .catch((e) => ({ status: "error" as const, message: String(e) }));
      if (result.status === "error" && handOver && Date.parse(rec.expiresAt) <= Date.now()) {
        // A gateway that keeps failing must not hold the cart and its stock for good: the
        // checkout ends, and its payment stays 'authorized' in D1 (whatever it holds), where
        // the reconciliation voids it under the same keys once the gateway answers.
        attempt.status = "authorized";
        this.host.log.error("rollback.void_handed_over", this.#fields(rec, { attempt: attempt.number, error: result.message }));
        this.host.saveCheckout(rec);
        continue;
      }
      if (result.status === "error") {
        await this.#scheduleRetry(rec, new Error(result.message));
        throw new RetryLater();
      }
      if (result.status === "already_captured") {
        // Should not happen before the pivot; if it does, give the money back.
        this.host.log.error("payment.captured_during_rollback", this.#fields(rec, { attempt: attempt.number }));
        const refund = await this.host.gateway.refund({
          idempotencyKey: paymentKeys.refund(rec.id, attempt.number),
          reference: attempt.reference ?? "",
          amount: result.amount,
          currency: rec.currency,
        });
        if (refund.status !== "refunded") {
          await this.#scheduleRetry(rec, new Error(refund.message));
          throw new RetryLater();
        }
        attempt.status = "refunded";
      } else {
        attempt.status = result.status === "voided" ? "voided" : "failed";
      }
      this.host.log.info("rollback.payment_voided", this.#fields(rec, { attempt: attempt.number, result: result.status }));
      this.host.saveCheckout(rec);
    }
  }

  /** Void, cancel the order, release quote, discounts and stock, unlock — each idempotent. */
  async #finishRollback(rec: CheckoutRecord): Promise<void> {
    const target = rec.rollbackTarget ?? "failed";
    await this.#voidAttempts(rec, true);
    await this.#pause("rollback");
    const now = isoNow();
    const db = this.host.db;
    const ended: CheckoutRecord = { ...rec, state: target, endedAt: now };
    const event: EventType = target === "cancelled" ? "checkout.cancelled" : target === "expired" ? "checkout.expired" : "checkout.failed";
    let released: Array<{ variantId: string }> = [];
    try {
      [released] = await db.batch([
        releaseStock(db, rec.id, now).returning({ variantId: stockReservations.variantId }),
        setOrderStatus(db, rec.id, "cancelled", now),
        ...rec.attempts.map((a) => upsertPayment(db, rec, a, now)),
        setQuoteStatus(db, rec.id, "released"),
        releaseDiscounts(db, rec.id, now),
        upsertCheckoutRow(db, ended, now),
        timelineEntry(db, ended, "rolled_back", "rolled_back", now, { target, failure: rec.failure, cancel_reason: rec.cancelReason }),
        recordEvent(db, event, rec.id, this.#eventData(ended), now),
      ]);
    } catch (error) {
      await this.#scheduleRetry(rec, error);
      throw new RetryLater();
    }
    // Units this isolate just freed are sellable here at once, not only after a second.
    availabilityCache.forget(released.map((r) => r.variantId));
    await this.#pause("rollback:sent");
    rec.endedAt = now;
    rec.retry = { attempts: 0, nextAt: null, lastError: null };
    this.#transition(rec, "rolled_back", target);
    this.host.log.info("checkout.rolled_back", this.#fields(rec, { target }));
    await this.host.scheduleAlarm();
  }

  /** The lock's lifetime in minutes: the request's, else the default, never over CHECKOUT_MAX_TTL_MINUTES. */
  #ttlWithinLimit(ttlMinutes: number | undefined): number {
    const { config } = this.host;
    const ttl = ttlMinutes ?? config.ttlMinutes;
    if (ttl > config.maxTtlMinutes) {
      throw new AppError("validation_error", `ttl_minutes may be at most ${config.maxTtlMinutes}.`, {
        issues: [{ path: "ttl_minutes", message: `Must be at most ${config.maxTtlMinutes}` }],
      });
    }
    return ttl;
  }

  async #scheduleRetry(rec: CheckoutRecord, error: unknown): Promise<void> {
    const attempts = rec.retry.attempts + 1;
    const delay = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (attempts - 1));
    rec.retry = { attempts, nextAt: isoNow(Date.now() + delay), lastError: errorText(error) };
    this.host.saveCheckout(rec);
    this.host.log.error("checkout.step_retry_scheduled", this.#fields(rec, { attempts, delay_ms: delay, ...errorFields(error) }));
    await this.host.scheduleAlarm();
  }

  // ------------------------------------------------------------------- helpers

  async #recordAttempt(rec: CheckoutRecord, attempt: PaymentAttempt, event: string): Promise<void> {
    const now = isoNow();
    const db = this.host.db;
    try {
      await db.batch([
        upsertPayment(db, rec, attempt, now),
        upsertCheckoutRow(db, rec, now),
        timelineEntry(db, rec, event, `${event}:${attempt.number}`, now, { attempt: attempt.number, decline_code: attempt.declineCode }),
      ]);
      attempt.recorded = true;
      this.host.saveCheckout(rec);
    } catch (error) {
      // The attempt is kept in the object and written with the next batch of this checkout.
      this.host.log.warn("payment.record_deferred", this.#fields(rec, errorFields(error)));
    }
  }

  #authorizeRequest(rec: CheckoutRecord, attempt: PaymentAttempt): AuthorizeRequest {
    return {
      idempotencyKey: attempt.key,
      amount: attemptAmount(rec, attempt),
      currency: rec.currency,
      method: attempt.method,
      metadata: { checkout_id: rec.id, cart_id: rec.cartId, attempt: attempt.number },
    };
  }

  /** The quote total in the gateway's units, at the exponent the quote was priced with. */
  async #quoteTotalInGatewayUnits(rec: CheckoutRecord): Promise<number> {
    // A checkout locked before the exponent was kept asks the catalog once.
    rec.currencyExponent ??= (await currencyExponent(this.host.db, rec.currency)) ?? undefined;
    if (rec.currencyExponent === undefined) throw new Error(`The currency ${rec.currency} is not in the catalog.`);
    return quoteTotalInGatewayUnits(this.host.gateway.provider, rec, rec.currencyExponent);
  }

  /** A total of 0: the order is created and committed with no gateway call at all. */
  async #completeWithoutPayment(rec: CheckoutRecord, method: PaymentMethodInput, requestKey: string | null, fault?: CheckoutPhase): Promise<Outcome> {
    const attempt = paymentNotRequired(rec, method, requestKey);
    rec.attempts.push(attempt);
    this.#transition(rec, "pay");
    await this.host.scheduleAlarm();
    return this.#continueAfterAuthorization(rec, attempt, fault);
  }

  #transition(rec: CheckoutRecord, event: CheckoutEvent, target?: RollbackTarget): void {
    const next = nextState(rec.state, event, target);
    if (!next) throw new Error(`Illegal checkout transition: ${rec.state} --${event}-->`);
    rec.state = next;
    if (next in PHASE_OF_STATE) rec.phase = PHASE_OF_STATE[next as keyof typeof PHASE_OF_STATE];
    this.host.saveCheckout(rec);
    this.#logPhase(rec, `checkout.${event}`);
  }

  #fault(fault: CheckoutPhase | undefined, phase: CheckoutPhase): void {
    if (fault === phase && this.host.config.faultInjection) throw new InjectedFault(phase);
  }

  async #pause(point: PausePoint): Promise<void> {
    await this.host.pausePoints?.at(point);
  }

  #failureOf(rec: CheckoutRecord, error: unknown): CheckoutFailure {
    if (error instanceof AppError) return { phase: rec.phase, code: error.code, message: error.message };
    if (error instanceof InjectedFault) {
      rec.phase = error.phase;
      return { phase: error.phase, code: "injected_fault", message: error.message };
    }
    this.host.log.error("checkout.phase_error", this.#fields(rec, errorFields(error)));
    return { phase: rec.phase, code: "unavailable", message: "A dependency failed." };
  }

  /** The error the client sees for a failure in a phase (its phase named in details). */
  #clientError(rec: CheckoutRecord, error: unknown, failure: CheckoutFailure): AppError {
    if (error instanceof AppError) {
      return new AppError(error.code, error.message, { ...error.details, phase: failure.phase, checkout_id: rec.id }, error.headers);
    }
    const gatewayPhase = failure.phase === "payment_authorization" || failure.phase === "payment_capture";
    return gatewayPhase
      ? new AppError("payment_gateway_error", "The payment gateway failed; the checkout was rolled back.", { phase: failure.phase, checkout_id: rec.id })
      : new AppError("unavailable", `Checkout failed during ${failure.phase}; everything was rolled back. Retrying is safe.`, {
          phase: failure.phase,
          checkout_id: rec.id,
        });
  }

  #orderJson(rec: CheckoutRecord) {
    const quote: Quote = rec.quote!;
    return orderJson({
      id: rec.orderId!,
      number: rec.orderNumber,
      cartId: rec.cartId,
      checkoutId: rec.id,
      status: "paid",
      currency: quote.currency,
      currencyExponent: quote.currency_exponent,
      email: rec.email,
      lines: quote.lines,
      subtotal: quote.subtotal,
      discountTotal: quote.discount_total,
      taxTotal: quote.tax_total,
      total: quote.total,
      payment: orderPayment(paidAttempt(rec), quote.total),
      createdAt: rec.lockedAt ?? rec.createdAt,
      // A completing order has no refund yet (refunds are the admin's, after the sale).
      refundedTotal: 0,
      refunds: [],
    });
  }

  #eventData(rec: CheckoutRecord) {
    return { checkout: checkoutJson(rec, Date.now()) };
  }

  #fields(rec: CheckoutRecord, extra: Record<string, unknown> = {}) {
    return {
      checkout_id: rec.id,
      cart_id: rec.cartId,
      phase: rec.phase,
      state: rec.state,
      duration_ms: Date.now() - Date.parse(rec.createdAt),
      ...extra,
    };
  }

  #logPhase(rec: CheckoutRecord, event: string): void {
    this.host.log.info(event, this.#fields(rec));
  }
}

/** What an attempt asked the gateway for, in its units (attempts from before the mapping sent the quote total). */
function attemptAmount(rec: CheckoutRecord, attempt: PaymentAttempt): number {
  return attempt.amount ?? rec.quote!.total;
}

function swallowRetry(error: unknown): void {
  if (!(error instanceof RetryLater)) throw error;
}

export interface CompleteInput {
  payment: PaymentMethodInput;
  expectedTotal?: number;
  ttlMinutes?: number;
  /** The request's Idempotency-Key. */
  requestKey?: string;
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

export function cartCompleted(cart: CartState): AppError {
  return new AppError("cart_completed", "This cart became an order and is read-only.", { order_id: cart.orderId });
}

export function checkoutInProgress(rec: CheckoutRecord, message = "A checkout is already active for this cart."): AppError {
  return new AppError("checkout_in_progress",
    message,
    { checkout_id: rec.id, state: rec.state, phase: rec.phase, expires_at: rec.expiresAt },
    { "Retry-After": "1" },
  );
}

export function expiredError(rec: CheckoutRecord): AppError {
  return new AppError("checkout_expired", "The checkout expired; its stock and prices were released.", {
    checkout_id: rec.id,
    expires_at: rec.expiresAt,
  });
}

export { isTerminal };
