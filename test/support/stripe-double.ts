/**
 * A local Stripe double for the Workers tests. The cart objects run in the test's
 * isolate, so stubbing the global `fetch` catches their calls to STRIPE_API_BASE. It
 * keeps PaymentIntents the way Stripe does (manual capture, cancel, refund, idempotent
 * replays under one Idempotency-Key), checks every request against the contract (the
 * Bearer key, the API version, form bodies, an Idempotency-Key on every POST, the create
 * parameters) and can be told to fail: decline, time out, answer 500 or 429, lose the
 * answer after doing the work, or hold an amount other than the one asked for.
 */
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, expect, vi } from "vitest";
import { gatewayAmount } from "../../src/payments/gateway-units";
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

export type StripeRoute = "create" | "retrieve" | "capture" | "cancel" | "refund";
export type FaultKind =
  /** 500 before doing anything (Stripe does not save such a result under the key). */
  | "500"
  /** 429 rate limited, before doing anything. */
  | "429"
  /** Does the work, then never answers: the caller's timeout fires. */
  | "timeout"
  /** Does the work, then the connection drops (fetch rejects). */
  | "drop_response"
  /** 402 card_error (for capture: the issuer refuses the capture). */
  | "decline"
  /** create only: the PaymentIntent holds one minor unit more than asked. */
  | "wrong_amount";

export interface Intent {
  id: string;
  object: "payment_intent";
  status: "requires_payment_method" | "requires_action" | "requires_capture" | "canceled" | "succeeded";
  amount: number;
  amount_capturable: number;
  amount_received: number;
  currency: string;
  capture_method: string;
  client_secret: string;
  payment_method: string;
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
}

interface Stored {
  fingerprint: string;
  status: number;
  body: unknown;
}

export class StripeDouble {
  readonly base = new URL(env.STRIPE_API_BASE!).origin;
  readonly intents = new Map<string, Intent>();
  readonly requests: RecordedRequest[] = [];
  /** Requests that broke the contract (each test's afterEach expects none). */
  readonly violations: string[] = [];
  /** Captures that moved money (a replayed capture is not a second one). */
  readonly captures: Array<{ intent: string; amount: number }> = [];
  readonly refunds: Array<{ intent: string; amount: number }> = [];
  /** Added to every answer, so racing requests really overlap. */
  latencyMs = 0;
  readonly #stored = new Map<string, Stored>();
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

  // ------------------------------------------------------------------ the API

  async #handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const body = request.method === "POST" ? await request.text() : "";
    const form = Object.fromEntries(new URLSearchParams(body));
    const [route, id] = routeOf(request.method, url.pathname);
    const idempotencyKey = request.headers.get("idempotency-key");
    this.requests.push({ route, method: request.method, path: url.pathname, form, idempotencyKey });

    if (request.headers.get("authorization") !== `Bearer ${env.STRIPE_SECRET_KEY}`) {
      return this.#violation(`${route}: wrong or missing Authorization header`, 401, "authentication_required");
    }
    if (!request.headers.get("stripe-version")) this.violations.push(`${route}: no Stripe-Version header`);
    if (route === "unknown") return this.#violation(`unknown endpoint ${request.method} ${url.pathname}`, 404, "resource_missing");
    if (request.method === "POST") {
      if (!idempotencyKey) return this.#violation(`${route}: POST without Idempotency-Key`, 400, "idempotency_key_missing");
      if (request.headers.get("content-type") !== "application/x-www-form-urlencoded") {
        return this.#violation(`${route}: body is not form encoded`, 400, "invalid_content_type");
      }
    }
    if (this.latencyMs) await scheduler.wait(this.latencyMs);

    const fault = this.#takeFault(route);
    if (fault === "500") return Response.json({ error: { type: "api_error", message: "An unknown error occurred (double)." } }, { status: 500 });
    if (fault === "429") return Response.json({ error: { type: "invalid_request_error", code: "rate_limit", message: "Too many requests (double)." } }, { status: 429 });

    let answer: { status: number; body: unknown };
    const stored = idempotencyKey ? this.#stored.get(idempotencyKey) : undefined;
    const fingerprint = `${request.method} ${url.pathname} ${body}`;
    if (stored && stored.fingerprint !== fingerprint) {
      // Stripe refuses a key reused with other parameters; the saga must never do it.
      this.violations.push(`${route}: Idempotency-Key ${idempotencyKey} reused with different parameters`);
      answer = stripeError(400, { type: "idempotency_error", message: "Keys for idempotent requests can only be used with the same parameters." });
    } else if (stored) {
      answer = { status: stored.status, body: stored.body };
    } else {
      answer = this.#apply(route, id, form, fault);
      if (request.method === "POST" && idempotencyKey) this.#stored.set(idempotencyKey, { fingerprint, ...answer });
    }

    if (fault === "timeout") {
      // Stripe did the work; the answer never comes before the caller gives up.
      await new Promise((_, reject) => {
        if (request.signal.aborted) reject(request.signal.reason);
        request.signal.addEventListener("abort", () => reject(request.signal.reason));
      });
    }
    if (fault === "drop_response") throw new TypeError("Network connection lost (double).");
    return Response.json(answer.body, { status: answer.status });
  }

  #apply(route: StripeRoute, id: string | null, form: Record<string, string>, fault: FaultKind | null): { status: number; body: unknown } {
    switch (route) {
      case "create":
        return this.#create(form, fault);
      case "retrieve": {
        const intent = this.intents.get(id!);
        return intent ? ok(intent) : missing(id!);
      }
      case "capture":
        return this.#capture(id!, form, fault);
      case "cancel":
        return this.#cancel(id!);
      case "refund":
        return this.#refund(form);
    }
  }

  #create(form: Record<string, string>, fault: FaultKind | null): { status: number; body: unknown } {
    // The parameters the adapter must send, encoded the way Stripe reads them.
    const required: Record<string, (v: string | undefined) => boolean> = {
      amount: (v) => v !== undefined && /^[1-9]\d*$/.test(v),
      currency: (v) => v !== undefined && /^[a-z]{3}$/.test(v),
      capture_method: (v) => v === "manual",
      confirm: (v) => v === "true",
      payment_method: (v) => !!v,
      "metadata[checkout_id]": (v) => !!v?.startsWith("chk_"),
      "metadata[cart_id]": (v) => !!v?.startsWith("cart_"),
    };
    for (const [key, valid] of Object.entries(required)) {
      if (!valid(form[key])) {
        this.violations.push(`create: parameter ${key} is ${JSON.stringify(form[key])}`);
        return stripeError(400, { type: "invalid_request_error", code: "parameter_invalid", param: key, message: `Invalid ${key} (double).` });
      }
    }
    const pm = form.payment_method!;
    if (!(Object.values(PM) as string[]).includes(pm)) {
      return stripeError(400, { type: "invalid_request_error", code: "resource_missing", param: "payment_method", message: `No such PaymentMethod: '${pm}'` });
    }
    const id = `pi_${this.#next()}`;
    const amount = Number(form.amount) + (fault === "wrong_amount" ? 1 : 0);
    const metadata: Record<string, string> = {};
    for (const [key, value] of Object.entries(form)) {
      const m = key.match(/^metadata\[(.+)\]$/);
      if (m) metadata[m[1]!] = value;
    }
    const intent: Intent = {
      id,
      object: "payment_intent",
      status: "requires_capture",
      amount,
      amount_capturable: amount,
      amount_received: 0,
      currency: form.currency!,
      capture_method: "manual",
      client_secret: `${id}_secret_${this.#next()}`,
      payment_method: pm,
      metadata,
      last_payment_error: null,
      next_action: null,
      cancellation_reason: null,
    };
    this.intents.set(id, intent);
    const declineCode = pm === PM.declined ? "generic_decline" : pm === PM.insufficientFunds ? "insufficient_funds" : fault === "decline" ? "do_not_honor" : null;
    if (declineCode) {
      intent.status = "requires_payment_method";
      intent.amount_capturable = 0;
      intent.last_payment_error = { code: "card_declined", decline_code: declineCode, message: "Your card was declined." };
      return stripeError(402, { type: "card_error", code: "card_declined", decline_code: declineCode, message: "Your card was declined.", payment_intent: structuredClone(intent) });
    }
    if (pm === PM.threeDSecure || pm === PM.threeDSecureOther) {
      intent.status = "requires_action";
      intent.amount_capturable = 0;
      intent.next_action = { type: "use_stripe_sdk" };
    }
    return ok(intent);
  }

  #capture(id: string, form: Record<string, string>, fault: FaultKind | null): { status: number; body: unknown } {
    const intent = this.intents.get(id);
    if (!intent) return missing(id);
    if (fault === "decline") return stripeError(402, { type: "card_error", code: "card_declined", decline_code: "do_not_honor", message: "The capture was declined (double)." });
    if (intent.status !== "requires_capture") return unexpectedState(intent, "capture");
    const amount = form.amount_to_capture === undefined ? intent.amount_capturable : Number(form.amount_to_capture);
    if (!(amount > 0 && amount <= intent.amount_capturable)) {
      return stripeError(400, { type: "invalid_request_error", code: "amount_too_large", param: "amount_to_capture", message: "Bad amount_to_capture (double)." });
    }
    intent.status = "succeeded";
    intent.amount_received = amount;
    intent.amount_capturable = 0;
    this.captures.push({ intent: id, amount });
    return ok(intent);
  }

  #cancel(id: string): { status: number; body: unknown } {
    const intent = this.intents.get(id);
    if (!intent) return missing(id);
    if (intent.status === "succeeded" || intent.status === "canceled") return unexpectedState(intent, "cancel");
    intent.status = "canceled";
    intent.amount_capturable = 0;
    intent.next_action = null;
    intent.cancellation_reason = "abandoned";
    return ok(intent);
  }

  #refund(form: Record<string, string>): { status: number; body: unknown } {
    const intent = this.intents.get(form.payment_intent ?? "");
    if (!intent) return missing(form.payment_intent ?? "");
    const amount = Number(form.amount ?? intent.amount_received);
    if (intent.status !== "succeeded" || amount > intent.amount_received) return unexpectedState(intent, "refund");
    this.refunds.push({ intent: intent.id, amount });
    return ok({ id: `re_${this.#next()}`, object: "refund", amount, status: "succeeded", payment_intent: intent.id });
  }

  #takeFault(route: StripeRoute | "unknown"): FaultKind | null {
    const fault = this.#faults.find((f) => f.route === route && f.remaining > 0);
    if (!fault) return null;
    fault.remaining--;
    return fault.kind;
  }

  #violation(message: string, status: number, code: string): Response {
    this.violations.push(message);
    return Response.json({ error: { type: "invalid_request_error", code, message } }, { status });
  }

  #next(): string {
    return `${(++this.#seq).toString(36)}${Math.random().toString(36).slice(2, 10)}`;
  }
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
  let m: RegExpMatchArray | null;
  if (method === "POST" && path === "/v1/payment_intents") return ["create", null];
  if (method === "GET" && (m = path.match(/^\/v1\/payment_intents\/([^/]+)$/))) return ["retrieve", decodeURIComponent(m[1]!)];
  if (method === "POST" && (m = path.match(/^\/v1\/payment_intents\/([^/]+)\/capture$/))) return ["capture", decodeURIComponent(m[1]!)];
  if (method === "POST" && (m = path.match(/^\/v1\/payment_intents\/([^/]+)\/cancel$/))) return ["cancel", decodeURIComponent(m[1]!)];
  if (method === "POST" && path === "/v1/refunds") return ["refund", null];
  return ["unknown", null];
}

const ok = (body: unknown) => ({ status: 200, body: structuredClone(body) });
const stripeError = (status: number, error: Record<string, unknown>) => ({ status, body: { error } });
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
 * DESIGN.md invariant 4 from Stripe's side: every captured PaymentIntent has one paid
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
    const order = await env.DB.prepare("SELECT o.status, o.total, o.currency, c.exponent FROM orders o JOIN currencies c ON c.code = o.currency WHERE o.checkout_id = ?")
      .bind(checkoutId)
      .first<{ status: string; total: number; currency: string; exponent: number }>();
    const captured = intents.filter((i) => i.status === "succeeded");
    expect(captured.length, `captured PaymentIntents of ${checkoutId}`).toBeLessThanOrEqual(1);
    if (captured[0]) {
      // Stripe counts in its own units for the currency (ISK in hundredths…): compare there.
      const total = order ? gatewayAmount("stripe", order.currency, order.total, order.exponent) : null;
      expect(order, `order of captured ${captured[0].id}`).toMatchObject({ status: "paid" });
      expect(total, `order of captured ${captured[0].id} in Stripe's units`).toEqual({ ok: true, amount: captured[0].amount_received });
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
export function payWithStripe(cart: TestCart, paymentMethod: string, headers: Record<string, string> = { "idempotency-key": crypto.randomUUID() }): Promise<Res> {
  return call("POST", `/v1/carts/${cart.id}/checkout/complete`, {
    headers: { ...cart.auth, ...headers },
    body: { payment: { method: "stripe", payment_method: paymentMethod } },
  });
}
