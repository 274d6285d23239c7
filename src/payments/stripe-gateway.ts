/**
 * The Stripe gateway (CHECKOUT_PAYMENT_GATEWAY=stripe): one PaymentIntent per payment
 * attempt, created with `capture_method=manual` for exactly the quote total, then
 * confirmed by id with the payment method (the hold), captured for exactly that amount,
 * cancelled to void. Every POST carries the saga's idempotency key (checkout id + phase +
 * attempt), so a call repeated after a timeout or a crash has the effect of one call.
 * Stripe saves the first answer under a key, 500s included, and replays it for a day, so
 * an unknown outcome is settled by a GET of the intent, never by a replay alone.
 */
import type {
  AuthorizeRequest,
  AuthorizeResult,
  CaptureRequest,
  CaptureResult,
  PaymentGateway,
  RefundRequest,
  RefundResult,
  RetrieveRequest,
  VoidRequest,
  VoidResult,
} from "./gateway";
import { StripeClient, type FormValue, type StripeResult } from "./stripe-client";
import { describeFailure, type StripeFailure } from "./stripe-errors";
import type { StripePaymentIntent, StripeRefund } from "./stripe-objects";

export interface StripeGatewayOptions {
  secretKey?: string;
  apiBase?: string;
  timeoutMs?: number;
}

export class StripeGateway implements PaymentGateway {
  readonly provider = "stripe" as const;
  readonly #client: StripeClient | null;

  constructor(options: StripeGatewayOptions) {
    // Without a key the Worker still starts; payments answer 503 until the secret is set.
    this.#client = options.secretKey ? new StripeClient({ secretKey: options.secretKey, apiBase: options.apiBase, timeoutMs: options.timeoutMs }) : null;
  }

  configurationError(): string | null {
    return this.#client ? null : "Payments are not available: CHECKOUT_PAYMENT_GATEWAY is 'stripe' but STRIPE_SECRET_KEY is not set.";
  }

  async authorize(req: AuthorizeRequest): Promise<AuthorizeResult> {
    const client = this.#client;
    if (!client) return { status: "error", message: this.configurationError()!, retryable: false };
    if (req.method.method !== "stripe") return { status: "error", message: "Not a Stripe payment method.", retryable: false };
    // Two steps, so that money is only ever held on a PaymentIntent whose id we know: the
    // create holds nothing; the confirm (by id) is what authorizes the card.
    const created = await this.#createIntent(client, req);
    if (!created.ok) return authorizeFailure(created.failure);
    const intent = created.value;
    const confirmed = await client.post<StripePaymentIntent>(
      `${intentPath(intent.id)}/confirm`,
      { payment_method: req.method.payment_method },
      confirmKey(req),
    );
    if (confirmed.ok) return authorizationOf(confirmed.value, req);
    const failure = confirmed.failure;
    switch (failure.kind) {
      case "card_declined":
        return { status: "declined", declineCode: failure.declineCode, message: failure.message, reference: intent.id };
      case "invalid_payment_method":
        return { status: "declined", declineCode: failure.code, message: failure.message, reference: intent.id };
      case "unexpected_state":
      case "transient": {
        // The confirm's outcome is unknown (a 5xx Stripe keeps replaying, a timeout, a
        // concurrent request) or the intent moved (a void came first): a GET by id is
        // consistent and says where it stands.
        const now = (failure.kind === "unexpected_state" ? failure.paymentIntent : null) ?? (await this.#intent(client, intent.id));
        if (now) return authorizationOf(now, req);
        return { status: "error", message: describeFailure(failure), retryable: true };
      }
      default:
        return { status: "error", message: describeFailure(failure), retryable: false };
    }
  }

  async retrieve(req: RetrieveRequest): Promise<AuthorizeResult> {
    const client = this.#client;
    if (!client) return { status: "error", message: this.configurationError()!, retryable: false };
    const result = await client.get<StripePaymentIntent>(intentPath(req.reference));
    if (!result.ok) return authorizeFailure(result.failure);
    return authorizationOf(result.value, req.authorization);
  }

  async capture(req: CaptureRequest): Promise<CaptureResult> {
    const client = this.#client;
    if (!client) return { status: "error", message: this.configurationError()!, retryable: false };
    // amount_to_capture is always the quote total: never more, never a different amount.
    const result = await client.post<StripePaymentIntent>(`${intentPath(req.reference)}/capture`, { amount_to_capture: req.amount }, req.idempotencyKey);
    if (result.ok) return capturedOf(result.value, req.amount);
    const failure = result.failure;
    switch (failure.kind) {
      case "unexpected_state": {
        // Already captured (by a replay under another key, or in the dashboard) counts
        // as captured only for exactly this amount.
        const intent = failure.paymentIntent ?? (await this.#intent(client, req.reference));
        if (intent?.status === "succeeded") return capturedOf(intent, req.amount);
        if (intent?.status === "canceled" || intent?.status === "requires_payment_method") {
          return { status: "declined", declineCode: `payment_intent_${intent.status}`, message: failure.message };
        }
        return { status: "error", message: describeFailure(failure), retryable: false };
      }
      case "card_declined":
        return { status: "declined", declineCode: failure.declineCode, message: failure.message };
      default:
        return { status: "error", message: describeFailure(failure), retryable: failure.kind === "transient" };
    }
  }

  async void(req: VoidRequest): Promise<VoidResult> {
    const client = this.#client;
    if (!client) return { status: "error", message: this.configurationError()! };
    let reference = req.reference;
    if (!reference) {
      // The authorization's answer was lost. Replaying its create (same key, same
      // parameters, no payment method) tells which PaymentIntent it made; it never
      // confirms, so it never places a hold, even if the create first runs now.
      const replay = await this.#createIntent(client, req.authorization);
      if (replay.ok) reference = replay.value.id;
      else if (replay.replayed || replay.failure.kind === "card_declined" || replay.failure.kind === "invalid_payment_method") {
        // The first answer under this key was an error (Stripe replays it, 500s included,
        // for a day): no call ever learned an intent id, so no confirm was ever sent and
        // nothing is held.
        return { status: "not_found" };
      } else return { status: "error", message: describeFailure(replay.failure) };
    }
    return this.#cancel(client, reference, req.idempotencyKey);
  }

  async refund(req: RefundRequest): Promise<RefundResult> {
    const client = this.#client;
    if (!client) return { status: "error", message: this.configurationError()!, final: true };
    if (!req.reference) return { status: "error", message: "A refund needs the PaymentIntent id.", final: true };
    // The same parameters under the same key every time: a replay answers the refund Stripe made.
    const params: Record<string, FormValue> = { payment_intent: req.reference, amount: req.amount, ...(req.metadata ? { metadata: { ...req.metadata } } : {}) };
    const result = await client.post<StripeRefund>("/v1/refunds", params, req.idempotencyKey);
    if (!result.ok) return { status: "error", message: describeFailure(result.failure), final: result.failure.kind !== "transient" };
    return refundOutcome(result.value);
  }

  async #cancel(client: StripeClient, reference: string, idempotencyKey: string): Promise<VoidResult> {
    const path = `${intentPath(reference)}/cancel`;
    const params = { cancellation_reason: "abandoned" };
    let result = await client.post<StripePaymentIntent>(path, params, idempotencyKey);
    if (!result.ok && result.failure.kind === "transient" && result.replayed) {
      // A 5xx saved under the void's key would be replayed on every retry. Cancelling is
      // safe to repeat (a cancelled intent refuses a second cancel), so ask under a new key.
      result = await client.post<StripePaymentIntent>(path, params, `${idempotencyKey}:${crypto.randomUUID()}`);
    }
    if (result.ok) {
      return result.value.status === "canceled" ? { status: "voided" } : { status: "error", message: `Stripe left the payment ${result.value.status}.` };
    }
    const failure = result.failure;
    if (failure.kind === "not_found") return { status: "not_found" };
    if (failure.kind === "unexpected_state" || failure.kind === "transient") {
      const intent = (failure.kind === "unexpected_state" ? failure.paymentIntent : null) ?? (await this.#intent(client, reference));
      if (intent?.status === "succeeded") return { status: "already_captured", amount: intent.amount_received ?? intent.amount };
      if (intent?.status === "canceled") return { status: "voided" };
    }
    return { status: "error", message: describeFailure(failure) };
  }

  #createIntent(client: StripeClient, req: AuthorizeRequest): Promise<StripeResult<StripePaymentIntent>> {
    return client.post<StripePaymentIntent>("/v1/payment_intents", paymentIntentParams(req), req.idempotencyKey);
  }

  async #intent(client: StripeClient, reference: string): Promise<StripePaymentIntent | null> {
    const result = await client.get<StripePaymentIntent>(intentPath(reference));
    return result.ok ? result.value : null;
  }
}

/**
 * The create parameters; a replay must send exactly these again (Stripe compares them
 * under one key). They name no payment method, so the void and the reconciliation, which
 * do not know it, rebuild them exactly.
 */
export function paymentIntentParams(req: AuthorizeRequest): Record<string, FormValue> {
  return {
    amount: req.amount,
    currency: req.currency.toLowerCase(),
    capture_method: "manual",
    // Cards only: a redirect-based method would need a return_url the API does not take.
    payment_method_types: ["card"],
    metadata: { checkout_id: req.metadata.checkout_id, cart_id: req.metadata.cart_id, attempt: req.metadata.attempt },
  };
}

/** The confirm's own key: one attempt, one confirm, whatever is retried. */
function confirmKey(req: AuthorizeRequest): string {
  return `${req.idempotencyKey}:confirm`;
}

function intentPath(reference: string): string {
  return `/v1/payment_intents/${encodeURIComponent(reference)}`;
}

/** What a PaymentIntent's state means for an authorization of `req`. */
function authorizationOf(intent: StripePaymentIntent, req: AuthorizeRequest): AuthorizeResult {
  if (intent.currency.toLowerCase() !== req.currency.toLowerCase()) {
    // The saga voids an attempt that ends in an error; the amount check cannot see currencies.
    return { status: "error", message: `Stripe holds ${intent.currency.toUpperCase()} for a ${req.currency} quote (${intent.id}).`, retryable: false };
  }
  switch (intent.status) {
    case "requires_capture":
      return { status: "authorized", reference: intent.id, amount: intent.amount_capturable ?? intent.amount };
    case "succeeded":
      // Captured already (not by us with manual capture, but possible from the dashboard):
      // the capture step confirms the amount.
      return { status: "authorized", reference: intent.id, amount: intent.amount_received ?? intent.amount };
    case "requires_action":
      if (!intent.client_secret)
        return { status: "error", message: `Stripe asked for customer action on ${intent.id} without a client secret.`, retryable: false };
      return { status: "requires_action", reference: intent.id, clientSecret: intent.client_secret };
    case "requires_payment_method": {
      const last = intent.last_payment_error;
      // Never confirmed (the confirm did not reach Stripe): nothing was tried, nothing is held.
      if (!last) return { status: "error", message: `Stripe has not tried the payment ${intent.id} yet.`, retryable: true };
      return {
        status: "declined",
        declineCode: last?.decline_code ?? last?.code ?? "payment_failed",
        message: last?.message ?? "The payment was not authorized.",
        reference: intent.id,
      };
    }
    case "canceled":
      return { status: "declined", declineCode: "payment_intent_canceled", message: "The payment was cancelled.", reference: intent.id };
    default:
      return { status: "error", message: `Stripe left the payment ${intent.id} ${intent.status}.`, retryable: true };
  }
}

function authorizeFailure(failure: StripeFailure): AuthorizeResult {
  switch (failure.kind) {
    case "card_declined":
      return {
        status: "declined",
        declineCode: failure.declineCode,
        message: failure.message,
        ...(failure.paymentIntent ? { reference: failure.paymentIntent.id } : {}),
      };
    case "invalid_payment_method":
      // A payment method Stripe cannot use is the shopper's to replace, like a decline.
      return { status: "declined", declineCode: failure.code, message: failure.message };
    default:
      return { status: "error", message: describeFailure(failure), retryable: failure.kind === "transient" };
  }
}

function capturedOf(intent: StripePaymentIntent, amount: number): CaptureResult {
  if (intent.status !== "succeeded")
    return { status: "error", message: `Stripe left the payment ${intent.id} ${intent.status} after capture.`, retryable: true };
  // Reported as it is: money that was taken needs its order, and the saga logs a mismatch.
  return { status: "captured", reference: intent.id, amount: intent.amount_received ?? amount };
}

/** What a Stripe Refund object (an answer or a webhook's) says about our refund. */
export function refundOutcome(refund: StripeRefund): RefundResult {
  switch (refund.status) {
    case "succeeded":
      return { status: "refunded", amount: refund.amount, reference: refund.id };
    case "failed":
    case "canceled":
      return { status: "error", message: `Stripe refund ${refund.id} ${refund.status}.`, final: true, reference: refund.id };
    default:
      return { status: "pending", reference: refund.id, message: `Stripe refund ${refund.id} is ${refund.status}.` };
  }
}
