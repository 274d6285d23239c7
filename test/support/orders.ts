/**
 * Helpers for the order tests: a paid order built through the storefront, and the admin
 * calls of orders, refunds and cancellation.
 */
import { ADMIN, call, cartWith, completeCheckout, createProduct, type Res, type TestCart, type VariantSpec } from "./api";

export interface PaidOrder {
  order: any;
  cart: TestCart;
  variants: string[];
}

/** A paid order of `quantities[i]` units of fresh variants made from `specs[i]`. */
export async function paidOrder(
  specs: VariantSpec[],
  quantities: number[],
  token = "tok_visa",
  cartBody: Record<string, unknown> = { currency: "USD" },
): Promise<PaidOrder> {
  const variants = await createProduct(specs);
  const cart = await cartWith(
    variants.map((v, i) => [v, quantities[i] ?? 1]),
    cartBody,
  );
  const done = await completeCheckout(cart, token);
  if (done.status !== 201) throw new Error(`paidOrder: ${done.status} ${JSON.stringify(done.body)}`);
  return { order: done.body.order, cart, variants };
}

let keyCounter = 0;
export const refundKey = () => `refund-${Date.now().toString(36)}-${(keyCounter++).toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

export function refund(orderId: string, body: Record<string, unknown> = {}, key: string | null = refundKey()): Promise<Res> {
  return call("POST", `/admin/api/orders/${orderId}/refunds`, { headers: { ...ADMIN, ...(key === null ? {} : { "idempotency-key": key }) }, body });
}

export function cancelOrder(orderId: string, body: Record<string, unknown> = {}): Promise<Res> {
  return call("POST", `/admin/api/orders/${orderId}/cancel`, { headers: ADMIN, body });
}

export async function adminOrder(orderId: string): Promise<any> {
  const res = await call("GET", `/admin/api/orders/${orderId}`, { headers: ADMIN });
  if (res.status !== 200) throw new Error(`adminOrder: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}
