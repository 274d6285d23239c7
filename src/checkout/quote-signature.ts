/**
 * Quote signatures: HMAC-SHA256 over a canonical JSON form (keys sorted at every
 * level, no whitespace), so any change to a signed field is detectable and the
 * signature does not depend on key order. Pure apart from Web Crypto.
 */
import { hmacSha256, timingSafeEqual, toBase64Url } from "../lib/crypto";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") {
    if (typeof value === "number" && !Number.isFinite(value)) throw new Error("Non-finite number in signed data");
    if (value === undefined) return "null";
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

const SIGNATURE_VERSION = "v1";

/** Signs every field of `quote` except `signature` itself. */
export async function signQuote(secret: string, quote: Record<string, unknown>): Promise<string> {
  const { signature: _ignored, ...signed } = quote;
  const mac = await hmacSha256(secret, `quote.${SIGNATURE_VERSION}.${canonicalJson(signed)}`);
  return `${SIGNATURE_VERSION}.${toBase64Url(mac)}`;
}

export async function verifyQuote(secret: string, quote: Record<string, unknown> & { signature?: unknown }): Promise<boolean> {
  if (typeof quote.signature !== "string") return false;
  return timingSafeEqual(await signQuote(secret, quote), quote.signature);
}
