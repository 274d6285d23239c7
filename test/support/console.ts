/** The console as a browser sees it: form posts, a signed-in session cookie, redirects seen (not followed), a page's forms. */
import { exports, env } from "cloudflare:workers";
import { expect } from "vitest";

export async function consoleCall(method: string, path: string, options: { headers?: Record<string, string>; raw?: string } = {}) {
  const response = await exports.default.fetch(
    new Request(`https://checkout.test${path}`, { method, headers: options.headers, body: options.raw, redirect: "manual" }),
  );
  return { status: response.status, body: await response.text(), headers: response.headers };
}

export const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
export const FORM = { "content-type": "application/x-www-form-urlencoded", "sec-fetch-site": "same-origin" };

let addresses = 0;

/** A session cookie (each sign-in from its own address, so none meets the sign-in limit). */
export async function consoleSignIn(): Promise<string> {
  const res = await consoleCall("POST", "/admin/sign-in", {
    headers: { ...FORM, "cf-connecting-ip": `203.0.113.${++addresses}` },
    raw: form({ token: env.ADMIN_TOKEN!, next: "/admin" }),
  });
  expect(res.status).toBe(303);
  return res.headers.get("set-cookie")!.split(";")[0]!;
}

export const csrfOf = (html: string) => /name="csrf" value="([0-9a-f]{64})"/.exec(html)![1]!;

export const unescapeHtml = (html: string) =>
  html.replace(/&(quot|#39|lt|gt|amp);/g, (_, e: string) => ({ quot: '"', "#39": "'", lt: "<", gt: ">", amp: "&" })[e]!);

/** The hidden fields of the form posting to `action` on the page. */
export function hiddenFields(html: string, action: string): Record<string, string> {
  const start = html.indexOf(`action="${action}"`);
  expect(start, `a form posting to ${action}`).toBeGreaterThan(-1);
  const formHtml = html.slice(start, html.indexOf("</form>", start));
  const fields: Record<string, string> = {};
  for (const m of formHtml.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) fields[unescapeHtml(m[1]!)] = unescapeHtml(m[2]!);
  return fields;
}

/** Text of the page without tags (for reading what an admin reads). */
export const pageText = (html: string) => unescapeHtml(html.replace(/<[^>]+>/g, " ").replace(/\s+/g, " "));
