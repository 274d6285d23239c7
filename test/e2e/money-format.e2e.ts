/**
 * Money in the shopper's language, with the store's own exponent (contract: ./run.ts).
 *
 * The store keeps HUF with two digits (Intl's table says 0: formatting from Intl would
 * show every forint price 100 times too high) and JPY with none. A Hungarian browser
 * shops in HUF, a German one in JPY; the server's first paint (from Accept-Language) and
 * the script's pages (from navigator.language) must both write the API's amounts as
 * those locales do, and agree with the API's figures.
 */
import assert from "node:assert/strict";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import type { E2eContext } from "./run.ts";

/** Intl separates groups and symbols with (narrow) no-break spaces: compare with plain ones. */
const plain = (text: string | null) => (text ?? "").replace(/[\u00a0\u202f]/g, " ").trim();

/** "1234,50 Ft": written out by hand (no Intl), so the page is checked against an independent rule. */
function hungarianForint(minor: number): string {
  const whole = Math.floor(minor / 100).toString();
  // Hungarian groups thousands with a space from five digits on.
  const grouped = whole.length >= 5 ? whole.replace(/\B(?=(\d{3})+(?!\d))/g, " ") : whole;
  return `${grouped},${String(minor % 100).padStart(2, "0")} Ft`;
}

/** "2.200 ¥" */
const germanYen = (minor: number) => `${minor.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ".")} ¥`;

async function admin(ctx: E2eContext, method: string, pathname: string, body: unknown) {
  const res = await fetch(`${ctx.baseUrl}${pathname}`, {
    method,
    headers: { authorization: `Bearer ${ctx.adminToken}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as any;
  assert.ok(res.ok, `${method} ${pathname}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function storefrontCart(ctx: E2eContext, page: Page) {
  const ref = JSON.parse((await page.evaluate(() => localStorage.getItem("edge-checkout.cart")))!) as { id: string; token: string };
  const res = await fetch(`${ctx.baseUrl}/v1/carts/${ref.id}`, { headers: { authorization: `Bearer ${ref.token}` } });
  return ((await res.json()) as any).cart as { currency: string; currency_exponent: number; total: number };
}

async function shop(browser: Browser, ctx: E2eContext, locale: string, currency: string, variantId: string, shot: string) {
  const context = await browser.newContext({ locale, viewport: { width: 1280, height: 800 } });
  const problems: string[] = [];
  try {
    const page = await context.newPage();
    page.on("pageerror", (error) => problems.push(error.message));
    await page.goto(`${ctx.baseUrl}/?currency=${currency}`);
    await page.waitForSelector(`button[data-add="${variantId}"]:not([disabled])`);
    assert.equal(await page.evaluate(() => navigator.language), locale);
    const price = plain(await page.textContent(`[data-variant-id="${variantId}"] .price`));
    await page.click(`button[data-add="${variantId}"]`);
    await page.waitForSelector(`.cart-line[data-variant-id="${variantId}"]`);
    const cart = await storefrontCart(ctx, page);
    assert.equal(cart.currency, currency);
    const cartTotal = plain(await page.textContent('[data-testid="cart-total"]'));
    await page.click('[data-testid="cart"] button.primary:has-text("Checkout")');
    await page.waitForSelector('[data-testid="quote-total"]');
    const quoteTotal = plain(await page.textContent('[data-testid="quote-total"]'));
    await page.screenshot({ path: path.join(ctx.screenshotDir, `money-${shot}.png`), fullPage: true });
    return { price, cart, cartTotal, quoteTotal };
  } finally {
    await context.close();
    assert.deepEqual(problems, [], "no script errors");
  }
}

export default async function (ctx: E2eContext): Promise<void> {
  // The store keeps forint with fillér: exponent 2, whatever Intl's table says.
  await admin(ctx, "PUT", "/admin/api/currencies/HUF", { rate_from_base: "356.4", exponent: 2 });
  const sku = `SCARF-${Date.now().toString(36)}`;
  const created = await admin(ctx, "POST", "/admin/api/products", {
    title: "Forint Scarf",
    variants: [{ sku, prices: { USD: 2000, HUF: 712850, JPY: 3000 }, stock: 20 }],
  });
  const scarf = created.product.variants[0].id as string;

  // The server's first paint reads the browser's Accept-Language (script off: only the server writes).
  const serverOnly = await ctx.browser.newContext({ locale: "hu-HU", javaScriptEnabled: false });
  try {
    const page = await serverOnly.newPage();
    await page.goto(`${ctx.baseUrl}/?currency=HUF`);
    assert.equal(plain(await page.textContent(`[data-variant-id="${scarf}"] .price`)), "7128,50 Ft");
  } finally {
    await serverOnly.close();
  }

  // Hungarian shopper, HUF with two digits: 7128,50 Ft, not 712 850 Ft.
  const huf = await shop(ctx.browser, ctx, "hu-HU", "HUF", scarf, "hu-HU-HUF");
  assert.equal(huf.price, "7128,50 Ft");
  assert.equal(huf.cart.currency_exponent, 2);
  assert.equal(huf.cartTotal, hungarianForint(huf.cart.total));
  assert.equal(huf.quoteTotal, huf.cartTotal);

  // German shopper, JPY with no minor digits.
  const jpy = await shop(ctx.browser, ctx, "de-DE", "JPY", "var_demo_mug", "de-DE-JPY");
  assert.equal(jpy.price, "2.200 ¥");
  assert.equal(jpy.cart.currency_exponent, 0);
  assert.equal(jpy.cartTotal, germanYen(jpy.cart.total));
  assert.equal(jpy.quoteTotal, jpy.cartTotal);
}
