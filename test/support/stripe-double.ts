/**
 * A local Stripe double for the Workers tests. The cart objects run in the test's
 * isolate, so stubbing the global `fetch` catches their calls to STRIPE_API_BASE. It
 * keeps Stripe's documented rules, each cited beside the code that keeps it (so a test
 * fails when our code relies on something Stripe does not do): idempotent replays,
 * PaymentIntent states and their transitions, amounts in Stripe's unit per currency.
 * It also checks every request against our contract (the Bearer key, the API version,
 * form bodies, an Idempotency-Key on every POST, the create parameters) and can be told
 * to fail: decline, time out, answer 500 or 429, lose the answer after doing the work,
 * or hold an amount other than the one asked for.
 */
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, expect, vi } from "vitest";
import { stripeSignatureHeader } from "../../src/payments/stripe-webhook-signature";
import { call, type Res, type TestCart } from "./api";
import { expectInvariants } from "./invariants";

/** Stripe's test payment methods (the names Stripe documents), with the behaviour the double gives them. */
export const PM = {
  visa: "pm_card_visa",
  declined: "pm_card_chargeDeclined",
  insufficientFunds: "pm_card_chargeDeclinedInsufficientFunds",
  threeDSecure: "pm_card_threeDSecure2Required",
  /** Also needs 3-D Secure: for switching cards while a payment waits. */
  threeDSecureOther: "pm_card_authenticationRequired",
} as const;

export type StripeRoute = "create" | "confirm" | "retrieve" | "capture" | "cancel" | "refund";
export type FaultKind =
  /** Execution began, nothing was done, 500. Saved under the key and replayed, as Stripe does. */
  | "500"
  /** Execution began and did the work, then 500 (Stripe's 500 means "outcome unknown"). Saved and replayed. */
  | "500_after_work"
  /** 429 rate limited, before execution: nothing saved. */
  | "429"
  /** Does the work, then the caller's timeout fires (at once: no test waits for a real timeout). */
  | "timeout"
  /** Does the work, then the connection drops (fetch rejects). */
  | "drop_response"
  /** 402 card_error (for capture: the issuer refuses the capture). */
  | "decline"
  /** create only: the PaymentIntent holds one minor unit more than asked. */
  | "wrong_amount";

export type IntentStatus =
  | "requires_payment_method"
  | "requires_confirmation"
  | "requires_action"
  | "processing"
  | "requires_capture"
  | "canceled"
  | "succeeded";

export interface Intent {
  id: string;
  object: "payment_intent";
  status: IntentStatus;
  amount: number;
  amount_capturable: number;
  amount_received: number;
  currency: string;
  capture_method: string;
  client_secret: string;
  payment_method: string | null;
  metadata: Record<string, string>;
  last_payment_error: { code: string; decline_code?: string; message: string } | null;
  next_action: { type: string } | null;
  cancellation_reason: string | null;
}

export interface RecordedRequest {
  route: StripeRoute | "unknown";
  method: string;
  path: string;
  /** The form body with Stripe's bracketed keys as sent (`metadata[checkout_id]`). */
  form: Record<string, string>;
  idempotencyKey: string | null;
  /** How the double answered: the HTTP status and whether it was a replay of a saved answer. */
  status?: number;
  replayed?: boolean;
}

interface Stored {
  fingerprint: string;
  status: number;
  body: unknown;
}

type Answer = { status: number; body: unknown };

/*
 * Stripe's amount rules, from "Supported currencies" (https://docs.stripe.com/currencies):
 * amounts are integers in the currency's smallest unit; zero-decimal currencies are sent
 * as whole units; ISK is zero-decimal but, for backwards compatibility, sent as if it had
 * two decimals, so the amount must be divisible by 100; the three-decimal currencies are
 * sent in thousandths and the last digit must be 0; every charge has a minimum (below it
 * Stripe answers `amount_too_small`) and amounts stop at eight digits (`amount_too_large`).
 */
const ZERO_DECIMAL = new Set(["bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"]);
const THREE_DECIMAL = new Set(["bhd", "jod", "kwd", "omr", "tnd"]);
/** "Minimum and maximum charge amounts", in Stripe's unit for each currency. */
export const STRIPE_MINIMUM_CHARGE: Record<string, number> = {
  usd: 50,
  aed: 200,
  aud: 50,
  bgn: 100,
  brl: 50,
  cad: 50,
  chf: 50,
  czk: 1500,
  dkk: 250,
  eur: 50,
  gbp: 30,
  hkd: 400,
  huf: 17500,
  inr: 50,
  jpy: 50,
  mxn: 1000,
  myr: 200,
  nok: 300,
  nzd: 50,
  pln: 200,
  ron: 200,
  sek: 300,
  sgd: 50,
  thb: 1000,
};
const STRIPE_MAXIMUM_AMOUNT = 99_999_999;

/** The decimals Stripe's API counts in for a currency (ISK's two are always 00). */
export function stripeDecimals(currency: string): number {
  const c = currency.toLowerCase();
  if (ZERO_DECIMAL.has(c)) return 0;
  return THREE_DECIMAL.has(c) ? 3 : 2;
}

/** An amount in the catalog's minor unit (`exponent` decimals) in Stripe's unit for the currency. */
export function inStripeUnits(amount: number, currency: string, exponent: number): number {
  const shift = stripeDecimals(currency) - exponent;
  return shift >= 0 ? amount * 10 ** shift : amount / 10 ** -shift;
}

/** Why Stripe refuses `amount` in `currency`, or null when it takes it. */
export function stripeAmountProblem(amount: number, currency: string): { code: string; message: string } | null {
  if (!Number.isSafeInteger(amount) || amount <= 0)
    return { code: "invalid_charge_amount", message: "The amount must be a positive integer in the currency's smallest unit." };
  if (currency === "isk" && amount % 100 !== 0)
    return { code: "invalid_charge_amount", message: "ISK amounts are sent with two decimals that are always 00 (divisible by 100)." };
  if (THREE_DECIMAL.has(currency) && amount % 10 !== 0)
    return { code: "invalid_charge_amount", message: `${currency.toUpperCase()} amounts are in thousandths and must end in 0.` };
  const minimum = STRIPE_MINIMUM_CHARGE[currency];
  if (minimum !== undefined && amount < minimum) return { code: "amount_too_small", message: `Amount must be at least ${minimum} ${currency}.` };
  if (amount > STRIPE_MAXIMUM_AMOUNT) return { code: "amount_too_large", message: "Amount must be no more than 99999999." };
  return null;
}

/*
 * The PaymentIntent lifecycle ("How PaymentIntents work", https://docs.stripe.com/payments/paymentintents/lifecycle,
 * and the API reference of each call): created without a payment method it is
 * requires_payment_method, with one requires_confirmation; confirming moves it to
 * requires_action (3-D Secure), requires_capture (manual capture) or back to
 * requires_payment_method (declined). Capture only from requires_capture, with
 * amount_to_capture ≤ amount_capturable. Cancel only from requires_payment_method,
 * requires_capture, requires_confirmation, requires_action or processing. A refund only
 * of a succeeded intent, up to what was received.
 */
const CONFIRMABLE: IntentStatus[] = ["requires_payment_method", "requires_confirmation", "requires_action"];
const CANCELABLE: IntentStatus[] = ["requires_payment_method", "requires_capture", "requires_confirmation", "requires_action", "processing"];
const CANCELLATION_REASONS = ["duplicate", "fraudulent", "requested_by_customer", "abandoned"];

export class StripeDouble {
  readonly base = new URL(env.STRIPE_API_BASE!).origin;
  readonly intents = new Map<string, Intent>();
  readonly requests: RecordedRequest[] = [];
  /** Requests that broke the contract or a Stripe rule our code must keep (each test's afterEach expects none). */
  readonly violations: string[] = [];
  /** Holds placed on a card (an intent reaching requires_capture or requires_action): a void must never add one. */
  readonly holds: Array<{ intent: string; amount: number }> = [];
  /** Captures that moved money (a replayed capture is not a second one). */
  readonly captures: Array<{ intent: string; amount: number }> = [];
  readonly refunds: Array<{ intent: string; amount: number }> = [];
  /** Stripe's Refund objects by id, as Stripe holds them now (refund events are built from these). */
  readonly refundObjects = new Map<string, StripeRefund>();
  /** New refunds are `pending` (as for payment methods that settle later) until `settleRefund`. */
  refundsSettleLater = false;
  /** Added to every answer, so racing requests really overlap. */
  latencyMs = 0;
  /** After a "timeout" fault, how long Stripe keeps working on it (its key is in use meanwhile). */
  stillRunningMs = 0;
  readonly #stored = new Map<string, Stored>();
  readonly #inFlight = new Set<string>();
  readonly #refunded = new Map<string, number>();
  readonly #faults: Array<{ route: StripeRoute; kind: FaultKind; remaining: number }> = [];
  #seq = 0;

  install(): this {
    const passThrough = globalThis.fetch;
    vi.stubGlobal("fetch", (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input, init);
      return new URL(request.url).origin === this.base ? this.#handle(request) : passThrough(input, init);
    });
    return this;
  }

  /** The next `times` calls of `route` fail as `kind`. */
  fail(route: StripeRoute, kind: FaultKind, times = 1): this {
    this.#faults.push({ route, kind, remaining: times });
    return this;
  }

  /** Stripe is well again: the faults still pending are dropped. */
  recover(): this {
    this.#faults.length = 0;
    return this;
  }

  /** The shopper finishes (or fails) 3-D Secure in Stripe's page. */
  authenticate(intentId: string, succeeds = true): Intent {
    const intent = this.intent(intentId);
    expect(intent.status, `authenticating ${intentId}`).toBe("requires_action");
    intent.next_action = null;
    if (succeeds) {
      intent.status = "requires_capture";
      intent.amount_capturable = intent.amount;
    } else {
      intent.status = "requires_payment_method";
      intent.last_payment_error = { code: "payment_intent_authentication_failure", message: "The customer failed 3-D Secure." };
    }
    return intent;
  }

  intent(id: string): Intent {
    const intent = this.intents.get(id);
    if (!intent) throw new Error(`The double has no PaymentIntent ${id}`);
    return intent;
  }

  intentsFor(checkoutId: string): Intent[] {
    return [...this.intents.values()].filter((i) => i.metadata.checkout_id === checkoutId);
  }

  requestsTo(route: StripeRoute): RecordedRequest[] {
    return this.requests.filter((r) => r.route === route);
  }

  /** A Stripe event about a PaymentIntent as it is now. */
  event(type: string, intentId: string): StripeEvent {
    return {
      id: `evt_${this.#next()}`,
      object: "event",
      api_version: "2024-06-20",
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      type,
      data: { object: structuredClone(this.intent(intentId)) },
    };
  }

  /**
   * Stripe settles a refund it left pending. A failed or canceled refund gives its amount
   * back to the PaymentIntent ("Refunds": a failed refund's funds return to the balance).
   */
  settleRefund(refundId: string, status: "succeeded" | "failed" | "canceled"): StripeRefund {
    const refund = this.refundObject(refundId);
    expect(["pending", "requires_action"], `settling ${refundId}`).toContain(refund.status);
    refund.status = status;
    if (status !== "succeeded") {
      refund.failure_reason = "expired_or_canceled_card";
      this.#refunded.set(refund.payment_intent, (this.#refunded.get(refund.payment_intent) ?? 0) - refund.amount);
    }
    return refund;
  }

  /** A refund made in Stripe's dashboard: no request of ours, no metadata. */
  outsideRefund(intentId: string, amount: number): StripeRefund {
    const intent = this.intent(intentId);
    this.#refunded.set(intent.id, (this.#refunded.get(intent.id) ?? 0) + amount);
    const refund: StripeRefund = {
      id: `re_${this.#next()}`,
      object: "refund",
      amount,
      currency: intent.currency,
      status: "succeeded",
      payment_intent: intent.id,
      metadata: {},
      failure_reason: null,
    };
    this.refundObjects.set(refund.id, refund);
    return refund;
  }

  refundObject(id: string): StripeRefund {
    const refund = this.refundObjects.get(id);
    if (!refund) throw new Error(`The double has no Refund ${id}`);
    return refund;
  }

  /** A Stripe event about a Refund as it is now (`refund.updated`, `refund.failed`, `charge.refund.updated`…). */
  refundEvent(type: string, refundId: string): StripeEvent {
    return {
      id: `evt_${this.#next()}`,
      object: "event",
      api_version: "2024-06-20",
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      type,
      data: { object: structuredClone(this.refundObject(refundId)) },
    };
  }

  // ------------------------------------------------------------------ the API

  async #handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const body = request.method === "POST" ? await request.text() : "";
    const form = Object.fromEntries(new URLSearchParams(body));
    const [route, id] = routeOf(request.method, url.pathname);
    const idempotencyKey = request.headers.get("idempotency-key");
    const recorded: RecordedRequest = { route, method: request.method, path: url.pathname, form, idempotencyKey };
    this.requests.push(recorded);
    const respond = (answer: Answer, replayed = false) => {
      recorded.status = answer.status;
      recorded.replayed = replayed;
      // Stripe marks an answer served from its idempotency store with `Idempotent-Replayed: true`.
      return Response.json(answer.body, { status: answer.status, headers: replayed ? { "idempotent-replayed": "true" } : {} });
    };

    if (request.headers.get("authorization") !== `Bearer ${env.STRIPE_SECRET_KEY}`) {
      return respond(this.#violation(`${route}: wrong or missing Authorization header`, 401, "authentication_required"));
    }
    if (!request.headers.get("stripe-version")) this.violations.push(`${route}: no Stripe-Version header`);
    if (route === "unknown") return respond(this.#violation(`unknown endpoint ${request.method} ${url.pathname}`, 404, "resource_missing"));
    const post = request.method === "POST";
    if (post) {
      if (!idempotencyKey) return respond(this.#violation(`${route}: POST without Idempotency-Key`, 400, "idempotency_key_missing"));
      if (request.headers.get("content-type") !== "application/x-www-form-urlencoded") {
        return respond(this.#violation(`${route}: body is not form encoded`, 400, "invalid_content_type"));
      }
    }
    const key = post ? idempotencyKey! : null;
    const fingerprint = `${request.method} ${url.pathname} ${body}`;
    // Rate limiting comes first, before the idempotency layer: nothing is saved or replayed.
    if (this.#takeFault(route, "429"))
      return respond(stripeError(429, { type: "invalid_request_error", code: "rate_limit", message: "Too many requests (double)." }));

    // Idempotent requests (https://docs.stripe.com/api/idempotent_requests): a request
    // that conflicts with one still executing under the same key gets 409
    // idempotency_key_in_use and nothing is saved; a key reused with other parameters gets
    // 400 idempotency_error; otherwise the saved status and body are replayed.
    if (key && this.#inFlight.has(key)) {
      return respond(
        stripeError(409, {
          type: "idempotency_error",
          code: "idempotency_key_in_use",
          message: "There is currently another in-progress request using this Idempotency Key.",
        }),
      );
    }
    const stored = key ? this.#stored.get(key) : undefined;
    if (stored && stored.fingerprint !== fingerprint) {
      this.violations.push(`${route}: Idempotency-Key ${key} reused with different parameters`);
      return respond(
        stripeError(400, {
          type: "idempotency_error",
          message: "Keys for idempotent requests can only be used with the same parameters they were first used with.",
        }),
      );
    }
    if (stored) return respond({ status: stored.status, body: stored.body }, true);

    if (key) this.#inFlight.add(key);
    let keepRunning = false;
    try {
      if (this.latencyMs) await scheduler.wait(this.latencyMs);
      const fault = this.#takeFault(route);
      // A request that fails validation is not saved either (same page).
      const invalid = this.#validate(route, form);
      if (invalid) return respond(invalid);

      // Execution begins: from here the result is saved under the key, 500s included.
      const answer = fault === "500" ? serverError() : this.#apply(route, id, form, fault);
      if (fault === "500_after_work") Object.assign(answer, serverError());
      const save = () => {
        if (key) this.#stored.set(key, { fingerprint, ...answer });
        if (key) this.#inFlight.delete(key);
      };
      if (fault === "timeout" && this.stillRunningMs > 0) {
        keepRunning = true;
        setTimeout(save, this.stillRunningMs);
      } else save();
      if (fault === "timeout") throw new DOMException("The operation was aborted due to timeout (double).", "TimeoutError");
      if (fault === "drop_response") throw new TypeError("Network connection lost (double).");
      return respond(answer);
    } finally {
      if (key && !keepRunning && !this.#stored.has(key)) this.#inFlight.delete(key);
    }
  }

  /** Parameter validation, before execution (nothing saved). Our create parameters are part of the contract. */
  #validate(route: StripeRoute, form: Record<string, string>): Answer | null {
    if (route === "create") {
      const required: Record<string, (v: string | undefined) => boolean> = {
        amount: (v) => v !== undefined && /^[1-9]\d*$/.test(v),
        currency: (v) => v !== undefined && /^[a-z]{3}$/.test(v),
        capture_method: (v) => v === "manual",
        "metadata[checkout_id]": (v) => !!v?.startsWith("chk_"),
        "metadata[cart_id]": (v) => !!v?.startsWith("cart_"),
      };
      for (const [param, valid] of Object.entries(required)) {
        if (!valid(form[param])) {
          this.violations.push(`create: parameter ${param} is ${JSON.stringify(form[param])}`);
          return stripeError(400, { type: "invalid_request_error", code: "parameter_invalid", param, message: `Invalid ${param} (double).` });
        }
      }
      // An empty string is not "no payment method" to Stripe: it is an invalid one.
      if (form.payment_method === "") {
        this.violations.push(`create: payment_method is ""`);
        return stripeError(400, {
          type: "invalid_request_error",
          code: "parameter_invalid_empty",
          param: "payment_method",
          message: "You passed an empty string for 'payment_method'.",
        });
      }
      const problem = stripeAmountProblem(Number(form.amount), form.currency!);
      if (problem) {
        // Our code must never ask Stripe for an amount it refuses (the checkout refuses it first).
        this.violations.push(`create: ${form.amount} ${form.currency} refused (${problem.code})`);
        return stripeError(400, { type: "invalid_request_error", code: problem.code, param: "amount", message: problem.message });
      }
    }
    if (route === "cancel" && form.cancellation_reason !== undefined && !CANCELLATION_REASONS.includes(form.cancellation_reason)) {
      this.violations.push(`cancel: cancellation_reason ${form.cancellation_reason}`);
      return stripeError(400, {
        type: "invalid_request_error",
        code: "parameter_invalid",
        param: "cancellation_reason",
        message: "Invalid cancellation_reason.",
      });
    }
    if (route === "capture" && form.amount_to_capture !== undefined && !/^[1-9]\d*$/.test(form.amount_to_capture)) {
      return stripeError(400, { type: "invalid_request_error", code: "parameter_invalid_integer", param: "amount_to_capture", message: "Invalid integer." });
    }
    return null;
  }

  #apply(route: StripeRoute, id: string | null, form: Record<string, string>, fault: FaultKind | null): Answer {
    switch (route) {
      case "create":
        return this.#create(form, fault);
      case "confirm":
        return this.#confirm(id!, form, fault);
      case "retrieve": {
        const intent = this.intents.get(id!);
        return intent ? ok(intent) : missing(id!);
      }
      case "capture":
        return this.#capture(id!, form, fault);
      case "cancel":
        return this.#cancel(id!, form);
      case "refund":
        return this.#refund(form);
    }
  }

  #create(form: Record<string, string>, fault: FaultKind | null): Answer {
    const id = `pi_${this.#next()}`;
    const amount = Number(form.amount) + (fault === "wrong_amount" ? 1 : 0);
    const metadata = metadataOf(form);
    const intent: Intent = {
      id,
      object: "payment_intent",
      status: form.payment_method ? "requires_confirmation" : "requires_payment_method",
      amount,
      amount_capturable: 0,
      amount_received: 0,
      currency: form.currency!,
      capture_method: "manual",
      client_secret: `${id}_secret_${this.#next()}`,
      payment_method: form.payment_method ?? null,
      metadata,
      last_payment_error: null,
      next_action: null,
      cancellation_reason: null,
    };
    this.intents.set(id, intent);
    // confirm=true on create runs the confirmation in the same call.
    if (form.confirm === "true") return this.#confirm(id, {}, fault);
    return ok(intent);
  }

  #confirm(id: string, form: Record<string, string>, fault: FaultKind | null): Answer {
    const intent = this.intents.get(id);
    if (!intent) return missing(id);
    if (!CONFIRMABLE.includes(intent.status)) return unexpectedState(intent, "confirm");
    const pm = form.payment_method ?? intent.payment_method;
    if (!pm)
      return stripeError(400, {
        type: "invalid_request_error",
        code: "payment_intent_unexpected_state",
        message: "You cannot confirm this PaymentIntent because it's missing a payment method.",
      });
    if (!(Object.values(PM) as string[]).includes(pm)) {
      return stripeError(400, { type: "invalid_request_error", code: "resource_missing", param: "payment_method", message: `No such PaymentMethod: '${pm}'` });
    }
    intent.payment_method = pm;
    const declineCode =
      pm === PM.declined ? "generic_decline" : pm === PM.insufficientFunds ? "insufficient_funds" : fault === "decline" ? "do_not_honor" : null;
    if (declineCode) {
      intent.status = "requires_payment_method";
      intent.amount_capturable = 0;
      intent.last_payment_error = { code: "card_declined", decline_code: declineCode, message: "Your card was declined." };
      return stripeError(402, {
        type: "card_error",
        code: "card_declined",
        decline_code: declineCode,
        message: "Your card was declined.",
        payment_intent: structuredClone(intent),
      });
    }
    intent.last_payment_error = null;
    if (pm === PM.threeDSecure || pm === PM.threeDSecureOther) {
      intent.status = "requires_action";
      intent.amount_capturable = 0;
      intent.next_action = { type: "use_stripe_sdk" };
    } else {
      intent.status = "requires_capture";
      intent.amount_capturable = intent.amount;
    }
    this.holds.push({ intent: id, amount: intent.amount });
    return ok(intent);
  }

  #capture(id: string, form: Record<string, string>, fault: FaultKind | null): Answer {
    const intent = this.intents.get(id);
    if (!intent) return missing(id);
    if (intent.status !== "requires_capture") return unexpectedState(intent, "capture");
    if (fault === "decline")
      return stripeError(402, { type: "card_error", code: "card_declined", decline_code: "do_not_honor", message: "The capture was declined (double)." });
    const amount = form.amount_to_capture === undefined ? intent.amount_capturable : Number(form.amount_to_capture);
    if (amount > intent.amount_capturable) {
      return stripeError(400, {
        type: "invalid_request_error",
        code: "amount_too_large",
        param: "amount_to_capture",
        message: "amount_to_capture must be at most amount_capturable.",
      });
    }
    intent.status = "succeeded";
    intent.amount_received = amount;
    intent.amount_capturable = 0;
    this.captures.push({ intent: id, amount });
    return ok(intent);
  }

  #cancel(id: string, form: Record<string, string>): Answer {
    const intent = this.intents.get(id);
    if (!intent) return missing(id);
    if (!CANCELABLE.includes(intent.status)) return unexpectedState(intent, "cancel");
    intent.status = "canceled";
    intent.amount_capturable = 0;
    intent.next_action = null;
    intent.cancellation_reason = form.cancellation_reason ?? null;
    return ok(intent);
  }

  #refund(form: Record<string, string>): Answer {
    const intent = this.intents.get(form.payment_intent ?? "");
    if (!intent) return missing(form.payment_intent ?? "");
    const refunded = this.#refunded.get(intent.id) ?? 0;
    const amount = form.amount === undefined ? intent.amount_received - refunded : Number(form.amount);
    if (intent.status !== "succeeded") return unexpectedState(intent, "refund");
    if (!(amount > 0 && refunded + amount <= intent.amount_received)) {
      return stripeError(400, {
        type: "invalid_request_error",
        code: "amount_too_large",
        param: "amount",
        message: "Refund amount is greater than the unrefunded amount (double).",
      });
    }
    this.#refunded.set(intent.id, refunded + amount);
    this.refunds.push({ intent: intent.id, amount });
    const metadata = metadataOf(form);
    const refund: StripeRefund = {
      id: `re_${this.#next()}`,
      object: "refund",
      amount,
      currency: intent.currency,
      status: this.refundsSettleLater ? "pending" : "succeeded",
      payment_intent: intent.id,
      metadata,
      failure_reason: null,
    };
    this.refundObjects.set(refund.id, refund);
    return ok(refund);
  }

  /** The next pending fault of `route` (only if it is of `kind`, when given). */
  #takeFault(route: StripeRoute | "unknown", kind?: FaultKind): FaultKind | null {
    const fault = this.#faults.find((f) => f.route === route && f.remaining > 0);
    if (!fault || (kind && fault.kind !== kind)) return null;
    fault.remaining--;
    return fault.kind;
  }

  #violation(message: string, status: number, code: string): Answer {
    this.violations.push(message);
    return stripeError(status, { type: "invalid_request_error", code, message });
  }

  #next(): string {
    return `${(++this.#seq).toString(36)}${Math.random().toString(36).slice(2, 10)}`;
  }
}

export interface StripeRefund {
  id: string;
  object: "refund";
  amount: number;
  currency: string;
  status: "pending" | "requires_action" | "succeeded" | "failed" | "canceled";
  payment_intent: string;
  metadata: Record<string, string>;
  failure_reason: string | null;
}

export interface StripeEvent {
  id: string;
  object: "event";
  api_version: string;
  created: number;
  livemode: boolean;
  type: string;
  data: { object: unknown };
}

function routeOf(method: string, path: string): [StripeRoute | "unknown", string | null] {
  if (method === "POST" && path === "/v1/payment_intents") return ["create", null];
  if (method === "POST" && path === "/v1/refunds") return ["refund", null];
  const m = path.match(/^\/v1\/payment_intents\/([^/]+)(?:\/(confirm|capture|cancel))?$/);
  if (!m) return ["unknown", null];
  const id = decodeURIComponent(m[1]!);
  const action = m[2] as "confirm" | "capture" | "cancel" | undefined;
  if (action === undefined) return method === "GET" ? ["retrieve", id] : ["unknown", null];
  return method === "POST" ? [action, id] : ["unknown", null];
}

/** `metadata[key]=value` form fields as the object Stripe keeps. */
function metadataOf(form: Record<string, string>): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(form)) {
    const m = key.match(/^metadata\[(.+)\]$/);
    if (m) metadata[m[1]!] = value;
  }
  return metadata;
}

const ok = (body: unknown): Answer => ({ status: 200, body: structuredClone(body) });
const serverError = (): Answer => ({ status: 500, body: { error: { type: "api_error", message: "An unknown error occurred (double)." } } });
const stripeError = (status: number, error: Record<string, unknown>): Answer => ({ status, body: { error } });
const missing = (id: string) => stripeError(404, { type: "invalid_request_error", code: "resource_missing", message: `No such payment_intent: '${id}'` });
const unexpectedState = (intent: Intent, action: string) =>
  stripeError(400, {
    type: "invalid_request_error",
    code: "payment_intent_unexpected_state",
    message: `You cannot ${action} this PaymentIntent because it has a status of ${intent.status}.`,
    payment_intent: structuredClone(intent),
  });

// ------------------------------------------------------------------- webhooks

export interface WebhookOptions {
  secret?: string;
  /** Unix seconds the signature claims (default now). */
  timestamp?: number;
  /** Change the body after signing it. */
  tamper?: (body: string) => string;
  header?: string | null;
}

/** POSTs an event to the Worker's Stripe webhook, signed as Stripe signs it. */
export async function postStripeEvent(event: StripeEvent | string, options: WebhookOptions = {}): Promise<Res> {
  const body = typeof event === "string" ? event : JSON.stringify(event);
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const header = options.header !== undefined ? options.header : await stripeSignatureHeader(options.secret ?? env.STRIPE_WEBHOOK_SECRET!, body, timestamp);
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (header !== null) headers["stripe-signature"] = header;
  return call("POST", "/v1/webhooks/stripe", { raw: options.tamper ? options.tamper(body) : body, headers });
}

// ------------------------------------------------------------------ invariants

/**
 * docs/architecture.md invariant 4 from Stripe's side: every captured PaymentIntent has one paid
 * order of exactly its amount, no checkout captured twice, and no authorization is left
 * holding money for a checkout that ended.
 */
export async function expectStripeLedgerMatches(double: StripeDouble): Promise<void> {
  const byCheckout = new Map<string, Intent[]>();
  for (const intent of double.intents.values()) {
    const list = byCheckout.get(intent.metadata.checkout_id!) ?? [];
    list.push(intent);
    byCheckout.set(intent.metadata.checkout_id!, list);
  }
  for (const [checkoutId, intents] of byCheckout) {
    const checkout = await env.DB.prepare("SELECT state FROM checkouts WHERE id = ?").bind(checkoutId).first<{ state: string }>();
    const quote = await env.DB.prepare("SELECT q.total, q.currency, c.exponent FROM quotes q JOIN currencies c ON c.code = q.currency WHERE q.checkout_id = ?")
      .bind(checkoutId)
      .first<{ total: number; currency: string; exponent: number }>();
    const order = await env.DB.prepare("SELECT status, total FROM orders WHERE checkout_id = ?").bind(checkoutId).first<{ status: string; total: number }>();
    const captured = intents.filter((i) => i.status === "succeeded");
    expect(captured.length, `captured PaymentIntents of ${checkoutId}`).toBeLessThanOrEqual(1);
    if (captured[0]) {
      // Stripe's own record of the money against the quote the shopper was shown, in
      // Stripe's unit worked out here from its documented decimals (not by the code's mapping).
      // Refunds and cancellation come after the sale: the order was paid, whatever followed.
      expect(order?.total, `order of captured ${captured[0].id}`).toBe(quote?.total);
      expect(["paid", "partially_refunded", "refunded", "cancelled"], `status of the order of captured ${captured[0].id}`).toContain(order?.status);
      expect({ amount: captured[0].amount_received, currency: captured[0].currency }, `Stripe's capture of ${checkoutId} against its quote`).toEqual({
        amount: quote ? inStripeUnits(quote.total, quote.currency, quote.exponent) : null,
        currency: quote?.currency.toLowerCase(),
      });
    } else {
      expect(order?.status ?? null, `order of ${checkoutId} without a capture`).not.toBe("paid");
    }
    const ended = ["completed", "failed", "cancelled", "expired"].includes(checkout?.state ?? "");
    for (const intent of intents) {
      if (ended) expect(["requires_capture", "requires_action"], `${intent.id} still open after ${checkoutId} ended`).not.toContain(intent.status);
    }
  }
  const capturedIntents = double.captures.map((c) => c.intent);
  expect(new Set(capturedIntents).size, "no PaymentIntent captured twice").toBe(capturedIntents.length);
}

/**
 * Installs a fresh Stripe double before each test of the file and, after each, checks
 * that no request broke Stripe's contract, that its ledger matches ours, and the invariants.
 */
export function useStripeDouble(onInstall: (double: StripeDouble) => void): void {
  let current: StripeDouble;
  beforeEach(() => {
    current = new StripeDouble().install();
    onInstall(current);
  });
  afterEach(async () => {
    expect(current.violations, "requests that broke Stripe's contract").toEqual([]);
    await expectStripeLedgerMatches(current);
    await expectInvariants();
    vi.unstubAllGlobals();
  });
}

/** Completes a checkout with a Stripe payment method (a fresh Idempotency-Key unless one is given). */
export function payWithStripe(
  cart: TestCart,
  paymentMethod: string,
  headers: Record<string, string> = { "idempotency-key": crypto.randomUUID() },
): Promise<Res> {
  return call("POST", `/v1/carts/${cart.id}/checkout/complete`, {
    headers: { ...cart.auth, ...headers },
    body: { payment: { method: "stripe", payment_method: paymentMethod } },
  });
}
