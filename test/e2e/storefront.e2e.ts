/**
 * The demo storefront in a real browser against the real Worker (contract: ./run.ts).
 *
 * Desktop: buy something end to end (discount, frozen quote, countdown), with a declined
 * card on the way that is recovered with tok_visa, and an edit of the locked cart that
 * shows the lock banner and changes nothing. Phone (390x844): the same lock from a phone,
 * cancel from the banner, and the cart editable again. Every step is checked against the
 * API too, and screenshots of both viewports go to ctx.screenshotDir.
 */
import assert from "node:assert/strict";
import path from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import type { E2eContext } from "./run.ts";

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const CART_KEY = "edge-checkout.cart";

interface StoredCart {
  id: string;
  token: string;
}

async function api<T>(ctx: E2eContext, pathname: string, token?: string): Promise<T> {
  const res = await fetch(`${ctx.baseUrl}${pathname}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const body = (await res.json()) as T;
  assert.equal(res.status, 200, `GET ${pathname}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

const onHand = async (ctx: E2eContext, variantId: string) =>
  (await (await fetch(`${ctx.baseUrl}/admin/api/variants/${variantId}/stock`, { headers: { authorization: `Bearer ${ctx.adminToken}` } })).json())
    .on_hand as number;

/** The cart this browser holds (its token lives in localStorage), read through the API. */
async function browserCart(ctx: E2eContext, page: Page) {
  const stored = await page.evaluate((key) => localStorage.getItem(key), CART_KEY);
  assert.ok(stored, "the browser keeps its cart in localStorage");
  const ref = JSON.parse(stored) as StoredCart;
  const { cart } = await api<{
    cart: { id: string; version: number; locked: boolean; lines: Array<{ variant_id: string; quantity: number }>; checkout: { state: string } | null };
  }>(ctx, `/v1/carts/${ref.id}`, ref.token);
  return { ref, cart };
}

/** Opens the store and waits until the script has taken over (Add buttons enabled). */
async function openStore(context: BrowserContext, ctx: E2eContext): Promise<{ page: Page; problems: string[] }> {
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    // The 402/422/423 answers this test provokes are logged by the browser; anything else (a CSP violation, a script error, a 5xx) is a problem.
    if (message.type() === "error" && !/^Failed to load resource: the server responded with a status of 4\d\d/.test(message.text())) {
      problems.push(`console error: ${message.text()}`);
    }
  });
  await page.goto(`${ctx.baseUrl}/`);
  await page.waitForSelector('button[data-add="var_demo_mug"]:not([disabled])');
  return { page, problems };
}

/** Desktop: the whole page. Phone: what the shopper sees on the screen at that moment. */
const shot = (ctx: E2eContext, page: Page, name: string) =>
  page.screenshot({ path: path.join(ctx.screenshotDir, `storefront-${name}.png`), fullPage: name.startsWith("desktop") });

async function addToCart(page: Page, variantId: string) {
  const lines = await page.locator(".cart-line").count();
  await page.click(`button[data-add="${variantId}"]`);
  await page.waitForSelector(`.cart-line[data-variant-id="${variantId}"]`);
  if ((await page.locator(".cart-line").count()) === lines) await page.waitForTimeout(200);
}

async function startCheckout(page: Page) {
  await page.click('[data-testid="cart"] button.primary:has-text("Checkout")');
  await page.waitForSelector('[data-testid="countdown"]');
}

async function pay(page: Page, card: string) {
  await page.check(`input[name="card"][value="${card}"]`);
  await page.click('[data-testid="pay"]');
}

async function desktopPurchase(ctx: E2eContext) {
  const context = await ctx.browser.newContext({ viewport: DESKTOP });
  try {
    const { page, problems } = await openStore(context, ctx);
    const mugStock = await onHand(ctx, "var_demo_mug");
    // The first paint and the script agree on live availability.
    const available = Number(await page.getAttribute('[data-variant-id="var_demo_mug"] .stock', "data-available"));
    const { data } = await api<{ data: Array<{ variants: Array<{ id: string; available: number }> }> }>(ctx, "/v1/products?currency=USD");
    assert.equal(available, data.flatMap((p) => p.variants).find((v) => v.id === "var_demo_mug")!.available);
    await shot(ctx, page, "desktop-catalog");

    await addToCart(page, "var_demo_mug");
    await addToCart(page, "var_demo_tee_m");
    await page.click('.cart-line[data-variant-id="var_demo_mug"] button[aria-label="One more"]');
    await page.waitForFunction(() => document.querySelector('.cart-line[data-variant-id="var_demo_mug"] output')?.textContent === "2");
    await page.fill("#discount-code", "NOT-A-CODE");
    await page.click('form[aria-label="Discount code"] button[type="submit"]');
    await page.waitForSelector(".field-error");
    await page.fill("#discount-code", "WELCOME10");
    await page.click('form[aria-label="Discount code"] button[type="submit"]');
    await page.waitForSelector('.chip:has-text("WELCOME10")');
    const shownTotal = await page.textContent('[data-testid="cart-total"]');
    await shot(ctx, page, "desktop-cart");

    // Checkout: the frozen quote with its countdown, equal to the total the cart showed.
    await startCheckout(page);
    assert.equal(await page.textContent('[data-testid="quote-total"]'), shownTotal);
    assert.match((await page.textContent('[data-testid="countdown"]'))!, /^1[45]m \d\ds$/);
    assert.equal(await page.textContent('[data-testid="checkout-state"]'), "Awaiting payment");
    assert.equal((await page.textContent('[data-testid="exchange-rate"]'))?.trim(), "1");
    for (const card of ["tok_visa", "tok_decline", "tok_insufficient_funds", "tok_capture_decline", "tok_gateway_error"]) {
      assert.equal(await page.locator(`[data-testid="test-cards"] code:text-is("${card}")`).count(), 1, `hint lists ${card}`);
    }
    const first = await page.textContent('[data-testid="countdown"]');
    await page.waitForFunction((before) => document.querySelector('[data-testid="countdown"]')?.textContent !== before, first, { timeout: 3_000 });
    await shot(ctx, page, "desktop-checkout");

    // A decline: the checkout stays locked with the same quote; try another card.
    await pay(page, "tok_decline");
    await page.waitForSelector('[data-testid="notice-error"]:has-text("declined")');
    assert.ok(await page.isVisible('[data-testid="countdown"]'), "still on the checkout after a decline");
    const afterDecline = await browserCart(ctx, page);
    assert.equal(afterDecline.cart.locked, true);
    assert.equal(afterDecline.cart.checkout?.state, "locked");
    await shot(ctx, page, "desktop-declined");

    // Editing the locked cart: the 423 shows as the lock banner, and the cart does not change.
    await page.click("text=← Back to the cart");
    await page.waitForSelector('[data-testid="cart-lock-badge"]');
    await page.click('.cart-line[data-variant-id="var_demo_tee_m"] button[aria-label="One more"]');
    const banner = page.locator('[data-testid="lock-banner"]');
    await banner.waitFor();
    assert.match((await banner.textContent())!, /locked/i);
    assert.match((await banner.textContent())!, /Awaiting payment, \d+m \d\ds left/);
    const afterEdit = await browserCart(ctx, page);
    assert.equal(afterEdit.cart.version, afterDecline.cart.version, "a locked cart never changes");
    assert.deepEqual(
      afterEdit.cart.lines.map((l) => [l.variant_id, l.quantity]),
      [
        ["var_demo_mug", 2],
        ["var_demo_tee_m", 1],
      ],
    );
    await shot(ctx, page, "desktop-lock-banner");

    // Recover: back to payment from the banner, pay with tok_visa, see the confirmation.
    await banner.locator("button:has-text('Go to payment')").click();
    await page.waitForSelector('[data-testid="countdown"]');
    await pay(page, "tok_visa");
    await page.waitForSelector('[data-testid="order-id"]');
    assert.match(page.url(), /\?order=ord_/);
    const orderId = (await page.textContent('[data-testid="order-id"]'))!;
    assert.equal(await page.textContent('[data-testid="order-total"]'), shownTotal);
    await shot(ctx, page, "desktop-order");

    // The API agrees: one paid order, captured for the quoted total, the stock taken.
    const { order } = await api<{ order: { status: string; total: number; payment: { status: string; amount: number } } }>(
      ctx,
      `/v1/orders/${orderId}`,
      afterEdit.ref.token,
    );
    assert.equal(order.status, "paid");
    assert.equal(order.payment.status, "captured");
    assert.equal(order.payment.amount, order.total);
    assert.equal(await onHand(ctx, "var_demo_mug"), mugStock - 2);
    // The confirmation survives a reload (the browser remembers which token reads it).
    await page.reload();
    await page.waitForSelector(`[data-testid="order-id"]:text-is("${orderId}")`);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
}

async function phoneLockAndCancel(ctx: E2eContext) {
  const context = await ctx.browser.newContext({ viewport: PHONE, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  try {
    const { page, problems } = await openStore(context, ctx);
    // Readable on a phone: nothing wider than the screen.
    assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= PHONE.width, "no horizontal scrolling on a phone");
    await shot(ctx, page, "phone-catalog");

    await addToCart(page, "var_demo_hoodie_m");
    await page.selectOption("#country", "DE");
    await page.waitForFunction(() => (document.querySelector("#country") as HTMLSelectElement | null)?.value === "DE");
    await startCheckout(page);
    assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= PHONE.width, "the quote fits a phone");
    await shot(ctx, page, "phone-checkout");

    await page.click("text=← Back to the cart");
    await page.click('.cart-line[data-variant-id="var_demo_hoodie_m"] button[aria-label="One more"]');
    const banner = page.locator('[data-testid="lock-banner"]');
    await banner.waitFor();
    await shot(ctx, page, "phone-lock-banner");

    // Cancel from the banner: everything released, the cart editable again.
    await banner.locator("button:has-text('Cancel checkout')").click();
    await page.waitForSelector('[data-testid="notice-info"]:has-text("Checkout cancelled")');
    const { cart } = await browserCart(ctx, page);
    assert.equal(cart.locked, false);
    assert.equal(cart.checkout?.state, "cancelled");
    await page.click('.cart-line[data-variant-id="var_demo_hoodie_m"] button[aria-label="One more"]');
    await page.waitForFunction(() => document.querySelector('.cart-line[data-variant-id="var_demo_hoodie_m"] output')?.textContent === "2");
    assert.equal(await page.locator('[data-testid="lock-banner"]').count(), 0);
    await shot(ctx, page, "phone-cart-editable");

    // And pay from the phone: one decline, then tok_visa.
    await startCheckout(page);
    await pay(page, "tok_insufficient_funds");
    await page.waitForSelector('[data-testid="notice-error"]:has-text("declined")');
    await shot(ctx, page, "phone-declined");
    await pay(page, "tok_visa");
    await page.waitForSelector('[data-testid="order-status"]:text-is("paid")');
    await shot(ctx, page, "phone-order");
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
}

export default async function storefront(ctx: E2eContext): Promise<void> {
  await desktopPurchase(ctx);
  await phoneLockAndCancel(ctx);
}
