import { createExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { issueSession, SESSION_COOKIE } from "../../src/admin/console-session";
import type { Env } from "../../src/env";
import { toBase64 } from "../../src/lib/crypto";
import { cartWith, createVariant, startCheckout, stockOf } from "../support/api";

/** Like the support client's call(), but redirects are seen, not followed (a browser's view of a 303). */
async function call(method: string, path: string, options: { headers?: Record<string, string>; raw?: string } = {}) {
  const response = await exports.default.fetch(new Request(`https://checkout.test${path}`, { method, headers: options.headers, body: options.raw, redirect: "manual" }));
  const text = await response.text();
  let body: any = text;
  if (response.headers.get("content-type")?.includes("application/json")) body = JSON.parse(text);
  return { status: response.status, body, headers: response.headers };
}

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = { "content-type": "application/x-www-form-urlencoded", "sec-fetch-site": "same-origin" };

async function signIn(): Promise<string> {
  const res = await call("POST", "/admin/sign-in", { headers: FORM, raw: form({ token: env.ADMIN_TOKEN!, next: "/admin" }) });
  expect(res.status).toBe(303);
  const cookie = res.headers.get("set-cookie")!;
  return cookie.split(";")[0]!;
}

const page = (path: string, cookie: string) => call("GET", path, { headers: { cookie } });
const csrfOf = (html: string) => /name="csrf" value="([0-9a-f]{64})"/.exec(html)![1]!;

async function lockedCheckout() {
  const variant = await createVariant({ prices: { USD: 4200 }, stock: 5 });
  const cart = await cartWith([[variant, 2]]);
  const started = await startCheckout(cart);
  expect(started.status).toBe(201);
  return { variant, checkoutId: started.body.checkout.id as string };
}

describe("admin console", () => {
  it("sends visitors without a session to sign-in, and refuses a wrong token", async () => {
    const res = await call("GET", "/admin/locks?state=active");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/admin/sign-in?next=%2Fadmin%2Flocks%3Fstate%3Dactive");

    const signInPage = await call("GET", "/admin/sign-in?next=https://evil.example/");
    expect(signInPage.status).toBe(200);
    expect(signInPage.body).toContain('name="next" value="/admin"');

    const wrong = await call("POST", "/admin/sign-in", { headers: FORM, raw: form({ token: "not-the-token" }) });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toContain("That token is not valid.");
    expect(wrong.headers.get("set-cookie")).toBeNull();

    // A sign-in posted from another site is refused even with the right token.
    const crossSite = await call("POST", "/admin/sign-in", { headers: { ...FORM, "sec-fetch-site": "cross-site" }, raw: form({ token: env.ADMIN_TOKEN! }) });
    expect(crossSite.status).toBe(403);
    expect(crossSite.headers.get("set-cookie")).toBeNull();
  });

  it("issues an HttpOnly, SameSite=Strict, Secure, expiring session cookie and serves locked-down pages", async () => {
    const res = await call("POST", "/admin/sign-in", { headers: FORM, raw: form({ token: env.ADMIN_TOKEN!, next: "/admin/locks" }) });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/admin/locks");
    const cookie = res.headers.get("set-cookie")!;
    expect(cookie).toMatch(new RegExp(`^${SESSION_COOKIE}=v1\\.\\d+\\.`));
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Secure/); // the test requests are https
    expect(cookie).toMatch(/Path=\/admin/);
    expect(cookie).toMatch(/Max-Age=28800/);

    const dashboard = await page("/admin", cookie.split(";")[0]!);
    expect(dashboard.status).toBe(200);
    expect(dashboard.body).toMatch(/^<!doctype html>/);
    expect(dashboard.body).toContain("Checkouts over the last 24 hours");
    const csp = dashboard.headers.get("content-security-policy")!;
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("script-src 'none'");
    expect(csp).not.toContain("unsafe-inline");
    expect(dashboard.body).not.toContain("<script");
    // The one inline stylesheet is allowed by its exact hash.
    const css = /<style>([\s\S]*?)<\/style>/.exec(dashboard.body)![1]!;
    const digest = toBase64(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(css)));
    expect(csp).toContain(`style-src 'sha256-${digest}'`);
    expect(dashboard.headers.get("cache-control")).toBe("no-store");
  });

  it("lists a lock, shows it in full and releases it with a CSRF-protected form", async () => {
    const cookie = await signIn();
    const { variant, checkoutId } = await lockedCheckout();

    const list = await page("/admin/locks?state=locked", cookie);
    expect(list.status).toBe(200);
    expect(list.body).toContain(`data-lock-id="${checkoutId}"`);

    const lock = await page(`/admin/locks/${checkoutId}`, cookie);
    expect(lock.status).toBe(200);
    expect(lock.body).toContain("Release this lock");
    expect(lock.body).toContain("84.00 USD"); // the quote total, formatted
    const csrf = csrfOf(lock.body);

    // No token, a wrong token, or a cross-site post: refused, nothing released.
    for (const [headers, fields] of [
      [FORM, {}],
      [FORM, { csrf: "0".repeat(64) }],
      [{ ...FORM, "sec-fetch-site": "cross-site" }, { csrf }],
    ] as const) {
      const refused = await call("POST", `/admin/locks/${checkoutId}/release`, { headers: { ...headers, cookie }, raw: form(fields) });
      expect(refused.status).toBe(403);
    }
    expect(await stockOf(variant)).toMatchObject({ reserved: 2 });

    const released = await call("POST", `/admin/locks/${checkoutId}/release`, { headers: { ...FORM, cookie }, raw: form({ csrf }) });
    expect(released.status).toBe(303);
    expect(released.headers.get("location")).toBe(`/admin/locks/${checkoutId}?notice=released`);
    expect(await stockOf(variant)).toMatchObject({ reserved: 0, available: 5 });

    const after = await page(`/admin/locks/${checkoutId}?notice=released`, cookie);
    expect(after.body).toContain("Released: the checkout was cancelled");
    expect(after.body).toContain("admin_release");
    expect(after.body).not.toContain("Release this lock");

    // Releasing again answers with a notice, not a second release.
    const again = await call("POST", `/admin/locks/${checkoutId}/release`, { headers: { ...FORM, cookie }, raw: form({ csrf }) });
    expect(again.headers.get("location")).toBe(`/admin/locks/${checkoutId}?notice=checkout_not_active`);
  });

  it("shows diagnostics for the system and for one lock", async () => {
    const cookie = await signIn();
    const { checkoutId } = await lockedCheckout();
    const all = await page("/admin/diagnostics", cookie);
    expect(all.status).toBe(200);
    expect(all.body).toContain('data-check="reserved_matches_reservations"');
    const one = await page(`/admin/diagnostics?lock_id=${checkoutId}`, cookie);
    expect(one.body).toContain("Locked since");
    const unknown = await page("/admin/diagnostics?lock_id=chk_nope", cookie);
    expect(unknown.status).toBe(404);
  });

  it("rejects tampered, expired and pre-rotation sessions, and signs out", async () => {
    const cookie = await signIn();
    const [name, value] = cookie.split("=") as [string, string];
    const parts = value.split(".");
    const extended = `${name}=${[parts[0], String(Number(parts[1]) + 3_600_000), parts[2], parts[3]].join(".")}`;
    expect((await page("/admin", extended)).status).toBe(303);

    const expired = await issueSession(env.ADMIN_TOKEN!, Date.now() - 9 * 3_600_000);
    expect((await page("/admin", `${SESSION_COOKIE}=${expired.value}`)).status).toBe(303);

    // Rotating ADMIN_TOKEN logs everyone out: the session key derives from it.
    const rotated = await createApp().fetch(new Request("https://checkout.test/admin", { headers: { cookie }, redirect: "manual" }), { ...env, ADMIN_TOKEN: "rotated-token" } as Env, createExecutionContext());
    expect(rotated.status).toBe(303);
    expect((await page("/admin", cookie)).status).toBe(200);

    const dashboard = await page("/admin", cookie);
    const out = await call("POST", "/admin/sign-out", { headers: { ...FORM, cookie }, raw: form({ csrf: csrfOf(dashboard.body) }) });
    expect(out.status).toBe(303);
    expect(out.headers.get("set-cookie")).toMatch(new RegExp(`^${SESSION_COOKIE}=;.*Max-Age=0`));
  });

  it("stays closed (503) with no admin credential configured, and leaves /admin/api to the JSON API", async () => {
    const disabledEnv = { ...env, ADMIN_TOKEN: undefined } as Env;
    for (const [method, path] of [
      ["GET", "/admin"],
      ["GET", "/admin/sign-in"],
      ["POST", "/admin/sign-in"],
    ]) {
      const res = await createApp().fetch(
        new Request(`https://checkout.test${path}`, { method, headers: FORM, body: method === "POST" ? form({ token: "anything" }) : undefined, redirect: "manual" }),
        disabledEnv,
        createExecutionContext(),
      );
      expect(res.status, `${method} ${path}`).toBe(503);
    }
    const api = await call("GET", "/admin/api/no-such-thing");
    expect(api.status).toBe(401);
    expect(api.body.error.code).toBe("unauthorized");
  });
});
