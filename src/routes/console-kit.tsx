/**
 * What every console page route shares: rendering a page, the signed-in admin (a session
 * cookie or Cloudflare Access), the form checks (same origin and CSRF token), list pages'
 * filter errors and the notices a redirect may name.
 */
import type { Context, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { JSX } from "hono/jsx/jsx-runtime";
import type { z } from "zod";
import { adminEnabled } from "../admin/admin-auth";
import { ACCESS_JWT_HEADER, accessConfig, remoteAccessKeys, verifyAccessJwt } from "../admin/cloudflare-access";
import { ErrorPage } from "../admin/console/sign-in-page";
import { csrfToken, isCsrfToken, SESSION_COOKIE, verifySession } from "../admin/console-session";
import { AppError } from "../lib/errors";
import type { AppEnv } from "./carts";
import { localeFromAcceptLanguage } from "../client/money-format";

/** The signed-in admin: the secret credential their CSRF token is bound to, and a name to show. */
export interface ConsoleAdmin {
  credential: string;
  csrf: string;
  who: string | null;
}
export type ConsoleEnv = AppEnv & { Variables: { admin: ConsoleAdmin } };
export type ConsoleContext = Context<ConsoleEnv>;

export async function render(c: ConsoleContext, page: JSX.Element, status: ContentfulStatusCode = 200): Promise<Response> {
  return c.html(`<!doctype html>${await page}`, status);
}

/** The admin behind this request: a valid session cookie, or a valid Cloudflare Access JWT. */
export async function consoleAdmin(c: ConsoleContext): Promise<ConsoleAdmin | null> {
  const session = getCookie(c, SESSION_COOKIE);
  if (session && (await verifySession(c.env.ADMIN_TOKEN, session))) return { credential: session, csrf: await csrfToken(session), who: "admin token" };
  const access = accessConfig(c.env);
  const assertion = c.req.header(ACCESS_JWT_HEADER);
  if (access && assertion) {
    const verdict = await verifyAccessJwt(assertion, access, remoteAccessKeys(access));
    if (verdict.ok) return { credential: assertion, csrf: await csrfToken(assertion), who: verdict.identity.email ?? verdict.identity.sub };
  }
  return null;
}

/**
 * A form POST must come from a page of this origin. Browsers send Sec-Fetch-Site; older
 * ones send Origin. (The CSRF token is the actual proof; this is a second lock.)
 */
export function fromThisOrigin(c: ConsoleContext): boolean {
  const site = c.req.header("sec-fetch-site");
  if (site !== undefined) return site === "same-origin";
  // "null" is what a browser sends under Referrer-Policy no-referrer: it says nothing either way.
  const origin = c.req.header("origin");
  return origin === undefined || origin === "null" || origin === new URL(c.req.url).origin;
}

/** A console form POST: from this origin and carrying the signed-in admin's CSRF token. */
export async function isConsoleForm(c: ConsoleContext): Promise<boolean> {
  const form = await c.req.parseBody();
  return fromThisOrigin(c) && (await isCsrfToken(c.get("admin").credential, form.csrf));
}

export const disabledPage = (c: ConsoleContext) =>
  render(c, <ErrorPage title="Admin is disabled" message="No ADMIN_TOKEN (or Cloudflare Access) is configured, so the console stays closed." />, 503);

export const requireConsoleAdmin: MiddlewareHandler<ConsoleEnv> = async (c, next) => {
  if (!adminEnabled(c.env)) return disabledPage(c);
  const admin = await consoleAdmin(c);
  if (!admin) {
    if (c.req.method === "GET" || c.req.method === "HEAD") {
      const url = new URL(c.req.url);
      return c.redirect(`/admin/sign-in?next=${encodeURIComponent(url.pathname + url.search)}`, 303);
    }
    return render(c, <ErrorPage title="Signed out" message="Your session ended. Sign in again." />, 401);
  }
  c.set("admin", admin);
  await next();
};

export type ListPage<T> = { data: T[]; next_cursor: string | null };

/**
 * A list page's rows, or why not: an unknown filter value or a cursor we did not make
 * (the list's 400) shows an empty list with that message, answered 400.
 */
export async function listOrError<T>(invalid: z.ZodError | undefined, load: () => Promise<ListPage<T>>): Promise<{ page: ListPage<T>; error: string | null }> {
  const empty = { data: [], next_cursor: null };
  if (invalid) return { page: empty, error: `Unknown filter: ${invalid.issues.map((i) => i.path.join(".")).join(", ")}.` };
  try {
    return { page: await load(), error: null };
  } catch (e) {
    if (!(e instanceof AppError) || e.status !== 400) throw e;
    return { page: empty, error: e.message };
  }
}

/** The page's own notice named by `?notice=`, or null: a crafted name (an Object member) is never one. */
export function noticeOf(c: Context<ConsoleEnv>, notices: Record<string, unknown>): string | null {
  const notice = c.req.query("notice");
  return notice && Object.hasOwn(notices, notice) ? notice : null;
}

/** The admin's locale for amounts, from the browser's Accept-Language. */
export const consoleLocale = (c: ConsoleContext) => localeFromAcceptLanguage(c.req.header("accept-language"));
