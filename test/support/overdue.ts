/**
 * Time travel for the cleanup tests: a checkout whose deadline passed and whose alarm
 * never fired. The Durable Object clock cannot be moved, so the deadline is moved
 * instead, everywhere it lives (the object's stored checkout, the D1 row, the
 * reservations), and the alarm that would have expired it is deleted.
 */
import { env } from "cloudflare:workers";
import type { CheckoutRecord } from "../../src/cart/cart-state";
import { inCartObject } from "./saga";

export async function makeOverdue(cartId: string, minutesAgo: number, edit: (rec: CheckoutRecord) => void = () => {}): Promise<string> {
  return moveDeadline(cartId, new Date(Date.now() - minutesAgo * 60_000).toISOString(), { edit, deleteAlarm: true });
}

/** Moves the active checkout's deadline to `expiresAt` in the object and in D1 (checkout, reservations, quote). */
export async function moveDeadline(
  cartId: string,
  expiresAt: string,
  options: { edit?: (rec: CheckoutRecord) => void; deleteAlarm?: boolean } = {},
): Promise<string> {
  const checkoutId = await inCartObject(cartId, async (obj, state) => {
    const rec = obj.checkout()!;
    options.edit?.(rec);
    rec.expiresAt = expiresAt;
    obj.saveCheckout(rec);
    if (options.deleteAlarm) await state.storage.deleteAlarm();
    return rec.id;
  });
  await env.DB.batch([
    env.DB.prepare("UPDATE checkouts SET expires_at = ? WHERE id = ?").bind(expiresAt, checkoutId),
    env.DB.prepare("UPDATE stock_reservations SET expires_at = ? WHERE checkout_id = ?").bind(expiresAt, checkoutId),
    env.DB.prepare("UPDATE quotes SET expires_at = ? WHERE checkout_id = ?").bind(expiresAt, checkoutId),
  ]);
  return checkoutId;
}

export async function alarmOf(cartId: string): Promise<number | null> {
  return inCartObject(cartId, (_obj, state) => state.storage.getAlarm());
}
