/**
 * Standard Webhooks signing (https://www.standardwebhooks.com): the signature of a
 * message is `v1,` + base64(HMAC-SHA256(key, `${id}.${timestamp}.${body}`)), where the
 * key is the secret with its `whsec_` prefix stripped, base64-decoded. Receivers verify
 * it with any Standard Webhooks library or the snippet in the README.
 */
import { hmacSha256, toBase64 } from "../lib/crypto";

const SECRET_PREFIX = "whsec_";
/** Shorter keys make the HMAC guessable; the convention's generated secrets are 24+ bytes. */
const MIN_KEY_BYTES = 16;

export interface WebhookHeaders {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
}

/** The signing key of a `whsec_…` secret, or null when the secret is missing or not base64. */
export function webhookSigningKey(secret: string | undefined): Uint8Array | null {
  if (!secret) return null;
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  let binary: string;
  try {
    binary = atob(encoded);
  } catch {
    return null;
  }
  if (binary.length < MIN_KEY_BYTES) return null;
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** `v1,<base64 HMAC>` over `${id}.${timestamp}.${body}`; timestamp in whole seconds. */
export async function signWebhook(key: Uint8Array, id: string, timestampSeconds: number, body: string): Promise<string> {
  return `v1,${toBase64(await hmacSha256(key, `${id}.${timestampSeconds}.${body}`))}`;
}

/** The three headers a Standard Webhooks receiver checks. */
export async function webhookHeaders(key: Uint8Array, id: string, timestampSeconds: number, body: string): Promise<WebhookHeaders> {
  return {
    "webhook-id": id,
    "webhook-timestamp": String(timestampSeconds),
    "webhook-signature": await signWebhook(key, id, timestampSeconds, body),
  };
}
