/** How the storefront answers a failed shopper action: each API refusal as the shopper should read it, and what it re-reads. */
import { CheckoutApiError, CheckoutNetworkError, type Cart } from "../../client";
import type { LockDetails, Notice } from "./banners";
import { money } from "./shopper-money";

/** What the app does in answer (its state setters and loaders). */
export interface FailureReactions {
  setNotice(notice: Notice | null): void;
  setLock(lock: LockDetails | null): void;
  loadCart(): Promise<Cart | null>;
  loadProducts(): Promise<void>;
  forgetCart(): void;
  backToShop(): Promise<void>;
  titleOf(variantId: string): string;
}

export async function explainFailure(error: unknown, shop: FailureReactions): Promise<void> {
  if (!(error instanceof CheckoutApiError)) {
    shop.setNotice({
      kind: "error",
      title: error instanceof CheckoutNetworkError ? "No connection to the store" : "Something went wrong",
      text: error instanceof CheckoutNetworkError ? "Nothing was lost: try again in a moment." : messageOf(error),
    });
    return;
  }
  if (error.is("cart_locked")) {
    // The lock, as the server reports it: show where the checkout stands and what to do.
    shop.setLock(error.details);
    await shop.loadCart();
    return;
  }
  if (error.is("cart_completed")) {
    shop.forgetCart();
    shop.setNotice({ kind: "info", title: "That cart already became an order", text: "Add items again to start a new cart." });
    return;
  }
  if (error.is("checkout_expired")) {
    await shop.backToShop();
    shop.setNotice({
      kind: "error",
      title: "Your checkout expired",
      text: "The reserved stock and frozen prices were released. Check out again to lock the current prices.",
    });
    return;
  }
  if (error.is("price_changed")) {
    const fresh = await shop.loadCart();
    shop.setNotice({
      kind: "info",
      title: "Prices changed since you looked",
      text: fresh ? `The total is now ${money(fresh.total, fresh)}. Review your cart and check out again.` : undefined,
    });
    return;
  }
  if (error.is("insufficient_stock")) {
    await shop.loadProducts();
    const lines = error.details.lines.map((l) => `${shop.titleOf(l.variant_id)}: ${l.available} left, you asked for ${l.requested}`);
    shop.setNotice({ kind: "error", title: "Not enough stock", text: `${lines.join("; ")}. Lower the quantity and try again.` });
    return;
  }
  if (error.is("rate_limited")) {
    shop.setNotice({ kind: "error", title: "Too many checkout attempts", text: `Please wait ${error.retryAfterSeconds ?? 60} seconds and try again.` });
    return;
  }
  shop.setNotice({ kind: "error", title: error.message, text: error.code === "validation_error" ? issuesOf(error) : undefined });
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function issuesOf(error: CheckoutApiError): string | undefined {
  return error.is("validation_error") ? error.details.issues.map((i) => `${i.path}: ${i.message}`).join("; ") : undefined;
}
