/** What the server-rendered page and the browser script agree on. */

/** The element the script takes over; `data-currency` names the currency of the first paint. */
export const STOREFRONT_ROOT_ID = "storefront";
/** A JSON data block with the first paint's catalog. */
export const INITIAL_PRODUCTS_ID = "storefront-products";
/** The currencies the picker offers; `?currency=` takes any other the catalog has (the first is the default). */
export const DEMO_CURRENCIES = ["USD", "EUR", "JPY"] as const;
