/**
 * The saga's answers to the client when it will not or cannot go on: refusals before
 * anything changes, and the error a failed phase reports once it has been compensated.
 */
import type { Config } from "../../lib/config";
import { AppError } from "../../lib/errors";
import { errorFields } from "../../lib/logger";
import type { CartState, CheckoutFailure, CheckoutRecord } from "../cart-state";
import { InjectedFault } from "./probe";
import type { SagaContext } from "./saga-context";

export function cartCompleted(cart: CartState): AppError {
  return new AppError("cart_completed", "This cart became an order and is read-only.", { order_id: cart.orderId });
}

export function checkoutInProgress(rec: CheckoutRecord, message = "A checkout is already active for this cart."): AppError {
  return new AppError(
    "checkout_in_progress",
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

/** The failure recorded on a checkout that reached its deadline. */
export function expiredFailure(rec: CheckoutRecord): CheckoutFailure {
  return { phase: rec.phase, code: "checkout_expired", message: "The checkout expired." };
}

/** The lock's lifetime in minutes: the request's, else the default, never over CHECKOUT_MAX_TTL_MINUTES. */
export function ttlWithinLimit(config: Config, ttlMinutes: number | undefined): number {
  const ttl = ttlMinutes ?? config.ttlMinutes;
  if (ttl > config.maxTtlMinutes) {
    throw new AppError("validation_error", `ttl_minutes may be at most ${config.maxTtlMinutes}.`, {
      issues: [{ path: "ttl_minutes", message: `Must be at most ${config.maxTtlMinutes}` }],
    });
  }
  return ttl;
}

/** What a phase's error is recorded as on the checkout (an unexpected one is logged). */
export function failureOf(ctx: SagaContext, rec: CheckoutRecord, error: unknown): CheckoutFailure {
  if (error instanceof AppError) return { phase: rec.phase, code: error.code, message: error.message };
  if (error instanceof InjectedFault) {
    rec.phase = error.phase;
    return { phase: error.phase, code: "injected_fault", message: error.message };
  }
  ctx.log.error("checkout.phase_error", ctx.fields(rec, errorFields(error)));
  return { phase: rec.phase, code: "unavailable", message: "A dependency failed." };
}

/** The error the client sees for a failure in a phase (its phase named in details). */
export function clientError(rec: CheckoutRecord, error: unknown, failure: CheckoutFailure): AppError {
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
