/**
 * The cart as the object answers it: priced live from the isolate's catalog cache (the
 * checkout's quote reads D1 itself), the catalog read once for an edit and its answer.
 */
import { type Cart, cartJson } from "../contract/cart";
import type { CatalogSnapshot } from "../db/catalog";
import { loadCachedCatalog } from "../db/catalog-cache";
import type { Database } from "../db/client";
import type { Config } from "../lib/config";
import { errorFields } from "../lib/logger";
import type { CartState } from "./cart-state";
import type { CartStore } from "./cart-store";
import { pricedOrNull, pricingContext } from "./cart-view";

/** What pricing `cart` needs, plus what an edit is about to add (a variant, a code, a country). */
export function cartCatalog(
  db: Database,
  config: Config,
  cart: CartState,
  extra: { variant?: string | null; code?: string | null; country?: string | null } = {},
): Promise<CatalogSnapshot> {
  return loadCachedCatalog(db, {
    variantIds: [...cart.lines.map((l) => l.variantId), ...(extra.variant ? [extra.variant] : [])],
    currencyCodes: [cart.currency, config.baseCurrency],
    country: extra.country ?? cart.country,
    discountCodes: [...cart.discountCodes, ...(extra.code ? [extra.code] : [])],
  });
}

/** The cart with live prices; reuses a snapshot when it covers the current lines. */
export async function liveCart(store: CartStore, config: Config, snapshot?: CatalogSnapshot): Promise<Cart> {
  let cart = store.cart!;
  // An empty cart prices to zero whatever the catalog holds: no D1 read (every new cart is one).
  if (cart.lines.length === 0 && cart.discountCodes.length === 0 && cart.currencyExponent !== undefined) {
    return cartJson(cart, null, cart.currencyExponent, new Map(), store.checkout, Date.now());
  }
  const covers = (s: CatalogSnapshot) =>
    cart.lines.every((l) => s.variants.has(l.variantId)) && cart.discountCodes.every((c) => s.discounts.has(c)) && s.currencies.has(cart.currency);
  if (!snapshot || !covers(snapshot)) {
    snapshot = await cartCatalog(store.deps.db, config, cart);
    cart = store.cart!;
  }
  const ctx = pricingContext(cart.lines, cart.discountCodes, cart.currency, cart.country, snapshot, config.baseCurrency);
  let priced = null;
  try {
    priced = pricedOrNull(ctx, Date.now());
  } catch (error) {
    store.deps.log.warn("cart.pricing_failed", { cart_id: cart.id, ...errorFields(error) });
  }
  // Currencies are never removed from the catalog; were one gone, its cart's totals are all 0.
  const exponent = snapshot.currencies.get(cart.currency)?.exponent ?? cart.currencyExponent ?? 0;
  return cartJson(cart, priced, exponent, ctx?.unavailable ?? new Map(), store.checkout, Date.now());
}
