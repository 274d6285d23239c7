/**
 * The edits a shopper makes to a cart (lines, codes, email, country), decided from the
 * cart as stored and a catalog snapshot: pure, so the cart object reads what an edit
 * needs first and then decides synchronously.
 */
import type { CatalogSnapshot } from "../db/catalog";
import { AppError } from "../lib/errors";
import { newId } from "../lib/ids";
import { isoNow } from "../db/client";
import type { CartEdit } from "./cart-rpc";
import type { CartState, CheckoutRecord } from "./cart-state";
import { isActive, pricedOrNull, pricingContext } from "./cart-view";
import { cartCompleted } from "./saga/refusals";

export const MAX_LINES = 100;
export const MAX_QUANTITY = 99;
export const MAX_DISCOUNT_CODES = 5;

/** No edit while a checkout holds the cart (423), nor once it became an order (409; docs/contract.md). */
export function assertEditable(cart: CartState, rec: CheckoutRecord | null): void {
  if (cart.completed) throw cartCompleted(cart);
  if (isActive(rec)) {
    const seconds = Math.max(1, Math.ceil((Date.parse(rec.expiresAt) - Date.now()) / 1000));
    throw new AppError(
      "cart_locked",
      "The cart is locked by an active checkout; cancel it or wait until it ends.",
      { checkout_id: rec.id, state: rec.state, phase: rec.phase, expires_at: rec.expiresAt },
      { "Retry-After": String(seconds) },
    );
  }
}

/** The cart after `op`, or the same cart when nothing changes; a refusal throws. */
export function applyEdit(cart: CartState, op: CartEdit, snapshot: CatalogSnapshot, baseCurrency: string): CartState {
  switch (op.type) {
    case "add_line": {
      const variant = snapshot.variants.get(op.variantId);
      if (!variant?.active) {
        throw new AppError("variant_not_found", "No such variant is for sale.", { variant_id: op.variantId });
      }
      if (variant.prices[cart.currency] === undefined && variant.prices[baseCurrency] === undefined) {
        throw new AppError("variant_not_found", `This variant has no price in ${cart.currency}.`, { variant_id: op.variantId });
      }
      const existing = cart.lines.find((l) => l.variantId === op.variantId);
      const quantity = (existing?.quantity ?? 0) + op.quantity;
      if (quantity > MAX_QUANTITY) throw quantityLimit(`A line holds at most ${MAX_QUANTITY} units.`, { max_quantity: MAX_QUANTITY, requested: quantity });
      if (existing) return { ...cart, lines: cart.lines.map((l) => (l === existing ? { ...l, quantity } : l)) };
      if (cart.lines.length >= MAX_LINES) throw quantityLimit(`A cart holds at most ${MAX_LINES} lines.`, { max_lines: MAX_LINES });
      return { ...cart, lines: [...cart.lines, { id: newId("line"), variantId: op.variantId, quantity, addedAt: isoNow() }] };
    }
    case "update_line": {
      const line = lineOf(cart, op.lineId);
      if (op.quantity > MAX_QUANTITY)
        throw quantityLimit(`A line holds at most ${MAX_QUANTITY} units.`, { max_quantity: MAX_QUANTITY, requested: op.quantity });
      if (op.quantity === 0) return { ...cart, lines: cart.lines.filter((l) => l !== line) };
      if (op.quantity === line.quantity) return cart;
      return { ...cart, lines: cart.lines.map((l) => (l === line ? { ...l, quantity: op.quantity } : l)) };
    }
    case "remove_line": {
      const line = lineOf(cart, op.lineId);
      return { ...cart, lines: cart.lines.filter((l) => l !== line) };
    }
    case "clear":
      return cart.lines.length === 0 ? cart : { ...cart, lines: [] };
    case "apply_discount": {
      const code = normalizeCode(op.code);
      if (cart.discountCodes.includes(code)) return cart;
      if (cart.discountCodes.length >= MAX_DISCOUNT_CODES) {
        throw new AppError("invalid_discount_code", `A cart takes at most ${MAX_DISCOUNT_CODES} discount codes.`, { code });
      }
      const candidate = { ...cart, discountCodes: [...cart.discountCodes, code] };
      const ctx = pricingContext(candidate.lines, candidate.discountCodes, cart.currency, cart.country, snapshot, baseCurrency);
      const rule = snapshot.discounts.get(code);
      const reason = rule ? pricedOrNull(ctx, Date.now())?.rejectedDiscounts.find((r) => r.code === code)?.reason : "not_found";
      if (reason && ["not_found", "inactive", "not_started", "expired", "used_up", "currency_mismatch"].includes(reason)) {
        throw new AppError("invalid_discount_code", discountMessage(reason), { code, reason });
      }
      return candidate;
    }
    case "remove_discount": {
      const code = normalizeCode(op.code);
      if (!cart.discountCodes.includes(code)) throw new AppError("not_found", "This code is not applied to the cart.", { code });
      return { ...cart, discountCodes: cart.discountCodes.filter((c) => c !== code) };
    }
    case "update": {
      const email = op.email === undefined ? cart.email : op.email;
      const country = op.country === undefined ? cart.country : op.country;
      if (email === cart.email && country === cart.country) return cart;
      return { ...cart, email, country };
    }
  }
}

function lineOf(cart: CartState, lineId: string) {
  const line = cart.lines.find((l) => l.id === lineId);
  if (!line) throw new AppError("not_found", "No such line in this cart.", { line_id: lineId });
  return line;
}

export function normalizeCode(code: string): string {
  return code.trim().toUpperCase();
}

function quantityLimit(message: string, details: Record<string, unknown>): AppError {
  return new AppError("quantity_limit", message, details);
}

function discountMessage(reason: string): string {
  switch (reason) {
    case "expired":
      return "This discount code has expired.";
    case "not_started":
      return "This discount code is not valid yet.";
    case "used_up":
      return "This discount code has been used up.";
    case "currency_mismatch":
      return "This discount code is for another currency.";
    default:
      return "This discount code does not exist.";
  }
}
