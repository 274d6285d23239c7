import { describe, expect, it } from "vitest";
import { canResume, formatRemaining, isCartLocked, remainingMs, stateName, type CheckoutStatus } from "../../src/client";
import { STATES } from "../../src/checkout/state-machine";

const NOW = Date.parse("2026-05-01T10:00:00.000Z");
const at = (ms: number) => new Date(NOW + ms).toISOString();
const status = (over: Partial<CheckoutStatus> = {}): CheckoutStatus => ({
  locked: true,
  can_checkout: false,
  lock_id: "chk_1",
  state: "locked",
  phase: "price_lock",
  expires_at: at(150_000),
  can_resume: true,
  order_id: null,
  ...over,
});

describe("client status helpers", () => {
  it("formatRemaining counts down to expires_at, rounding up so it never shows 0s early", () => {
    expect(formatRemaining(status(), NOW)).toBe("2m 30s");
    expect(formatRemaining(status({ expires_at: at(14 * 60_000 + 5_000) }), NOW)).toBe("14m 05s");
    expect(formatRemaining(status({ expires_at: at(45_000) }), NOW)).toBe("45s");
    expect(formatRemaining(status({ expires_at: at(200) }), NOW)).toBe("1s");
    expect(formatRemaining(status({ expires_at: at(62 * 60_000) }), NOW)).toBe("1h 02m");
    expect(formatRemaining(status({ expires_at: at(-5_000) }), NOW)).toBe("0s");
    expect(formatRemaining(status({ expires_at: null }), NOW)).toBe("");
    expect(formatRemaining(null, NOW)).toBe("");
    expect(remainingMs(status(), NOW)).toBe(150_000);
    expect(remainingMs(status({ expires_at: at(-1) }), NOW)).toBe(0);
  });

  it("isCartLocked and canResume read the status; a passed deadline is not resumable", () => {
    expect(isCartLocked(status())).toBe(true);
    expect(isCartLocked(status({ locked: false, can_checkout: true }))).toBe(false);
    expect(isCartLocked(null)).toBe(false);
    expect(canResume(status(), NOW)).toBe(true);
    expect(canResume(status({ can_resume: false }), NOW)).toBe(false);
    expect(canResume(status({ expires_at: at(-1) }), NOW)).toBe(false);
    expect(canResume(undefined, NOW)).toBe(false);
  });

  it("stateName names every state for a shopper", () => {
    expect(stateName(status({ state: "reserving" }))).toBe("Reserving stock");
    expect(stateName(status({ state: "locked" }))).toBe("Awaiting payment");
    expect(stateName(status({ state: null }))).toBe("No checkout");
    expect(stateName(null)).toBe("No checkout");
    for (const state of STATES) expect(stateName({ state })).toMatch(/^[A-Z][a-z ]+$/);
  });
});
