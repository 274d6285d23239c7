import { describe, expect, it } from "vitest";
import { DEFAULT_RETRY_POLICY, isRetryableStatus, parseRetryAfter, retryDelayMs } from "../../src/client/retry-policy";

const NOW = Date.parse("2026-05-01T10:00:00.000Z");

describe("client retry policy", () => {
  it("retries only transient answers: 502, 503, 429 and 409 request_in_progress", () => {
    for (const status of [502, 503, 429]) expect(isRetryableStatus(status, null)).toBe(true);
    expect(isRetryableStatus(409, "request_in_progress")).toBe(true);
    for (const [status, code] of [
      [409, "checkout_in_progress"],
      [423, "cart_locked"],
      [402, "payment_declined"],
      [500, "internal_error"],
      [400, "validation_error"],
      [410, "checkout_expired"],
    ] as const) {
      expect(isRetryableStatus(status, code)).toBe(false);
    }
  });

  it("reads Retry-After as seconds or as an HTTP date", () => {
    expect(parseRetryAfter("60", NOW)).toBe(60);
    expect(parseRetryAfter(" 0 ", NOW)).toBe(0);
    expect(parseRetryAfter(new Date(NOW + 4_500).toUTCString(), NOW)).toBe(4);
    expect(parseRetryAfter(new Date(NOW - 10_000).toUTCString(), NOW)).toBe(0);
    expect(parseRetryAfter(null, NOW)).toBeNull();
    expect(parseRetryAfter("soon", NOW)).toBeNull();
  });

  it("backs off exponentially with full jitter, capped, and stops after maxAttempts", () => {
    const policy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 300 };
    expect([1, 2, 3, 4].map((attempt) => retryDelayMs(policy, attempt, null, () => 1))).toEqual([100, 200, 300, 300]);
    expect(retryDelayMs(policy, 3, null, () => 0.5)).toBe(150);
    expect(retryDelayMs(policy, 5, null, () => 1)).toBeNull();
    expect(retryDelayMs(DEFAULT_RETRY_POLICY, DEFAULT_RETRY_POLICY.maxAttempts, null, () => 1)).toBeNull();
  });

  it("waits what Retry-After asks, unless it is longer than maxDelayMs", () => {
    const policy = { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 5_000 };
    expect(retryDelayMs(policy, 1, 2, () => 1)).toBe(2_000);
    expect(retryDelayMs(policy, 1, 0, () => 1)).toBe(0);
    expect(retryDelayMs(policy, 1, 60, () => 1)).toBeNull();
  });
});
