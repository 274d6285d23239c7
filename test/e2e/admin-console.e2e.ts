/**
 * The admin console in a real browser: a wrong token is refused; an admin signs in,
 * finds a checkout lock this test created through the storefront API, releases it and
 * sees it released (and the API agrees); then finds that checkout's webhook event on the
 * Events page and sends it again. Screenshots of the dashboard, the lock page and the
 * events pages at desktop and phone sizes go to e2e-artifacts/.
 */
import assert from "node:assert/strict";
import path from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import type { E2eContext } from "./run.ts";

const DESKTOP = { width: 1280, height: 860 };
const PHONE = { width: 390, height: 844 };

async function json(res: Response): Promise<any> {
  const body = await res.json();
  if (!res.ok) throw new Error(`${res.status} ${JSON.stringify(body)}`);
  return body;
}

/** A locked checkout of a demo product, made the way a storefront would. */
async function createLock(baseUrl: string): Promise<{ checkoutId: string; cartId: string }> {
  const post = (p: string, body: unknown, token?: string) =>
    fetch(`${baseUrl}${p}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    }).then(json);
  const { cart, token } = await post("/v1/carts", { currency: "USD", country: "US", email: "e2e@example.com" });
  await post(`/v1/carts/${cart.id}/lines`, { variant_id: "var_demo_hoodie_m", quantity: 1 }, token);
  await post(`/v1/carts/${cart.id}/lines`, { variant_id: "var_demo_mug", quantity: 2 }, token);
  const { checkout } = await post(`/v1/carts/${cart.id}/checkout`, {}, token);
  assert.equal(checkout.state, "locked");
  return { checkoutId: checkout.id, cartId: cart.id };
}

/** Fails the test on any Content-Security-Policy violation or page error. */
function watchPage(page: Page, problems: string[]): void {
  page.on("console", (m) => {
    if (/Content.Security.Policy|Refused to/i.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
}

async function signIn(page: Page, baseUrl: string, token: string): Promise<void> {
  await page.goto(`${baseUrl}/admin`);
  assert.match(new URL(page.url()).pathname, /^\/admin\/sign-in$/, "an anonymous visit lands on sign-in");
  await page.getByLabel("Admin token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${baseUrl}/admin`);
}

export default async function adminConsole({ baseUrl, adminToken, browser, screenshotDir }: E2eContext): Promise<void> {
  const { checkoutId, cartId } = await createLock(baseUrl);
  const problems: string[] = [];
  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(screenshotDir, `${name}.png`), fullPage: true });
  const contexts: BrowserContext[] = [];
  try {
    // ---- desktop: a wrong token is refused, then the whole release flow
    const desktop = await browser.newContext({ viewport: DESKTOP });
    contexts.push(desktop);
    const page = await desktop.newPage();
    watchPage(page, problems);

    await page.goto(`${baseUrl}/admin/sign-in`);
    await page.getByLabel("Admin token").fill("definitely-not-the-token");
    const [refused] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith("/admin/sign-in") && r.request().method() === "POST"),
      page.getByRole("button", { name: "Sign in" }).click(),
    ]);
    assert.equal(refused.status(), 401);
    await page.getByText("That token is not valid.").waitFor();
    assert.equal((await desktop.cookies()).length, 0, "no session cookie for a wrong token");
    await page.goto(`${baseUrl}/admin/locks`);
    assert.match(page.url(), /\/admin\/sign-in\?next=/, "still signed out");

    await signIn(page, baseUrl, adminToken);
    const [cookie] = await desktop.cookies();
    assert.ok(cookie, "a session cookie");
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, "Strict");
    await page.getByRole("heading", { name: "Dashboard" }).waitFor();
    assert.equal(await page.locator("svg.chart").count(), 1, "the checkouts chart is drawn");
    // The inline stylesheet is allowed by its hash: the header really is dark.
    assert.equal(await page.locator("header").evaluate((el) => getComputedStyle(el).backgroundColor), "rgb(17, 24, 39)");
    await shot(page, "admin-dashboard-desktop");

    // The locks table, filtered to locked ones, shows the lock this test made.
    await page.getByRole("link", { name: "Checkout locks" }).click();
    await page.getByLabel("State").selectOption("locked");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.waitForURL(/state=locked/);
    const row = page.locator(`tr[data-lock-id="${checkoutId}"]`);
    await row.waitFor();
    assert.match(await row.innerText(), /locked/);
    await row.getByRole("link", { name: checkoutId }).click();

    await page.getByRole("heading", { name: `Checkout ${checkoutId}` }).waitFor();
    const body = await page.locator("main").innerText();
    for (const text of ["Quote", "Timeline", "Reservations", "HOOD-GRY-M", "MUG-350", "stock_reserved", "price_locked", cartId]) {
      assert.ok(body.includes(text), `the lock page shows ${text}`);
    }
    await shot(page, "admin-lock-desktop");

    await page.getByRole("button", { name: "Release this lock" }).click();
    await page.waitForURL(/notice=released/);
    await page.getByText("Released: the checkout was cancelled").waitFor();
    assert.match(await page.locator("main").innerText(), /cancelled[\s\S]*admin_release/);
    assert.equal(await page.getByRole("button", { name: "Release this lock" }).count(), 0, "no Release button on an ended lock");
    await shot(page, "admin-lock-released-desktop");

    // The API agrees: cancelled by admin, stock given back.
    const lock = await json(await fetch(`${baseUrl}/admin/api/checkout-locks/${checkoutId}`, { headers: { authorization: `Bearer ${adminToken}` } }));
    assert.equal(lock.checkout.state, "cancelled");
    assert.equal(lock.checkout.cancel_reason, "admin_release");
    assert.ok(lock.reservations.every((r: { status: string }) => r.status === "released"));

    await page.getByRole("link", { name: "Diagnostics" }).click();
    await page.locator('tr[data-check="no_reservation_on_ended_checkout"]').waitFor();
    assert.match(await page.locator('tr[data-check="no_reservation_on_ended_checkout"]').innerText(), /\bok\b/);
    await shot(page, "admin-diagnostics-desktop");

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(/\/admin\/sign-in$/);
    await page.goto(`${baseUrl}/admin`);
    assert.match(page.url(), /\/admin\/sign-in/, "signed out for good");

    // ---- phone: the same pages fit the screen (wide tables scroll inside their box)
    const phone = await browser.newContext({ viewport: PHONE, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    contexts.push(phone);
    const mobile = await phone.newPage();
    watchPage(mobile, problems);
    await signIn(mobile, baseUrl, adminToken);
    const overflow = () => mobile.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok((await overflow()) <= 1, `the dashboard fits a phone (overflow ${await overflow()} px)`);
    await shot(mobile, "admin-dashboard-phone");
    await mobile.goto(`${baseUrl}/admin/locks/${checkoutId}`);
    await mobile.getByText("admin_release").first().waitFor();
    assert.ok((await overflow()) <= 1, `the lock page fits a phone (overflow ${await overflow()} px)`);
    await shot(mobile, "admin-lock-phone");

    // ---- webhook events: a cleanup run relays the checkout's events and, with no
    // WEBHOOK_URL on this server, the queue consumer keeps them undeliverable.
    const startedEvent = `evt_checkout_started_${checkoutId}`;
    const admin = { authorization: `Bearer ${adminToken}` };
    await json(await fetch(`${baseUrl}/admin/api/cleanup`, { method: "POST", headers: admin }));
    const eventStatus = async () => (await json(await fetch(`${baseUrl}/admin/api/events/${startedEvent}`, { headers: admin }))).event.status as string;
    for (let i = 0; i < 80 && (await eventStatus()) !== "undeliverable"; i++) await new Promise((r) => setTimeout(r, 250));
    assert.equal(await eventStatus(), "undeliverable", "the consumer saw the event");

    const events = await desktop.newPage();
    watchPage(events, problems);
    await signIn(events, baseUrl, adminToken);
    await events.getByRole("link", { name: "Events" }).click();
    await events.getByRole("heading", { name: "Webhook events" }).waitFor();
    const eventRow = events.locator(`tr[data-event-id="${startedEvent}"]`);
    await eventRow.waitFor();
    assert.match(await eventRow.innerText(), /undeliverable[\s\S]*checkout\.started[\s\S]*WEBHOOK_URL is not configured/);
    await shot(events, "admin-events-desktop");
    await eventRow.getByRole("link", { name: startedEvent }).click();
    await events.getByRole("heading", { name: `Event ${startedEvent}` }).waitFor();
    const eventText = await events.locator("main").innerText();
    for (const text of ["Delivery attempts", "Payload", `"id": "${checkoutId}"`]) assert.ok(eventText.includes(text), `the event page shows ${text}`);
    await shot(events, "admin-event-desktop");
    const redeliver = events.getByRole("button", { name: "Redeliver" });
    if ((await redeliver.count()) > 0) {
      await redeliver.click();
      await events.waitForURL(/notice=(enqueued|sent)/);
      await events.getByText("Sent again:").waitFor();
      await shot(events, "admin-event-redelivered-desktop");
    }

    await mobile.goto(`${baseUrl}/admin/events`);
    await mobile.locator(`tr[data-event-id="${startedEvent}"]`).waitFor();
    assert.ok((await overflow()) <= 1, `the events page fits a phone (overflow ${await overflow()} px)`);
    await shot(mobile, "admin-events-phone");
    await mobile.goto(`${baseUrl}/admin/events/${startedEvent}`);
    await mobile.getByRole("heading", { name: `Event ${startedEvent}` }).waitFor();
    assert.ok((await overflow()) <= 1, `the event page fits a phone (overflow ${await overflow()} px)`);
    await shot(mobile, "admin-event-phone");

    assert.deepEqual(problems, [], "no CSP violation or page error");
  } finally {
    for (const context of contexts) await context.close();
  }
}
