/**
 * The console's Orders pages in a real browser: an admin finds an order this test paid
 * for (by number, then by email), refunds one unit of a line with restock and then an
 * amount, each through its confirmation page, cancels the rest, and sees every step on
 * the order page; the admin API agrees at each step. Desktop and phone screenshots go to
 * e2e-artifacts/.
 */
import assert from "node:assert/strict";
import path from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { adminGet, paidOrder } from "./paid-order.ts";
import type { E2eContext } from "./run.ts";

const usd = (minor: number) => new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" }).format(minor / 100);

async function signIn(page: Page, baseUrl: string, token: string): Promise<void> {
  await page.goto(`${baseUrl}/admin/sign-in`);
  await page.getByLabel("Admin token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${baseUrl}/admin`);
}

export default async function adminOrders({ baseUrl, adminToken, browser, screenshotDir }: E2eContext): Promise<void> {
  const order = await paidOrder(baseUrl, adminToken);
  const problems: string[] = [];
  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(screenshotDir, `${name}.png`), fullPage: true });
  const watch = (page: Page) => {
    page.on("console", (m) => {
      if (/Content.Security.Policy|Refused to/i.test(m.text())) problems.push(`console: ${m.text()}`);
    });
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  };
  const api = async () => adminGet(baseUrl, adminToken, `/admin/api/orders/${order.id}`);
  const contexts: BrowserContext[] = [];
  try {
    const desktop = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: "en-US" });
    contexts.push(desktop);
    const page = await desktop.newPage();
    watch(page);
    await signIn(page, baseUrl, adminToken);

    // Found by its number.
    await page.getByRole("link", { name: "Orders", exact: true }).click();
    await page.getByRole("heading", { name: "Orders" }).waitFor();
    await page.getByLabel("Number or email").fill(`#${order.number}`);
    await page.getByRole("button", { name: "Filter" }).click();
    const row = page.locator(`tr[data-order-id="${order.id}"]`);
    await row.waitFor();
    assert.match(await row.innerText(), new RegExp(`paid[\\s\\S]*${usd(order.total).replace(/[$.]/g, "\\$&")}[\\s\\S]*${order.email}`));
    assert.equal(await page.locator("tbody tr").count(), 1, "the number finds one order");
    await shot(page, "admin-orders-desktop");
    await row.getByRole("link", { name: `#${order.number}` }).click();
    await page.getByRole("heading", { name: `Order #${order.number}` }).waitFor();

    // One unit of the first line, back in stock: the confirmation shows its share, which is what is refunded.
    const line = order.lines[0]!;
    await page.getByLabel(`${line.sku} (2 of 2 left)`).fill("1");
    await page.getByLabel("Put the units back in stock").check();
    await page.getByRole("button", { name: "Review refund" }).click();
    await page.getByRole("heading", { name: new RegExp(`^Refund .+ of order #${order.number}\\?$`) }).waitFor();
    const reviewed = await page.getByTestId("review-amount").innerText();
    assert.match(await page.locator("main").innerText(), /these units go back in stock/);
    assert.equal((await api()).refunds.length, 0, "nothing is refunded before the confirmation");
    await shot(page, "admin-order-refund-review-desktop");
    await page.getByRole("button", { name: `Refund ${reviewed}` }).click();
    await page.waitForURL(/notice=refunded/);
    await page.getByText("Refunded: the gateway confirmed the refund.").waitFor();
    assert.equal(await page.getByTestId("refunded-total").innerText(), reviewed);
    let detail = await api();
    const share: number = detail.refunds[0].amount;
    assert.equal(usd(share), reviewed, "the confirmation showed the exact amount refunded");
    assert.ok(share === Math.floor(line.total / 2) || share === Math.ceil(line.total / 2), `one of two units is half the line (${share} of ${line.total})`);
    assert.equal(detail.refunds.length, 1);
    assert.equal(detail.refunds[0].status, "succeeded");
    assert.equal(detail.refunds[0].restocked, true);
    assert.match(await page.locator(`tr[data-refund-id="${detail.refunds[0].id}"]`).innerText(), /succeeded[\s\S]*yes/);

    // An amount, typed in dollars.
    await page.getByLabel("An amount (money only)").check();
    await page.getByLabel("Amount (USD)").fill("1.50");
    await page.getByRole("button", { name: "Review refund" }).click();
    await page.getByRole("heading", { name: `Refund ${usd(150)} of order #${order.number}?` }).waitFor();
    await page.getByRole("button", { name: `Refund ${usd(150)}` }).click();
    await page.waitForURL(/notice=refunded/);
    detail = await api();
    assert.equal(detail.order.refunded_total, share + 150);
    assert.equal(detail.order.status, "partially_refunded");

    // Cancel the rest.
    const rest = order.total - detail.order.refunded_total;
    await page.getByRole("button", { name: "Review cancellation" }).click();
    await page.getByRole("heading", { name: `Cancel order #${order.number}?` }).waitFor();
    await page.getByRole("button", { name: `Cancel the order and refund ${usd(rest)}` }).click();
    await page.waitForURL(/notice=cancelled/);
    await page.getByText("Cancelled: everything that remained was refunded.").waitFor();
    assert.equal(await page.getByRole("button", { name: "Review refund" }).count(), 0, "a cancelled order offers no refund");
    detail = await api();
    assert.equal(detail.order.status, "cancelled");
    assert.equal(detail.order.refunded_total, order.total);
    assert.equal(detail.refunds.length, 3);
    const body = await page.locator("main").innerText();
    for (const text of ["cancellation_succeeded", "refund_succeeded", line.sku]) assert.ok(body.includes(text), `the order page shows ${text}`);
    await shot(page, "admin-order-cancelled-desktop");

    // Found by email among cancelled orders.
    await page.goto(`${baseUrl}/admin/orders`);
    await page.getByLabel("Number or email").fill(order.email.toUpperCase());
    await page.getByLabel("Status").selectOption("cancelled");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.locator(`tr[data-order-id="${order.id}"]`).waitFor();

    // A phone: the order page fits (wide tables scroll in their box).
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: "en-US" });
    contexts.push(phone);
    const mobile = await phone.newPage();
    watch(mobile);
    await signIn(mobile, baseUrl, adminToken);
    await mobile.goto(`${baseUrl}/admin/orders/${order.id}`);
    await mobile.getByRole("heading", { name: `Order #${order.number}` }).waitFor();
    const overflow = await mobile.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `the order page fits a phone (overflow ${overflow} px)`);
    await shot(mobile, "admin-order-phone");

    assert.deepEqual(problems, [], "no CSP violation or page error");
  } finally {
    for (const context of contexts) await context.close();
  }
}
