/**
 * The demo storefront's server side: `/` renders the catalog with live availability for
 * the first paint, under a CSP that allows only same-origin script (no inline script), and
 * serves the bundled browser script (built from src/storefront/browser + src/client).
 */
import { describe, expect, it } from "vitest";
import { ADMIN, call, createProduct, startCheckout, cartWith } from "../support/api";

const scriptSrc = (html: string) => /<script type="module" src="([^"]+)"><\/script>/.exec(html)?.[1];

describe("storefront page", () => {
  it("renders the catalog with live availability, and a CSP without inline script", async () => {
    const [variant] = await createProduct([{ prices: { USD: 1999, EUR: 1799 }, stock: 3, title: "Size M" }], "Storefront Page Tee");
    const page = await call("GET", "/");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    const csp = page.headers.get("content-security-policy")!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).toContain("frame-ancestors 'none'");

    const html: string = page.body;
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).toContain('name="viewport"');
    expect(html).toContain("Storefront Page Tee");
    expect(html).toContain("$19.99");
    expect(html).toMatch(new RegExp(`data-variant-id="${variant}"[\\s\\S]*?Only 3 left`));
    // The only inline <script> is a JSON data block; executable script comes from this origin.
    const inline = [...html.matchAll(/<script([^>]*)>/g)].map((m) => m[1]);
    expect(inline.every((attrs) => attrs!.includes('type="application/json"') || attrs!.includes('src="/storefront/app.js'))).toBe(true);

    // Availability is live: a checkout's reservation shows on the next render.
    await startCheckout(await cartWith([[variant!, 2]]));
    expect((await call("GET", "/")).body).toMatch(new RegExp(`data-variant-id="${variant}"[\\s\\S]*?Only 1 left`));
  });

  it("renders the currency asked for, and falls back to USD for any other", async () => {
    await createProduct([{ prices: { USD: 1000, EUR: 900 }, stock: 10 }], "Euro Mug");
    expect((await call("GET", "/?currency=EUR")).body).toContain("€9.00");
    const fallback = await call("GET", "/?currency=%3Cscript%3E");
    expect(fallback.status).toBe(200);
    expect(fallback.body).toContain('data-currency="USD"');
    // A code the store does not sell in falls back too.
    expect((await call("GET", "/?currency=XXX")).body).toContain('data-currency="USD"');
  });

  it("writes prices in the shopper's language (Accept-Language) with the catalog's exponent, in any currency of the catalog", async () => {
    expect((await call("PUT", "/admin/api/currencies/HUF", { headers: ADMIN, body: { rate_from_base: "356.4", exponent: 2 } })).status).toBe(200);
    await createProduct([{ prices: { USD: 1000, EUR: 900, HUF: 359050 }, stock: 10 }], "Forint Mug");
    const german = await call("GET", "/?currency=EUR", { headers: { "accept-language": "de-DE,de;q=0.9" } });
    expect(german.body).toMatch(/9,00[\u00a0 ]€/);
    const hungarian = await call("GET", "/?currency=HUF", { headers: { "accept-language": "hu-HU" } });
    expect(hungarian.body).toContain('data-currency="HUF"');
    // Two digits as the store keeps them; Intl's own table (0 digits for HUF) would print 359 050 Ft.
    expect(hungarian.body).toMatch(/3590,50[\u00a0 ]Ft/);
  });

  it("keeps catalog text inert in the page, whatever an admin typed", async () => {
    await createProduct([{ stock: 1 }], "</script><script>alert(1)</script>");
    const html: string = (await call("GET", "/")).body;
    expect(html).not.toContain("<script>alert(1)");
    expect(html).toContain("\\u003c/script\\u003e\\u003cscript\\u003ealert(1)");
  });

  it("serves the bundled browser script and the stylesheet from this origin, cacheable by version", async () => {
    const html: string = (await call("GET", "/")).body;
    const src = scriptSrc(html)!;
    expect(src).toMatch(/^\/storefront\/app\.js\?v=[0-9a-z]+$/);
    const script = await call("GET", src);
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(script.headers.get("cache-control")).toContain("immutable");
    // The typed client is inside: the browser sends idempotency keys.
    expect(script.body).toContain("idempotency-key");
    expect((await call("GET", "/storefront/app.js")).headers.get("cache-control")).toBe("no-cache");

    const href = /<link rel="stylesheet" href="([^"]+)"/.exec(html)![1]!;
    const style = await call("GET", href);
    expect(style.status).toBe(200);
    expect(style.headers.get("content-type")).toBe("text/css; charset=utf-8");
    expect(style.body).toContain(".products");
  });

  it("owns only / and its assets: other paths still answer the API's 404", async () => {
    const res = await call("GET", "/storefront/nothing-here.js");
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: { code: "not_found", message: "No such route." } });
  });
});
