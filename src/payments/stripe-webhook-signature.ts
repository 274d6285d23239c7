/**
 * Stripe's webhook signature. The `Stripe-Signature` header reads
 * `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" keyed with the endpoint's
 * whsec_ secret>`, with several `v1` entries while a secret is being rolled. A request
 * is genuine when one `v1` matches (compared in constant time) and `t` is recent, which
 * stops replays of old, captured requests.
 */
import { hmacSha256, timingSafeEqual, toHex } from "../lib/crypto";

/** Stripe's own libraries default to five minutes. */
export const STRIPE_SIGNATURE_TOLERANCE_SECONDS = 300;

export type SignatureRejection = "missing_header" | "malformed_header" | "timestamp_outside_tolerance" | "no_matching_signature";

export type SignatureVerdict = { ok: true; timestamp: number } | { ok: false; reason: SignatureRejection; message: string };

export interface SignatureCheck {
  header: string | null | undefined;
  /** The body exactly as received: parsing and re-serialising would change the bytes. */
  payload: string;
  secret: string;
  nowMs: number;
  toleranceSeconds?: number;
}

export async function verifyStripeSignature(check: SignatureCheck): Promise<SignatureVerdict> {
  if (!check.header) return reject("missing_header", "The Stripe-Signature header is missing.");
  let timestamp: number | null = null;
  const signatures: string[] = [];
  for (const part of check.header.split(",")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === "t" && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === "v1" && value) signatures.push(value.toLowerCase());
  }
  if (timestamp === null || signatures.length === 0) {
    return reject("malformed_header", "The Stripe-Signature header needs a timestamp (t=) and a v1 signature.");
  }
  const tolerance = check.toleranceSeconds ?? STRIPE_SIGNATURE_TOLERANCE_SECONDS;
  if (Math.abs(check.nowMs / 1000 - timestamp) > tolerance) {
    return reject("timestamp_outside_tolerance", `The signature timestamp is more than ${tolerance} seconds away from now.`);
  }
  const expected = await stripeSignature(check.secret, check.payload, timestamp);
  // Compare against every entry (no early exit), so timing says nothing about which matched.
  let matched = false;
  for (const signature of signatures) matched = timingSafeEqual(signature, expected) || matched;
  if (!matched) return reject("no_matching_signature", "No signature matches this body and the webhook secret.");
  return { ok: true, timestamp };
}

/** The hex v1 signature of a payload at a timestamp (also how tests and tools sign events). */
export async function stripeSignature(secret: string, payload: string, timestampSeconds: number): Promise<string> {
  return toHex(await hmacSha256(secret, `${timestampSeconds}.${payload}`));
}

/** A complete `Stripe-Signature` header value. */
export async function stripeSignatureHeader(secret: string, payload: string, timestampSeconds: number): Promise<string> {
  return `t=${timestampSeconds},v1=${await stripeSignature(secret, payload, timestampSeconds)}`;
}

function reject(reason: SignatureRejection, message: string): SignatureVerdict {
  return { ok: false, reason, message };
}
