/**
 * Phase 1, cart validation: the checkout's record is opened (the cart locks), and the
 * cart is priced from a fresh catalog read and refused if anything in it can no longer
 * be bought as shown. It writes nothing to D1, so it has nothing to undo.
 */
import { PricingError, type PricedCart } from "../../../checkout/pricing";
import { isoNow } from "../../../db/client";
import { loadCatalog, type CatalogSnapshot } from "../../../db/catalog";
import type { StockLevel } from "../../../db/stock-levels";
import { availabilityCache } from "../../../inventory/availability-cache";
import { AppError } from "../../../lib/errors";
import { newId } from "../../../lib/ids";
import type { CartState, CheckoutRecord } from "../../cart-state";
import { pricedOrNull, pricingContext } from "../../cart-view";
import { assertChargeable, priceDrift } from "../../checkout-charge";
import type { SagaContext } from "../saga-context";

/** Codes a discount can be refused with at checkout (the others just do not apply). */
const INVALID_DISCOUNT_REASONS = new Set(["not_found", "inactive", "not_started", "expired", "used_up", "currency_mismatch"]);

/** A new checkout of the cart as it is now, `validating`, with its deadline `ttl` minutes away. */
export function openCheckout(cart: CartState, ttl: number): CheckoutRecord {
  const startedAt = Date.now();
  return {
    id: newId("chk"),
    cartId: cart.id,
    state: "validating",
    phase: "cart_validation",
    currency: cart.currency,
    createdAt: isoNow(startedAt),
    expiresAt: isoNow(startedAt + ttl * 60_000),
    lockedAt: null,
    completedAt: null,
    endedAt: null,
    lines: cart.lines.map((l) => ({ ...l })),
    discountCodes: [...cart.discountCodes],
    email: cart.email,
    quote: null,
    attempts: [],
    orderId: null,
    orderNumber: null,
    failure: null,
    rollbackTarget: null,
    cancelReason: null,
    retry: { attempts: 0, nextAt: null, lastError: null },
    reservationSent: false,
  };
}

export interface Validated {
  priced: PricedCart;
  /** Stock levels read with the catalog, for the reservation to refuse a known shortage. */
  stock: Map<string, StockLevel>;
}

/** Prices the checkout's lines; throws the refusal when the cart cannot be bought as shown. */
export async function validate(ctx: SagaContext, rec: CheckoutRecord, cart: CartState, expectedTotal?: number): Promise<Validated> {
  await ctx.checkpoint("cart_validation");
  const readAt = availabilityCache.clock();
  const snapshot = await loadCatalog(ctx.db, {
    variantIds: rec.lines.map((l) => l.variantId),
    currencyCodes: [rec.currency, ctx.config.baseCurrency],
    country: cart.country,
    discountCodes: rec.discountCodes,
  });
  // What this read saw is the isolate's sold-out knowledge for the next second.
  availabilityCache.record(snapshot.stock.values(), readAt);
  const priced = priceForCheckout(ctx, rec, cart, snapshot, expectedTotal);
  // A total the gateway could never charge is refused now, before any stock is held.
  rec.currencyExponent = snapshot.currencies.get(rec.currency)!.exponent;
  assertChargeable(ctx.host.gateway.provider, rec.currency, priced.total, rec.currencyExponent);
  ctx.transition(rec, "validated");
  return { priced, stock: snapshot.stock };
}

function priceForCheckout(ctx: SagaContext, rec: CheckoutRecord, cart: CartState, snapshot: CatalogSnapshot, expectedTotal?: number): PricedCart {
  if (rec.lines.length === 0) throw new AppError("cart_empty", "The cart is empty.");
  const pricing = pricingContext(rec.lines, rec.discountCodes, rec.currency, cart.country, snapshot, ctx.config.baseCurrency);
  if (!pricing) throw new AppError("currency_not_supported", `The currency ${rec.currency} is not supported.`, { currency: rec.currency });
  for (const [lineId, reason] of pricing.unavailable) {
    const line = rec.lines.find((l) => l.id === lineId)!;
    throw new AppError("variant_not_found", "A cart line's variant is no longer available.", {
      line_id: lineId,
      variant_id: line.variantId,
      reason,
    });
  }
  let priced: PricedCart;
  try {
    priced = pricedOrNull(pricing, Date.now())!;
  } catch (error) {
    if (error instanceof PricingError) throw new AppError("variant_not_found", error.message, error.details);
    throw error;
  }
  const invalid = priced.rejectedDiscounts.find((r) => INVALID_DISCOUNT_REASONS.has(r.reason));
  if (invalid) {
    throw new AppError("invalid_discount_code", `The discount code ${invalid.code} can no longer be used.`, {
      code: invalid.code,
      reason: invalid.reason,
    });
  }
  const drift = priceDrift(priced.total, expectedTotal, ctx.config.priceDriftTolerance);
  if (drift) {
    ctx.log.warn("checkout.price_drift", ctx.fields(rec, { expected_total: expectedTotal, actual_total: priced.total }));
    throw drift;
  }
  return priced;
}
