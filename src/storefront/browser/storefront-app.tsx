/**
 * The demo storefront in the browser: takes over #storefront (server-rendered first) and
 * talks to the API through the typed client only. Views: the shop (products + cart), the
 * checkout (frozen quote, countdown, test cards) and the order confirmation, chosen by the
 * URL (`/`, `/?step=checkout`, `/?order=ord_…`).
 */
import { render, useEffect, useState } from "hono/jsx/dom";
import {
  createCheckoutClient,
  formatRemaining,
  isCheckoutApiError,
  needsAction,
  type Cart,
  type CartClient,
  type Checkout,
  type Order,
  type Product,
} from "../../client";
import { INITIAL_PRODUCTS_ID, STOREFRONT_ROOT_ID } from "../page-contract";
import { LockBanner, NoticeBanner, type LockDetails, type Notice } from "./banners";
import type { CartActions } from "./cart-panel";
import { CheckoutView } from "./checkout-view";
import { explainFailure, messageOf } from "./failure-notices";
import { OrderView } from "./order-view";
import { ShopView } from "./shop-view";
import { shopperStorage as storage } from "./shopper-storage";
import { urlOf, viewFromUrl, type View } from "./storefront-url";

/** Availability is live: re-read the catalog this often while the page is open. */
const CATALOG_REFRESH_MS = 15_000;

const client = createCheckoutClient({ baseUrl: location.origin });

function cartClient(): CartClient | null {
  const ref = storage.cart();
  return ref ? client.cart(ref) : null;
}

function App(props: { initialCurrency: string; initialProducts: Product[] }) {
  const [view, setView] = useState<View>(viewFromUrl());
  const [currency, setCurrency] = useState(storage.cart()?.currency ?? storage.currency() ?? props.initialCurrency);
  // The server's first paint, when it is in this shopper's currency; refreshed right away anyway.
  const [products, setProducts] = useState<Product[]>(currency === props.initialCurrency ? props.initialProducts : []);
  const [cart, setCart] = useState<Cart | null>(null);
  const [cartLoading, setCartLoading] = useState(true);
  const [checkout, setCheckout] = useState<Checkout | null>(storage.checkout());
  const [order, setOrder] = useState<Order | null>(null);
  const [orderError, setOrderError] = useState<string | null>(null);
  const [lock, setLock] = useState<LockDetails | null>(null);
  const [notice, setNotice] = useState<Notice | null>(null);
  const [busy, setBusy] = useState(false);
  const [now, setNow] = useState(Date.now());

  const navigate = (next: View) => {
    history.pushState(null, "", urlOf(next));
    setView(next);
    setLock(null);
    window.scrollTo(0, 0);
  };

  const forgetCart = () => {
    storage.saveCart(null);
    storage.saveCheckout(null);
    setCart(null);
    setCheckout(null);
    setLock(null);
  };

  /** The checkout ended (expired, rolled back, cancelled): forget it, re-read cart and stock, back to the shop. */
  const backToShop = async () => {
    storage.saveCheckout(null);
    setCheckout(null);
    await Promise.all([loadCart(), loadProducts()]);
    navigate({ name: "shop" });
  };

  const loadProducts = async (code = currency) => {
    try {
      setProducts((await client.listProducts({ currency: code })).data);
    } catch (error) {
      setNotice({ kind: "error", title: "The catalog could not be loaded", text: messageOf(error) });
    }
  };

  const loadCart = async (): Promise<Cart | null> => {
    const c = cartClient();
    if (!c) {
      setCartLoading(false);
      return null;
    }
    try {
      const { cart: fresh } = await c.get();
      setCart(fresh);
      return fresh;
    } catch (error) {
      // A cart this browser can no longer open (deleted state, another token): start over.
      if (isCheckoutApiError(error, "not_found") || isCheckoutApiError(error, "forbidden")) forgetCart();
      else setNotice({ kind: "error", title: "Your cart could not be loaded", text: messageOf(error) });
      return null;
    } finally {
      setCartLoading(false);
    }
  };

  /** Runs one shopper action: busy while it runs, its error shown the way the API means it. */
  const act = async (action: () => Promise<void>) => {
    setBusy(true);
    setNotice(null);
    try {
      await action();
    } catch (error) {
      await explain(error);
    } finally {
      setBusy(false);
    }
  };

  const explain = (error: unknown) => explainFailure(error, { setNotice, setLock, loadCart, loadProducts, forgetCart, backToShop, titleOf });

  const titleOf = (variantId: string) => {
    for (const p of products) for (const v of p.variants) if (v.id === variantId) return `${p.title} (${v.title})`;
    return variantId;
  };

  const ensureCart = async (): Promise<CartClient> => {
    const existing = storage.cart();
    if (existing && existing.currency === currency) return client.cart(existing);
    const created = await client.createCart({ currency, country: "US" });
    storage.saveCart({ id: created.cart.id, token: created.token, currency });
    setCart(created.cart);
    return client.cart({ id: created.cart.id, token: created.token });
  };

  const withCart = (change: (c: CartClient) => Promise<{ cart: Cart }>) =>
    act(async () => {
      const c = cartClient();
      if (!c) return;
      setCart((await change(c)).cart);
      setLock(null);
    });

  const addToCart = (variantId: string) =>
    act(async () => {
      const c = await ensureCart();
      setCart((await c.addLine({ variant_id: variantId, quantity: 1 })).cart);
      setLock(null);
    });

  const startCheckout = () =>
    act(async () => {
      const c = cartClient();
      if (!c || !cart) return;
      try {
        // expected_total: the total the shopper was shown; if prices moved, nothing locks (409 price_changed).
        const started = await c.startCheckout({ expected_total: cart.total });
        storage.saveCheckout(started.checkout);
        setCheckout(started.checkout);
      } catch (error) {
        if (!isCheckoutApiError(error, "checkout_in_progress")) throw error;
      }
      await Promise.all([loadCart(), loadProducts()]);
      navigate({ name: "checkout" });
    });

  const pay = (token: string) =>
    act(async () => {
      const c = cartClient();
      if (!c) return;
      try {
        // expected_total: the quote the shopper sees; a checkout that would charge another total is refused (409 price_changed).
        const shown = checkout?.quote?.total ?? cart?.total;
        const result = await c.completeCheckout({ payment: { method: "test", token }, ...(shown === undefined ? {} : { expected_total: shown }) });
        if (needsAction(result)) {
          setNotice({ kind: "info", title: "Your bank needs to confirm this payment", text: "This demo's test gateway never asks for that." });
          return;
        }
        storage.rememberOrder(result.order.id, c.ref);
        forgetCart();
        setOrder(result.order);
        navigate({ name: "order", orderId: result.order.id });
        void loadProducts();
      } catch (error) {
        const resumable = isCheckoutApiError(error, "payment_declined") || isCheckoutApiError(error, "payment_gateway_error");
        if (resumable && error.details.can_resume) {
          // A decline or a gateway outage is not the end: the lock, the stock and the quote stay; pay again.
          const fresh = await loadCart();
          setNotice({
            kind: "error",
            title: error.code === "payment_gateway_error" ? "The payment service did not answer" : "Your card was declined",
            text: `${error.message} Your items and prices are still held${fresh?.checkout ? ` for ${formatRemaining(fresh.checkout)}` : ""}: choose another card and pay again.`,
          });
          return;
        }
        if (isCheckoutApiError(error, "payment_declined") || isCheckoutApiError(error, "payment_gateway_error") || isCheckoutApiError(error, "unavailable")) {
          // Rolled back before any money moved: the checkout ended and the cart is open again.
          await backToShop();
          setNotice({ kind: "error", title: "The payment did not go through", text: `${error.message} Nothing was charged and your cart is editable again.` });
          return;
        }
        throw error;
      }
    });

  const cancelCheckout = () =>
    act(async () => {
      const c = cartClient();
      if (!c) return;
      try {
        await c.cancelCheckout();
      } catch (error) {
        if (!isCheckoutApiError(error, "no_active_checkout")) throw error;
      }
      await backToShop();
      setNotice({ kind: "info", title: "Checkout cancelled", text: "The stock and prices were released; your cart is editable again." });
    });

  const actions: CartActions = {
    setQuantity: (lineId, quantity) => withCart((c) => c.updateLine(lineId, { quantity })),
    removeLine: (lineId) => withCart((c) => c.removeLine(lineId)),
    clear: () => withCart((c) => c.clear()),
    applyDiscount: async (code) => {
      const c = cartClient();
      if (!c) return null;
      setBusy(true);
      try {
        setCart((await c.applyDiscount({ code })).cart);
        return null;
      } catch (error) {
        if (isCheckoutApiError(error, "invalid_discount_code")) return error.message;
        await explain(error);
        return null;
      } finally {
        setBusy(false);
      }
    },
    removeDiscount: (code) => withCart((c) => c.removeDiscount(code)),
    update: (changes) => withCart((c) => c.update(changes)),
    checkout: startCheckout,
    openCheckout: () => navigate({ name: "checkout" }),
  };

  const changeCurrency = (next: string) => {
    if (next === currency) return;
    // A cart has one currency; an empty one is simply left behind.
    if (cart && cart.lines.length === 0) forgetCart();
    storage.saveCurrency(next);
    setCurrency(next);
    void loadProducts(next);
  };

  // First load, browser history, and the live catalog.
  useEffect(() => {
    void loadProducts();
    void loadCart();
    const onPop = () => setView(viewFromUrl());
    window.addEventListener("popstate", onPop);
    const refresh = setInterval(() => document.visibilityState === "visible" && void loadProducts(), CATALOG_REFRESH_MS);
    return () => {
      window.removeEventListener("popstate", onPop);
      clearInterval(refresh);
    };
  }, []);

  // The countdown: one tick a second; at the deadline ask the server how the checkout ended.
  const deadline = cart?.checkout?.locked ? cart.checkout.expires_at : null;
  useEffect(() => {
    if (!deadline) return;
    setNow(Date.now());
    const tick = setInterval(() => {
      setNow(Date.now());
      if (Date.now() > Date.parse(deadline) + 1_000) {
        clearInterval(tick);
        void loadCart().then((fresh) => {
          if (fresh && !fresh.locked) setNotice({ kind: "error", title: "Your checkout expired", text: "The reserved stock and frozen prices were released." });
        });
      }
    }, 1_000);
    return () => clearInterval(tick);
  }, [deadline]);

  // A message is useless off-screen: on a phone the cart (where the 423 comes from) is far below the banners.
  useEffect(() => {
    if (lock || notice) document.querySelector(".banner")?.scrollIntoView({ block: "start" });
  }, [lock, notice]);

  // The confirmation page reads the order with the token of the cart that placed it.
  const orderId = view.name === "order" ? view.orderId : null;
  useEffect(() => {
    if (!orderId || order?.id === orderId) return;
    const ref = storage.orderRef(orderId);
    if (!ref) {
      setOrderError("This order was placed in another browser: its confirmation is there.");
      return;
    }
    client
      .cart(ref)
      .getOrder(orderId)
      .then(({ order: found }) => setOrder(found))
      .catch((error: unknown) => setOrderError(messageOf(error)));
  }, [orderId]);

  const banners = (
    <>
      {notice && <NoticeBanner notice={notice} onDismiss={() => setNotice(null)} />}
      {lock && view.name === "shop" && (
        <LockBanner
          lock={lock}
          now={now}
          busy={busy}
          onOpenCheckout={() => navigate({ name: "checkout" })}
          onCancel={cancelCheckout}
          onDismiss={() => setLock(null)}
        />
      )}
    </>
  );

  if (view.name === "order") {
    return (
      <>
        {banners}
        <OrderView order={order?.id === view.orderId ? order : null} error={orderError} onContinue={() => navigate({ name: "shop" })} />
      </>
    );
  }
  if (view.name === "checkout") {
    return (
      <>
        {banners}
        <CheckoutView
          checkout={checkout}
          status={cart?.checkout ?? null}
          now={now}
          busy={busy}
          onPay={pay}
          onCancel={cancelCheckout}
          onBack={() => navigate({ name: "shop" })}
        />
      </>
    );
  }
  return (
    <>
      {banners}
      <ShopView
        products={products}
        currency={currency}
        cart={cart}
        cartLoading={cartLoading}
        busy={busy}
        actions={actions}
        onAdd={addToCart}
        onChangeCurrency={changeCurrency}
      />
    </>
  );
}

function initialProducts(): Product[] {
  try {
    return JSON.parse(document.getElementById(INITIAL_PRODUCTS_ID)?.textContent ?? "[]") as Product[];
  } catch {
    return [];
  }
}

const root = document.getElementById(STOREFRONT_ROOT_ID);
if (root) render(<App initialCurrency={root.dataset.currency ?? "USD"} initialProducts={initialProducts()} />, root);
