/**
 * The admin console's session cookie and CSRF tokens.
 *
 * A session is `v1.<expires ms>.<nonce>.<mac>`, the MAC an HMAC-SHA256 under a key
 * derived from ADMIN_TOKEN: it cannot be forged or extended, it expires by itself, and
 * rotating the token logs everyone out. The cookie is HttpOnly, SameSite=Strict and
 * Secure over https. A CSRF token is a hash of the caller's secret credential (the
 * session cookie, or the Cloudflare Access JWT): a page of another site can neither
 * read nor compute it.
 */
import { hmacSha256, sha256Hex, timingSafeEqual, toBase64Url, randomBytes } from "../lib/crypto";

export const SESSION_COOKIE = "checkout_admin_session";
export const SESSION_TTL_MS = 8 * 60 * 60 * 1000;
const SESSION_KEY_LABEL = "edge-checkout/admin-console-session/v1";

async function sessionKey(adminToken: string): Promise<Uint8Array> {
  return hmacSha256(adminToken, SESSION_KEY_LABEL);
}

async function mac(adminToken: string, payload: string): Promise<string> {
  return toBase64Url(await hmacSha256(await sessionKey(adminToken), payload));
}

export async function issueSession(adminToken: string, now: number = Date.now()): Promise<{ value: string; expiresAt: number }> {
  const expiresAt = now + SESSION_TTL_MS;
  const payload = `v1.${expiresAt}.${toBase64Url(randomBytes(16))}`;
  return { value: `${payload}.${await mac(adminToken, payload)}`, expiresAt };
}

/** True for an intact, unexpired session issued under this ADMIN_TOKEN. */
export async function verifySession(adminToken: string | undefined, value: string | undefined, now: number = Date.now()): Promise<boolean> {
  if (!adminToken || !value || value.length > 200) return false;
  const parts = value.split(".");
  if (parts.length !== 4 || parts[0] !== "v1") return false;
  const expiresAt = Number(parts[1]);
  if (!Number.isSafeInteger(expiresAt) || expiresAt <= now || expiresAt > now + SESSION_TTL_MS) return false;
  const payload = parts.slice(0, 3).join(".");
  return timingSafeEqual(parts[3]!, await mac(adminToken, payload));
}

export async function csrfToken(credential: string): Promise<string> {
  return sha256Hex(`edge-checkout/csrf/v1\n${credential}`);
}

export async function isCsrfToken(credential: string, candidate: unknown): Promise<boolean> {
  return typeof candidate === "string" && timingSafeEqual(candidate, await csrfToken(credential));
}
