/**
 * `POST /v1/webhooks/stripe`: Stripe's events about our PaymentIntents and refunds.
 * Authenticated by the `Stripe-Signature` header (no cart token), never behind CORS (a
 * server calls it, not a browser). A verified PaymentIntent event goes to its cart's
 * object by `metadata.cart_id`, which settles it on the storefront's own completion path;
 * a refund event settles our pending refund on the refunds' own path.
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { forgetStatistics } from "../admin/checkout-statistics";
import { AppError } from "../lib/errors";
import { isId } from "../lib/ids";
import { refundDeps } from "../orders/refund-deps";
import { applyStripeRefundEvent, parseStripeRefund, STRIPE_REFUND_EVENTS } from "../orders/stripe-refund-events";
import { verifyStripeSignature } from "../payments/stripe-webhook-signature";
import type { AppEnv } from "./carts";
import { jsonResponse } from "./http";
import { errorResponses } from "./error-responses";
import { PUBLIC_SECURITY } from "./openapi-security";

const PATH = "/v1/webhooks/stripe";
/** The API's body limit (app.ts); Stripe's PaymentIntent events are a few KiB. */
const MAX_EVENT_BYTES = 64 * 1024;

/** The events that can move a checkout; Stripe may send others, which are acknowledged and ignored. */
export const ROUTED_STRIPE_EVENTS = new Set([
  "payment_intent.amount_capturable_updated",
  "payment_intent.succeeded",
  "payment_intent.payment_failed",
  "payment_intent.canceled",
]);

const StripeEvent = z.object({
  id: z.string().min(1).max(255),
  type: z.string().min(1).max(255),
  data: z.object({
    object: z.looseObject({
      id: z.string().min(1).max(255),
      metadata: z.record(z.string(), z.string()).nullish(),
    }),
  }),
});

const WebhookAnswer = z.object({
  received: z.literal(true),
  handled: z.boolean().openapi({ description: "Whether the event changed a checkout or a refund (an unmatched refund is recorded, not handled)" }),
  result: z.string().openapi({ example: "applied" }),
  reason: z.string().optional(),
  checkout_state: z.string().optional(),
  order_id: z.string().nullable().optional(),
  refund_id: z.string().optional(),
  refund_status: z.string().optional(),
});

export const stripeWebhookRoutes = new OpenAPIHono<AppEnv>();

stripeWebhookRoutes.use(
  PATH,
  bodyLimit({
    maxSize: MAX_EVENT_BYTES,
    onError: (c) => c.json({ error: { code: "payload_too_large", message: `Request bodies are limited to ${MAX_EVENT_BYTES} bytes.` } }, 413),
  }),
);

stripeWebhookRoutes.openapi(
  createRoute({
    method: "post",
    path: PATH,
    operationId: "receiveStripeEvent",
    security: PUBLIC_SECURITY,
    tags: ["webhooks"],
    summary: "Stripe events (signed with STRIPE_WEBHOOK_SECRET); finishes payments that waited for 3-D Secure",
    description:
      "Send the raw event with its `Stripe-Signature` header. PaymentIntent events (amount_capturable_updated, succeeded, payment_failed, canceled) " +
      "are applied to the checkout named by `metadata.checkout_id`; refund events (refund.created, refund.updated, refund.failed, charge.refund.updated) " +
      "settle the pending refund they name, or are recorded as unmatched; other events answer 200 and are ignored. 503 asks Stripe to retry later.",
    responses: {
      200: jsonResponse(WebhookAnswer, "Received (applied or ignored)"),
      ...errorResponses("invalid_signature", "validation_error", "payload_too_large", "unavailable", "internal_error"),
    },
  }),
  async (c) => {
    const secret = c.env.STRIPE_WEBHOOK_SECRET;
    if (!secret) throw new AppError("unavailable", "Stripe webhooks are not configured: STRIPE_WEBHOOK_SECRET is not set.");
    // The signature covers the exact bytes, so verify the raw text before parsing it.
    const payload = await c.req.text();
    const verdict = await verifyStripeSignature({ header: c.req.header("stripe-signature"), payload, secret, nowMs: Date.now() });
    if (!verdict.ok) throw new AppError("invalid_signature", verdict.message, { reason: verdict.reason });

    let json: unknown;
    try {
      json = JSON.parse(payload);
    } catch {
      throw new AppError("validation_error", "The event is not valid JSON.", { issues: [{ path: "", message: "Invalid JSON" }] });
    }
    const parsed = StripeEvent.safeParse(json);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
      throw new AppError("validation_error", "The event does not have the shape of a Stripe event.", { issues });
    }
    const event = parsed.data;
    if (STRIPE_REFUND_EVENTS.has(event.type)) {
      const refund = parseStripeRefund(event.data.object);
      if (!refund.success) {
        const issues = refund.error.issues.map((i) => ({ path: `data.object.${i.path.join(".")}`, message: i.message }));
        throw new AppError("validation_error", "The refund event does not carry a Stripe Refund.", { issues });
      }
      // Stripe's units whatever gateway new payments use: the event is about a Stripe refund.
      const outcome = await applyStripeRefundEvent(refundDeps(c.env, "stripe"), { id: event.id, type: event.type, payload }, refund.data);
      if (outcome.result === "applied") forgetStatistics(c.env.DB);
      return c.json({ received: true as const, handled: outcome.result === "applied", ...outcome }, 200);
    }
    if (!ROUTED_STRIPE_EVENTS.has(event.type))
      return c.json({ received: true as const, handled: false, result: "ignored", reason: "event_type_not_handled" }, 200);

    const intent = event.data.object;
    const cartId = intent.metadata?.cart_id;
    const checkoutId = intent.metadata?.checkout_id;
    // PaymentIntents created by something else on the same Stripe account are not ours.
    if (!cartId || !checkoutId || !isId("cart", cartId) || !isId("chk", checkoutId)) {
      return c.json({ received: true as const, handled: false, result: "ignored", reason: "not_a_checkout_payment" }, 200);
    }
    const result = await c.env.CART.getByName(cartId).paymentEvent({ type: event.type, eventId: event.id, checkoutId, reference: intent.id });
    if (result.result === "retry") {
      throw new AppError(
        "unavailable",
        "The payment could not be settled now; retry later.",
        { reason: result.reason, checkout_state: result.state },
        { "Retry-After": "30" },
      );
    }
    if (result.result === "ignored") {
      return c.json(
        { received: true as const, handled: false, result: "ignored", reason: result.reason, ...(result.state ? { checkout_state: result.state } : {}) },
        200,
      );
    }
    return c.json(
      {
        received: true as const,
        handled: true,
        result: "applied",
        ...(result.code ? { reason: result.code } : {}),
        checkout_state: result.state,
        order_id: result.orderId,
      },
      200,
    );
  },
);

// Any other method answers here too, so no CORS preflight is ever granted on this path.
stripeWebhookRoutes.all(PATH, (c) => c.json({ error: { code: "method_not_allowed", message: "Stripe webhooks are POSTed." } }, 405, { Allow: "POST" }));
