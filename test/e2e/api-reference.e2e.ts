/**
 * The API reference at /docs in a real browser with every other origin cut off
 * (contract: ./run.ts): it must draw the operations from /openapi.json with nothing
 * but this origin's files, and break no CSP rule doing it.
 */
import assert from "node:assert/strict";
import path from "node:path";
import type { E2eContext } from "./run.ts";

export default async function apiReference({ baseUrl, browser, screenshotDir }: E2eContext): Promise<void> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const origin = new URL(baseUrl).origin;
  const elsewhere: string[] = [];
  const problems: string[] = [];
  try {
    await context.route("**/*", (route) => {
      if (new URL(route.request().url()).origin === origin) return route.continue();
      elsewhere.push(route.request().url());
      return route.abort("blockedbyclient");
    });
    const page = await context.newPage();
    page.on("pageerror", (error) => problems.push(error.message));
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(message.text());
    });
    const document = (await (await fetch(`${baseUrl}/openapi.json`)).json()) as { paths: Record<string, Record<string, { summary: string }>> };
    const startCheckout = document.paths["/v1/carts/{id}/checkout"]!.post!.summary;
    const health = document.paths["/health/checkout"]!.get!.summary;

    await page.goto(`${baseUrl}/docs`);
    // Swagger UI parses the whole document before it draws: generous on a loaded machine.
    await page.getByText(startCheckout, { exact: true }).first().waitFor({ timeout: 60_000 });
    await page.getByText(health, { exact: true }).first().waitFor();
    assert.ok((await page.locator(".opblock").count()) > 30, "every operation is drawn");
    // An operation opens with its responses, the shared headers among them.
    await page.getByText(startCheckout, { exact: true }).first().click();
    await page.getByText("X-Request-Id").first().waitFor();
    await page.screenshot({ path: path.join(screenshotDir, "api-reference.png") });

    assert.deepEqual(elsewhere, [], "the page asked for nothing outside this origin");
    assert.deepEqual(problems, [], "no script error and no CSP violation");
  } finally {
    await context.close();
  }
}
