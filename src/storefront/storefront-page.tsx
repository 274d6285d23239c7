/**
 * The page at `/`: server-rendered shell and product list (first paint, and a useful page
 * before the script runs); the script (/storefront/app.js) then takes over #storefront,
 * because the cart lives with the shopper's browser (its token is in localStorage).
 */
import type { Product } from "../client/api-types";
import { INITIAL_PRODUCTS_ID, STOREFRONT_ROOT_ID } from "./page-contract";
import { ProductGrid } from "./views/product-grid";

/** JSON safe inside a <script> element: nothing in it can close the element or start markup. */
function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

export function StorefrontPage(props: { products: Product[]; currency: string; locale: string | undefined; scriptUrl: string; styleUrl: string }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>Edge Checkout · demo store</title>
        <meta name="description" content="A demo storefront for Edge Checkout: the cart locks while you pay." />
        {/* No favicon request (and no 404 in the console). */}
        <link rel="icon" href="data:," />
        <link rel="stylesheet" href={props.styleUrl} />
        <script type="module" src={props.scriptUrl}></script>
      </head>
      <body>
        <header class="site-header">
          <div class="bar">
            <a class="brand" href="/">
              Edge Checkout <span>demo store</span>
            </a>
          </div>
          <p class="tagline">Checkout locks your cart: prices, tax, exchange rate and stock are frozen until you pay or the timer runs out.</p>
        </header>
        <div class="page" id={STOREFRONT_ROOT_ID} data-currency={props.currency}>
          <div class="layout">
            <section class="catalog" aria-labelledby="catalog-title">
              <h2 id="catalog-title">Products</h2>
              <ProductGrid products={props.products} locale={props.locale} />
              {/* The same catalog as data, so the script starts from it instead of an empty list (a data block: CSP does not run it). */}
              <script type="application/json" id={INITIAL_PRODUCTS_ID} dangerouslySetInnerHTML={{ __html: scriptSafeJson(props.products) }} />
            </section>
            <aside class="cart-panel" aria-labelledby="cart-title">
              <h2 id="cart-title">Your cart</h2>
              <p class="muted">Loading your cart…</p>
              <noscript>
                <p>This demo store needs JavaScript: your cart's token is kept in this browser.</p>
              </noscript>
            </aside>
          </div>
        </div>
        <footer>
          Test payments only. The API behind this page: <a href="/openapi.json">/openapi.json</a> · operators: <a href="/admin">/admin</a>
        </footer>
      </body>
    </html>
  );
}
