/**
 * Helpers over a `CheckoutStatus` (also `cart.checkout`), as the original design's
 * CheckoutHelper had them. Pure functions: pass the clock where time matters.
 */
import { STATE_NAMES } from "../checkout/state-machine";
import type { CheckoutState, CheckoutStatus } from "./api-types";

type StatusLike = Pick<CheckoutStatus, "locked" | "state" | "expires_at" | "can_resume"> | null | undefined;

/** True while a checkout holds the cart: edits answer 423 until it ends or is cancelled. */
export function isCartLocked(status: StatusLike): boolean {
  return status?.locked === true;
}

/** True when the checkout may be paid (again), e.g. after a declined card, before it expires. */
export function canResume(status: StatusLike, now: number = Date.now()): boolean {
  if (!status?.can_resume) return false;
  return status.expires_at === null || Date.parse(status.expires_at) > now;
}

/** A shopper-facing name of the state ("Reserving stock", "Awaiting payment", …); "No checkout" for none. */
export function stateName(status: StatusLike | { state: CheckoutState | null }): string {
  const state = status?.state;
  return state ? STATE_NAMES[state] : "No checkout";
}

/** Milliseconds until `expires_at` (0 once passed), or null when there is no deadline. */
export function remainingMs(status: Pick<CheckoutStatus, "expires_at"> | null | undefined, now: number = Date.now()): number | null {
  if (!status?.expires_at) return null;
  return Math.max(0, Date.parse(status.expires_at) - now);
}

/** The time left until `expires_at`, as "14m 05s", "45s" or "1h 02m"; "0s" once passed; "" without a deadline. */
export function formatRemaining(status: Pick<CheckoutStatus, "expires_at"> | null | undefined, now: number = Date.now()): string {
  const ms = remainingMs(status, now);
  if (ms === null) return "";
  // Round up: "1s" until the very end, never a premature "0s".
  const total = Math.ceil(ms / 1000);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const pad = (n: number) => String(n).padStart(2, "0");
  if (hours > 0) return `${hours}h ${pad(minutes)}m`;
  if (minutes > 0) return `${minutes}m ${pad(seconds)}s`;
  return `${seconds}s`;
}
