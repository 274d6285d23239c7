/**
 * The demo storefront: `/` and its two assets. Everything else (/v1, /admin, /health,
 * /openapi.json) belongs to other routers.
 *
 * The browser script is TypeScript (src/storefront/browser, using src/client), bundled
 * into one ES module by scripts/build-storefront.ts before each Worker bundle, and
 * imported here as text (wrangler.toml: [build] and the Text rule for *.bundle.js; the
 * test pool builds it in vitest.config.ts). Served from this origin, so the page's CSP
 * allows no inline script at all.
 */
import { Hono, type Context } from "hono";
import { createCheckoutClient } from "../client";
import { localeFromAcceptLanguage } from "../client/money-format";
import type { Product } from "../client/api-types";
import type { AppEnv } from "../routes/carts";
import { productRoutes } from "../routes/products";
import STOREFRONT_JS from "./generated/storefront-app.bundle.js";
import { DEMO_CURRENCIES } from "./page-contract";
import { StorefrontPage } from "./storefront-page";
import { STOREFRONT_CSS } from "./storefront-styles";

/** A content version for the asset URLs, so browsers may cache them forever (FNV-1a, 32 bit). */
function contentVersion(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return (hash >>> 0).toString(36);
}

export const SCRIPT_PATH = "/storefront/app.js";
export const STYLE_PATH = "/storefront/app.css";
const SCRIPT_VERSION = contentVersion(STOREFRONT_JS);
const STYLE_VERSION = contentVersion(STOREFRONT_CSS);
const scriptUrl = `${SCRIPT_PATH}?v=${SCRIPT_VERSION}`;
const styleUrl = `${STYLE_PATH}?v=${STYLE_VERSION}`;

const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "object-src 'none'",
].join("; ");

export const storefrontRoutes = new Hono<AppEnv>();

const DEFAULT_CURRENCY = DEMO_CURRENCIES[0];

/**
 * The catalog for the first paint, read through the typed client from the products route
 * itself, in `asked` when the store sells in it (any currency of its catalog), else in USD.
 */
async function firstPaint(c: Context<AppEnv>, asked: string): Promise<{ currency: string; products: Product[] }> {
  const client = createCheckoutClient({
    baseUrl: new URL(c.req.url).origin,
    fetch: (request) => productRoutes.request(request, undefined, c.env),
    retry: { maxAttempts: 1 },
  });
  try {
    return { currency: asked, products: (await client.listProducts({ currency: asked })).data };
  } catch {
    // Not a currency of the catalog (the products route refuses it): show the default one.
    if (asked !== DEFAULT_CURRENCY) return firstPaint(c, DEFAULT_CURRENCY);
    // The script loads the catalog again and shows what went wrong.
    return { currency: asked, products: [] };
  }
}

storefrontRoutes.get("/", async (c) => {
  const asked = c.req.query("currency");
  const { currency, products } = await firstPaint(c, asked && /^[A-Z]{3}$/.test(asked) ? asked : DEFAULT_CURRENCY);
  const locale = localeFromAcceptLanguage(c.req.header("accept-language"));
  const page = <StorefrontPage products={products} currency={currency} locale={locale} scriptUrl={scriptUrl} styleUrl={styleUrl} />;
  c.header("Content-Security-Policy", PAGE_CSP);
  c.header("Cache-Control", "no-store");
  c.header("Referrer-Policy", "same-origin");
  return c.html(`<!doctype html>${await page}`);
});

function asset(c: Context<AppEnv>, body: string, type: string, version: string): Response {
  c.header("Content-Type", type);
  c.header("X-Content-Type-Options", "nosniff");
  // Versioned URLs never change content; an unversioned one is revalidated.
  c.header("Cache-Control", c.req.query("v") === version ? "public, max-age=31536000, immutable" : "no-cache");
  return c.body(body);
}

storefrontRoutes.get(SCRIPT_PATH, (c) => asset(c, STOREFRONT_JS, "text/javascript; charset=utf-8", SCRIPT_VERSION));
storefrontRoutes.get(STYLE_PATH, (c) => asset(c, STOREFRONT_CSS, "text/css; charset=utf-8", STYLE_VERSION));
