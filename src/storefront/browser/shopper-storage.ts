/**
 * What the shopper's browser remembers, in localStorage: the cart (id + token: the token
 * is the only key to the cart, and it was returned once), the checkout last started (its
 * frozen quote, to show it again after a reload), the currency, and the orders placed
 * here with the token that may read each.
 */
import type { CartRef, Checkout } from "../../client";

const PREFIX = "edge-checkout.";

export interface StoredCart extends CartRef {
  currency: string;
}

function read<T>(key: string): T | null {
  try {
    const raw = localStorage.getItem(PREFIX + key);
    return raw === null ? null : (JSON.parse(raw) as T);
  } catch {
    return null;
  }
}

function write(key: string, value: unknown): void {
  if (value === null) localStorage.removeItem(PREFIX + key);
  else localStorage.setItem(PREFIX + key, JSON.stringify(value));
}

export const shopperStorage = {
  cart: () => read<StoredCart>("cart"),
  saveCart: (cart: StoredCart | null) => write("cart", cart),
  checkout: () => read<Checkout>("checkout"),
  saveCheckout: (checkout: Checkout | null) => write("checkout", checkout),
  currency: () => read<string>("currency"),
  saveCurrency: (currency: string) => write("currency", currency),
  orderRef: (orderId: string) => read<Record<string, CartRef>>("orders")?.[orderId] ?? null,
  rememberOrder(orderId: string, ref: CartRef) {
    write("orders", { ...read<Record<string, CartRef>>("orders"), [orderId]: ref });
  },
};
