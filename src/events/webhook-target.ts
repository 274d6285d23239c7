/** Where events go: WEBHOOK_URL, signed with WEBHOOK_SECRET. Either missing → nowhere. */
import { webhookSigningKey } from "./webhook-signature";

export type WebhookTarget = { ok: true; url: string; key: Uint8Array } | { ok: false; reason: string };

export function webhookTarget(env: Pick<Env, "WEBHOOK_URL" | "WEBHOOK_SECRET">): WebhookTarget {
  if (!env.WEBHOOK_URL) return { ok: false, reason: "WEBHOOK_URL is not configured." };
  let url: URL;
  try {
    url = new URL(env.WEBHOOK_URL);
  } catch {
    return { ok: false, reason: "WEBHOOK_URL is not a valid URL." };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return { ok: false, reason: "WEBHOOK_URL must be an http(s) URL." };
  const key = webhookSigningKey(env.WEBHOOK_SECRET);
  // Never send unsigned events: a receiver could not tell them from forgeries.
  if (!key) return { ok: false, reason: "WEBHOOK_SECRET is missing or not a base64 'whsec_…' secret of at least 16 bytes." };
  return { ok: true, url: url.toString(), key };
}
