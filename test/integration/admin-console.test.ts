import { createExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/app";
import { issueSession, SESSION_COOKIE } from "../../src/admin/console-session";
import { toBase64 } from "../../src/lib/crypto";
import { cartWith, createVariant, startCheckout, stockOf } from "../support/api";
import { deadEvent, outboxRow, recordingQueue, startedCheckoutEvent } from "../support/events";
import { insideOneRateLimitWindow } from "../support/rate-limit-window";
import { workerFetch } from "../support/worker-fetch";

/** Like the support client's call(), but redirects are seen, not followed (a browser's view of a 303). */
async function call(method: string, path: string, options: { headers?: Record<string, string>; raw?: string } = {}) {
  const response = await exports.default.fetch(
    new Request(`https://checkout.test${path}`, { method, headers: options.headers, body: options.raw, redirect: "manual" }),
  );
  const text = await response.text();
  let body: any = text;
  if (response.headers.get("content-type")?.includes("application/json")) body = JSON.parse(text);
  return { status: response.status, body, headers: response.headers };
}

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = { "content-type": "application/x-www-form-urlencoded", "sec-fetch-site": "same-origin" };

/** Each sign-in from its own address, so only the limiter's own test meets the sign-in limit. */
let addresses = 0;
const fromNewAddress = () => ({ "cf-connecting-ip": `198.51.100.${++addresses}` });

async function signIn(): Promise<string> {
  const res = await call("POST", "/admin/sign-in", { headers: { ...FORM, ...fromNewAddress() }, raw: form({ token: env.ADMIN_TOKEN!, next: "/admin" }) });
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

/** A console request whose EVENTS queue the test watches (the real one would deliver on its own). */
function withQueue(queue: ReturnType<typeof recordingQueue>, method: string, path: string, options: { headers?: Record<string, string>; raw?: string } = {}) {
  return workerFetch(method, path, { headers: options.headers, raw: options.raw, env: { ...env, EVENTS: queue.queue } });
}

const unescapeHtml = (html: string) => html.replace(/&(quot|#39|lt|gt|amp);/g, (_, e: string) => ({ quot: '"', "#39": "'", lt: "<", gt: ">", amp: "&" })[e]!);

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

  it("limits sign-in attempts per address: past 10 a minute even the right token gets 429 and no session", async () => {
    await insideOneRateLimitWindow(15_000);
    const guesser = { ...FORM, "cf-connecting-ip": "203.0.113.7" };
    for (let i = 0; i < 10; i++) {
      const guess = await call("POST", "/admin/sign-in", { headers: guesser, raw: form({ token: `guess-${i}` }) });
      expect(guess.status, `guess ${i + 1}`).toBe(401);
    }
    const limited = await call("POST", "/admin/sign-in", { headers: guesser, raw: form({ token: env.ADMIN_TOKEN! }) });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("60");
    expect(limited.body).toContain("Too many sign-in attempts from this address");
    expect(limited.headers.get("set-cookie")).toBeNull();

    // Another address signs in as usual.
    const other = await call("POST", "/admin/sign-in", { headers: { ...FORM, "cf-connecting-ip": "203.0.113.8" }, raw: form({ token: env.ADMIN_TOKEN! }) });
    expect(other.status).toBe(303);
    expect(other.headers.get("set-cookie")).toMatch(new RegExp(`^${SESSION_COOKIE}=`));
  }, 90_000);

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
    expect(lock.body).toContain("$84.00"); // the quote total, formatted with the catalog's exponent
    // In the admin's language (Accept-Language), on the lock page and in the list.
    const german = { cookie, "accept-language": "de-DE,de;q=0.9,en;q=0.5" };
    expect((await call("GET", `/admin/locks/${checkoutId}`, { headers: german })).body).toMatch(/84,00[\u00a0 ]\$/);
    expect((await call("GET", "/admin/locks?state=locked", { headers: german })).body).toMatch(/84,00[\u00a0 ]\$/);
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

    // Only the console's own notices are shown: a crafted name (an Object member) is ignored.
    for (const notice of ["toString", "constructor", "__proto__"]) {
      const crafted = await page(`/admin/locks/${checkoutId}?notice=${notice}`, cookie);
      expect(crafted.status).toBe(200);
      expect(crafted.body).not.toContain('class="notice');
    }
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

  it("lists webhook events with status filters, and shows one with its payload and delivery attempts", async () => {
    const cookie = await signIn();
    const { eventId: dead, checkoutId } = await deadEvent();
    const { eventId: pending } = await startedCheckoutEvent();

    const dashboard = await page("/admin", cookie);
    expect(dashboard.body).toContain('href="/admin/events"');

    const all = await page("/admin/events", cookie);
    expect(all.status).toBe(200);
    expect(all.body).toContain(`data-event-id="${pending}"`);
    expect(all.body).toMatch(new RegExp(`<tr data-event-id="${dead}" class="fail">`)); // a dead row stands out
    expect(all.body).toContain(`href="/admin/events/${dead}"`);

    const deadOnly = await page("/admin/events?status=dead&type=checkout.started", cookie);
    expect(deadOnly.status).toBe(200);
    expect(deadOnly.body).toContain(`data-event-id="${dead}"`);
    expect(deadOnly.body).not.toContain(`data-event-id="${pending}"`);
    expect(deadOnly.body).toContain('<option value="dead" selected="">dead</option>');
    const pendingOnly = await page("/admin/events?status=pending", cookie);
    expect(pendingOnly.body).toContain(`data-event-id="${pending}"`);
    expect(pendingOnly.body).not.toContain(`data-event-id="${dead}"`);
    const otherType = await page("/admin/events?type=order.created", cookie);
    expect(otherType.body).not.toContain(`data-event-id="${dead}"`);

    // A bad filter or cursor is a clear message on the unfiltered form, never a 500.
    for (const [query, message] of [
      ["status=lost", "Unknown filter: status."],
      ["type=checkout.bogus", "Unknown filter: type."],
      ["cursor=not-a-cursor", "The cursor is not valid."],
    ]) {
      const bad = await page(`/admin/events?${query}`, cookie);
      expect(bad.status, query).toBe(400);
      expect(bad.body, query).toContain(message);
      expect(bad.body, query).not.toContain("data-event-id=");
    }

    const detail = await page(`/admin/events/${dead}`, cookie);
    expect(detail.status).toBe(200);
    const payload = JSON.parse(unescapeHtml(/<pre class="card">([\s\S]*?)<\/pre>/.exec(detail.body)![1]!));
    expect(payload).toMatchObject({ id: dead, type: "checkout.started", data: { checkout: { id: checkoutId } } });
    const attempt = /<tr data-attempt="1">([\s\S]*?)<\/tr>/.exec(detail.body)![1]!;
    expect(attempt).toContain("500");
    expect(attempt).toContain("HTTP 500: nope");
    expect(detail.body).toContain("receivers deduplicate by it");
    expect(detail.body).toContain(`action="/admin/events/${dead}/redeliver"`);

    // An event still on its way has no Redeliver button; an unknown one is not found.
    const onItsWay = await page(`/admin/events/${pending}`, cookie);
    expect(onItsWay.status).toBe(200);
    expect(onItsWay.body).toContain("No delivery attempted yet.");
    expect(onItsWay.body).not.toContain("/redeliver");
    const unknown = await page("/admin/events/evt_checkout_started_chk_nope", cookie);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toContain("No event has this id.");
  });

  it("redelivers a dead event with a CSRF-protected form and says how it went", async () => {
    const cookie = await signIn();
    const { eventId } = await deadEvent();
    const csrf = csrfOf((await page(`/admin/events/${eventId}`, cookie)).body);
    const path = `/admin/events/${eventId}/redeliver`;

    // No token, a wrong token, or a cross-site post: refused, nothing sent or changed.
    const before = await outboxRow(eventId);
    const watched = recordingQueue();
    for (const [headers, fields] of [
      [FORM, {}],
      [FORM, { csrf: "0".repeat(64) }],
      [{ ...FORM, "sec-fetch-site": "cross-site" }, { csrf }],
    ] as const) {
      const refused = await withQueue(watched, "POST", path, { headers: { ...headers, cookie }, raw: form(fields) });
      expect(refused.status).toBe(403);
      expect(refused.body).toContain("Not sent again");
    }
    expect(watched.sent).toEqual([]);
    expect(await outboxRow(eventId)).toEqual(before);

    const queue = recordingQueue();
    const sent = await withQueue(queue, "POST", path, { headers: { ...FORM, cookie }, raw: form({ csrf }) });
    expect(sent.status).toBe(303);
    expect(sent.headers.get("location")).toBe(`/admin/events/${eventId}?notice=enqueued`);
    expect(queue.sent).toEqual([eventId]);
    expect((await outboxRow(eventId))!.status).toBe("enqueued");

    const after = await page(`/admin/events/${eventId}?notice=enqueued`, cookie);
    expect(after.body).toContain("Sent again: enqueued.");
    expect(after.body).toContain(">enqueued</span>");
    expect(after.body).not.toContain(`action="${path}"`);

    // Again while it is on its way: refused with a notice, nothing sent.
    const again = await withQueue(queue, "POST", path, { headers: { ...FORM, cookie }, raw: form({ csrf }) });
    expect(again.headers.get("location")).toBe(`/admin/events/${eventId}?notice=event_in_flight`);
    expect(queue.sent).toEqual([eventId]);
    expect((await page(`/admin/events/${eventId}?notice=event_in_flight`, cookie)).body).toContain("already on its way");

    // The queue refuses another: it is left pending for the relay, and the page says so.
    const { eventId: other } = await deadEvent();
    const quiet = vi.spyOn(console, "error").mockImplementation(() => {});
    const down = await withQueue(recordingQueue({ fail: true }), "POST", `/admin/events/${other}/redeliver`, {
      headers: { ...FORM, cookie },
      raw: form({ csrf }),
    });
    quiet.mockRestore();
    expect(down.headers.get("location")).toBe(`/admin/events/${other}?notice=unavailable`);
    expect((await outboxRow(other))!.status).toBe("pending");
    expect((await page(`/admin/events/${other}?notice=unavailable`, cookie)).body).toContain("the next cleanup run sends it");

    const unknown = await withQueue(queue, "POST", "/admin/events/evt_checkout_started_chk_nope/redeliver", {
      headers: { ...FORM, cookie },
      raw: form({ csrf }),
    });
    expect(unknown.status).toBe(404);
  });

  it("sends visitors without a session from the events pages to sign-in, and refuses their redelivery", async () => {
    const { eventId } = await deadEvent();
    const list = await call("GET", "/admin/events?status=dead");
    expect(list.status).toBe(303);
    expect(list.headers.get("location")).toBe("/admin/sign-in?next=%2Fadmin%2Fevents%3Fstatus%3Ddead");
    const one = await call("GET", `/admin/events/${eventId}`);
    expect(one.status).toBe(303);
    expect(one.headers.get("location")).toBe(`/admin/sign-in?next=${encodeURIComponent(`/admin/events/${eventId}`)}`);
    const queue = recordingQueue();
    const post = await withQueue(queue, "POST", `/admin/events/${eventId}/redeliver`, { headers: FORM, raw: form({ csrf: "0".repeat(64) }) });
    expect(post.status).toBe(401);
    expect(queue.sent).toEqual([]);
    expect((await outboxRow(eventId))!.status).toBe("dead");
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
    const rotated = await createApp().fetch(
      new Request("https://checkout.test/admin", { headers: { cookie }, redirect: "manual" }),
      { ...env, ADMIN_TOKEN: "rotated-token" } as Env,
      createExecutionContext(),
    );
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
        new Request(`https://checkout.test${path}`, {
          method,
          headers: FORM,
          body: method === "POST" ? form({ token: "anything" }) : undefined,
          redirect: "manual",
        }),
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
