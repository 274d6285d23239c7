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
  const expiresAt = new Date(Date.now() - minutesAgo * 60_000).toISOString();
  const checkoutId = await inCartObject(cartId, async (obj, state) => {
    const rec = obj.checkout()!;
    edit(rec);
    rec.expiresAt = expiresAt;
    obj.saveCheckout(rec);
    await state.storage.deleteAlarm();
    return rec.id;
  });
  await env.DB.batch([
    env.DB.prepare("UPDATE checkouts SET expires_at = ? WHERE id = ?").bind(expiresAt, checkoutId),
    env.DB.prepare("UPDATE stock_reservations SET expires_at = ? WHERE checkout_id = ?").bind(expiresAt, checkoutId),
  ]);
  return checkoutId;
}

export async function alarmOf(cartId: string): Promise<number | null> {
  return inCartObject(cartId, (_obj, state) => state.storage.getAlarm());
}
