/**
 * Properties of recovery planning: whatever state a restarted cart object finds and
 * whatever the clock says, the plan never rolls back past the pivot, never leaves an
 * interrupted step hanging, never decides a lost capture blind, and never keeps an
 * overdue checkout's stock.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { planRecovery, type RecoveryPlan } from "../../src/checkout/recovery-plan";
import { isInFlight, isPastPivot, isTerminal, nextState, STATES, type CheckoutState } from "../../src/checkout/state-machine";

const RUNS = 1_000;
const BASE = Date.parse("2026-12-01T12:00:00.000Z");
const state = fc.constantFrom(...STATES);
const statesWhere = (keep: (s: CheckoutState) => boolean) => fc.constantFrom(...STATES.filter(keep));
/** Deadlines from an hour ago to an hour ahead, and the exact boundary. */
const offset = fc.oneof(fc.integer({ min: -3_600_000, max: 3_600_000 }), fc.constant(0));
const checkout = (s: CheckoutState, offsetMs: number) => ({ state: s, expiresAt: new Date(BASE + offsetMs).toISOString() });

/** The states the plan's first step leads to, as the state machine allows them. */
function firstTransition(s: CheckoutState, plan: RecoveryPlan): CheckoutState | null {
  switch (plan.kind) {
    case "rollback":
      return nextState(s, plan.target === "cancelled" ? "cancel" : plan.target === "expired" ? "expire" : "fail");
    case "reset_payment":
      return nextState(s, "payment_reset");
    case "commit":
      return nextState(s, "committed");
    case "finish_rollback":
      return nextState(s, "rolled_back", "failed");
    case "resolve_capture":
    case "none":
      return s;
  }
}

describe("recovery planning", () => {
  it("plans only moves the state machine allows", () => {
    fc.assert(
      fc.property(state, offset, (s, off) => {
        expect(firstTransition(s, planRecovery(checkout(s, off), BASE))).not.toBeNull();
      }),
      { numRuns: RUNS },
    );
  });

  it("never rolls back or resets a checkout past the pivot", () => {
    fc.assert(
      fc.property(statesWhere(isPastPivot), offset, (s, off) => {
        const plan = planRecovery(checkout(s, off), BASE);
        expect(["commit", "none"]).toContain(plan.kind);
        if (s === "committing") expect(plan.kind).toBe("commit");
      }),
      { numRuns: RUNS },
    );
  });

  it("always acts on a step a dead instance left in flight", () => {
    fc.assert(
      fc.property(statesWhere(isInFlight), offset, (s, off) => {
        expect(planRecovery(checkout(s, off), BASE).kind).not.toBe("none");
      }),
      { numRuns: RUNS },
    );
  });

  it("does nothing to a terminal checkout, at any time", () => {
    fc.assert(
      fc.property(statesWhere(isTerminal), offset, (s, off) => {
        expect(planRecovery(checkout(s, off), BASE)).toEqual({ kind: "none" });
      }),
      { numRuns: RUNS },
    );
  });

  it("never keeps an overdue checkout before the pivot open: it expires, or resolves its capture first", () => {
    const beforePivot = statesWhere((s) => !isTerminal(s) && !isPastPivot(s) && s !== "rolling_back");
    fc.assert(
      fc.property(beforePivot, fc.integer({ min: -3_600_000, max: 0 }), (s, off) => {
        const plan = planRecovery(checkout(s, off), BASE);
        if (s === "capturing") expect(plan).toEqual({ kind: "resolve_capture", otherwise: { kind: "rollback", target: "expired" } });
        else expect(plan).toMatchObject({ kind: "rollback", target: "expired" });
      }),
      { numRuns: RUNS },
    );
  });

  it("leaves a locked checkout with time left alone, and reopens an interrupted payment with time left", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3_600_000 }), (off) => {
        expect(planRecovery(checkout("locked", off), BASE)).toEqual({ kind: "none" });
        expect(planRecovery(checkout("authorizing", off), BASE)).toEqual({ kind: "reset_payment" });
        expect(planRecovery(checkout("creating_order", off), BASE)).toEqual({ kind: "reset_payment" });
        expect(planRecovery(checkout("capturing", off), BASE)).toEqual({ kind: "resolve_capture", otherwise: { kind: "reset_payment" } });
        for (const s of ["validating", "reserving"] as const) {
          expect(planRecovery(checkout(s, off), BASE)).toEqual({ kind: "rollback", target: "failed", reason: "interrupted" });
        }
      }),
      { numRuns: 200 },
    );
  });

  it("finishes a rollback already started, whatever the clock", () => {
    fc.assert(
      fc.property(offset, (off) => {
        expect(planRecovery(checkout("rolling_back", off), BASE)).toEqual({ kind: "finish_rollback" });
      }),
      { numRuns: 200 },
    );
  });
});
