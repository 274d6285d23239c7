/**
 * When and how long the client waits before trying a request again. Pure: the clock and
 * the random source come in, so the schedule is testable.
 */

export interface RetryPolicy {
  /** Attempts in all, the first included (1 turns retries off). */
  maxAttempts: number;
  /** The first backoff; each retry doubles it (with full jitter). */
  baseDelayMs: number;
  /**
   * The longest the client waits before one retry. A `Retry-After` longer than this is
   * not waited out: the error is thrown with `retryAfterSeconds`, so the page can say so
   * (a rate-limited checkout asks for 60 s, too long to hang a click on).
   */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 250, maxDelayMs: 8_000 };

/**
 * Statuses worth another attempt with the same Idempotency-Key: a gateway or dependency
 * failure (502, 503), rate limiting (429), and 409 `request_in_progress` (the first
 * attempt still runs on the server, typically after a lost response).
 */
export function isRetryableStatus(status: number, code: string | null): boolean {
  return status === 502 || status === 503 || status === 429 || (status === 409 && code === "request_in_progress");
}

/** `Retry-After` as seconds (delta-seconds or an HTTP date), or null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (value === null || value.trim() === "") return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000));
}

/**
 * How long to wait before attempt `attempt + 1` (attempt counts from 1), or null for
 * "do not retry". The server's `Retry-After` wins over the backoff when it is given.
 */
export function retryDelayMs(policy: RetryPolicy, attempt: number, retryAfterSeconds: number | null, random: () => number): number | null {
  if (attempt >= policy.maxAttempts) return null;
  if (retryAfterSeconds !== null) {
    const wanted = retryAfterSeconds * 1000;
    return wanted > policy.maxDelayMs ? null : wanted;
  }
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  // Full jitter: many shoppers retrying after one outage do not come back in step.
  return Math.round(random() * ceiling);
}
