/** The shop: the catalog with its currency picker, the cart beside it, and on phones a bar that keeps the cart one tap away. */
import type { Cart, Product } from "../../client";
import { DEMO_CURRENCIES } from "../page-contract";
import { ProductGrid } from "../views/product-grid";
import { CartPanel, type CartActions } from "./cart-panel";
import { money, shopperLocale } from "./shopper-money";

export function ShopView(props: {
  products: Product[];
  currency: string;
  cart: Cart | null;
  cartLoading: boolean;
  busy: boolean;
  actions: CartActions;
  onAdd: (variantId: string) => void;
  onChangeCurrency: (code: string) => void;
}) {
  const { products, currency, cart, cartLoading, busy, actions } = props;
  return (
    <>
      <div class="layout">
        <section class="catalog" aria-labelledby="catalog-title">
          <div class="checkout-head">
            <h2 id="catalog-title">Products</h2>
            <label class="currency-picker">
              Prices in{" "}
              <select
                aria-label="Currency"
                disabled={Boolean(cart && cart.lines.length > 0)}
                title={cart && cart.lines.length > 0 ? "Empty the cart to shop in another currency" : undefined}
                onChange={(e: Event) => props.onChangeCurrency((e.target as HTMLSelectElement).value)}
              >
                {(DEMO_CURRENCIES.some((code) => code === currency) ? [...DEMO_CURRENCIES] : [...DEMO_CURRENCIES, currency]).map((code) => (
                  <option value={code} selected={code === currency}>
                    {code}
                  </option>
                ))}
              </select>
            </label>
          </div>
          <ProductGrid products={products} busy={busy} onAdd={props.onAdd} locale={shopperLocale} />
        </section>
        <CartPanel cart={cart} loading={cartLoading} busy={busy} actions={actions} />
      </div>
      {cart && cart.lines.length > 0 && (
        // Phones: the cart is below the whole catalog, so a bar keeps it one tap away.
        <a class="cart-bar" href="#cart-title" data-testid="cart-bar">
          <span>
            Cart · {cart.lines.reduce((n, l) => n + l.quantity, 0)} items · <strong>{money(cart.total, cart)}</strong>
          </span>
          <span class="go">{cart.locked ? "Locked · view" : "View cart"}</span>
        </a>
      )}
    </>
  );
}
