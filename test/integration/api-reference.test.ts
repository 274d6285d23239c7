/** `/docs`: the API reference page and its renderer, all from this origin (no CDN). */
import { describe, expect, it } from "vitest";
import { exports } from "cloudflare:workers";

const ORIGIN = "https://checkout.test";
const get = (path: string, headers: Record<string, string> = {}) => exports.default.fetch(new Request(`${ORIGIN}${path}`, { headers }));

/** Every URL the page loads: scripts and stylesheets. */
function loadedUrls(html: string): string[] {
  return [...html.matchAll(/<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
}

describe("the API reference at /docs", () => {
  it("answers a page that loads only same-origin assets, under a CSP that allows no other origin", async () => {
    const res = await get("/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(res.headers.get("x-request-id")).toBeTruthy();
    const csp = res.headers.get("content-security-policy")!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toMatch(/https?:|\*/);
    const html = await res.text();
    const urls = loadedUrls(html);
    expect(urls.length).toBe(3);
    for (const url of urls) expect(new URL(url, ORIGIN).origin, url).toBe(ORIGIN);
    expect(html).not.toMatch(/<script>|<script [^>]*>[^<]/); // no inline script: the CSP would block it
    expect(html).toContain('data-document="/openapi.json"');
  });

  it("serves each asset with its content type, the renderer from the static assets", async () => {
    const html = await (await get("/docs")).text();
    const types: Record<string, RegExp> = { js: /^(text|application)\/javascript/, css: /^text\/css/ };
    for (const url of loadedUrls(html)) {
      const res = await get(url);
      expect(res.status, url).toBe(200);
      expect(res.headers.get("content-type"), url).toMatch(types[url.split(".").pop()!]!);
      const body = await res.text();
      expect(body.length, url).toBeGreaterThan(0);
      if (url.endsWith("swagger-ui-bundle.js")) expect(body).toContain("SwaggerUIBundle");
      if (url.endsWith("start.js")) expect(body).toContain("validatorUrl: null");
    }
  });

  it("answers 404 with the error envelope for any other file under /docs, never a file of the assets directory", async () => {
    for (const path of ["/docs/LICENSE", "/docs/nope.js", "/docs/../docs/swagger-ui.css.map"]) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code, path).toBe("not_found");
    }
  });
});
