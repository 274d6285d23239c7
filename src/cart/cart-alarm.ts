/**
 * When a cart's one alarm rings: the active checkout's deadline, the retry of a step
 * waiting for one, a step in flight rechecked (at once when a dead instance left it),
 * and the next stored Idempotency-Key past retention — the keys only once the cart has a
 * checkout (before that, the next keyed request prunes them): a drop's refused shopper
 * never checks out, and an alarm per new cart is a write the refusal does not need.
 */
import { isInFlight } from "../checkout/state-machine";
import type { CheckoutRecord } from "./cart-state";
import { isActive } from "./cart-view";

/**
 * A step in flight (reserving, authorizing, capturing…) keeps an alarm this close: if the
 * instance dies under it and nobody comes back, the next instance resumes or rolls it
 * back within this time — an authorization is voided and stock freed in seconds, not at
 * the deadline. An alarm that finds the step still running waits for it (serialised).
 */
export const IN_FLIGHT_RECHECK_MS = 30_000;

/** The alarm's time (epoch ms), or null for none. */
export function nextAlarmAt(rec: CheckoutRecord | null, interrupted: boolean, keysExpiry: number | undefined, now: number): number | null {
  const times: number[] = [];
  if (isActive(rec)) {
    times.push(Date.parse(rec.expiresAt));
    // Only unfinished work is retried: a stale retry time on a settled checkout would re-fire forever.
    if (rec.retry.nextAt && isInFlight(rec.state)) times.push(Date.parse(rec.retry.nextAt));
    if (isInFlight(rec.state)) times.push(interrupted ? now : now + IN_FLIGHT_RECHECK_MS);
  }
  if (rec && keysExpiry) times.push(keysExpiry);
  return times.length === 0 ? null : Math.min(...times);
}
