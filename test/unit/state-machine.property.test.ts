/**
 * Properties of the checkout state machine (docs/architecture.md, The saga; docs/contract.md states):
 * nothing leaves a terminal state, every non-terminal state can still end, and past
 * the pivot (capture) the only way is forward — no cancel, expire or fail.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ALL_EVENTS,
  isInFlight,
  isPastPivot,
  isTerminal,
  nextState,
  PHASE_OF_STATE,
  STATES,
  TERMINAL_STATES,
  type CheckoutEvent,
  type CheckoutState,
  type RollbackTarget,
} from "../../src/checkout/state-machine";

const RUNS = 500;
const TARGETS: readonly RollbackTarget[] = ["failed", "cancelled", "expired"];
const state = fc.constantFrom(...STATES);
const event = fc.constantFrom(...ALL_EVENTS);
/** An event with the rollback target the saga passes along (only `rolled_back` reads it). */
const step = fc.tuple(event, fc.option(fc.constantFrom(...TARGETS), { nil: undefined }));
const steps = fc.array(step, { maxLength: 40 });

/** Every (event, target) pair the saga can send. */
type Step = [CheckoutEvent, RollbackTarget | undefined];
const ALL_STEPS: Step[] = ALL_EVENTS.flatMap((e): Step[] => (e === "rolled_back" ? TARGETS.map((t): Step => [e, t]) : [[e, undefined]]));

/** The states reachable from `from` by any sequence of legal events (breadth first). */
function reachable(from: CheckoutState): Set<CheckoutState> {
  const seen = new Set<CheckoutState>([from]);
  const queue = [from];
  while (queue.length) {
    const current = queue.shift()!;
    for (const [e, t] of ALL_STEPS) {
      const next = nextState(current, e, t);
      if (next && !seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return seen;
}

/** Applies the steps, skipping the ones the machine refuses (as the saga would throw). */
function walk(from: CheckoutState, path: Step[]): CheckoutState[] {
  const visited: CheckoutState[] = [from];
  let current = from;
  for (const [e, t] of path) {
    const next = nextState(current, e, t);
    if (next) {
      current = next;
      visited.push(current);
    }
  }
  return visited;
}

describe("checkout state machine (properties)", () => {
  it("no event, with any rollback target, leads out of a terminal state", () => {
    fc.assert(
      fc.property(fc.constantFrom(...TERMINAL_STATES), step, (terminal, [e, t]) => {
        expect(nextState(terminal, e, t)).toBeNull();
      }),
      { numRuns: RUNS },
    );
  });

  it("no sequence of events leads anywhere from a terminal state", () => {
    fc.assert(
      fc.property(fc.constantFrom(...TERMINAL_STATES), steps, (terminal, path) => {
        expect(walk(terminal, path)).toEqual([terminal]);
      }),
      { numRuns: RUNS },
    );
  });

  it("once a walk reaches a terminal state it stays there, whatever comes next", () => {
    fc.assert(
      fc.property(state, steps, (from, path) => {
        const visited = walk(from, path);
        const firstTerminal = visited.findIndex((s) => isTerminal(s));
        if (firstTerminal >= 0) expect(visited.slice(firstTerminal + 1)).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });

  it("every non-terminal state can still reach a terminal state, from anywhere a walk leads", () => {
    fc.assert(
      fc.property(state, steps, (from, path) => {
        for (const s of walk(from, path)) {
          if (isTerminal(s)) continue;
          const ends = [...reachable(s)].filter((r) => isTerminal(r));
          expect(ends.length, `${s} cannot end`).toBeGreaterThan(0);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("every state before the pivot can still be cancelled, expired or failed into a rollback", () => {
    for (const s of STATES) {
      if (isTerminal(s) || isPastPivot(s) || s === "rolling_back") continue;
      for (const e of ["cancel", "expire", "fail"] as const) expect(nextState(s, e), `${s} --${e}-->`).toBe("rolling_back");
    }
  });

  it("past the pivot no sequence of events cancels, expires or fails the checkout: it only completes", () => {
    fc.assert(
      fc.property(fc.constantFrom(...STATES.filter((s) => isPastPivot(s))), steps, (from, path) => {
        for (const s of walk(from, path)) expect(["committing", "completed"]).toContain(s);
        for (const e of ["cancel", "expire", "fail", "payment_reset", "declined"] as const) expect(nextState(from, e)).toBeNull();
      }),
      { numRuns: RUNS },
    );
    expect([...reachable("committing")].sort()).toEqual(["committing", "completed"]);
  });

  it("a rollback ends in exactly the terminal state it was started for, never in completed", () => {
    fc.assert(
      fc.property(fc.constantFrom(...TARGETS), (target) => {
        expect(nextState("rolling_back", "rolled_back", target)).toBe(target);
        expect(reachable("rolling_back").has("completed")).toBe(false);
      }),
    );
  });

  it("completed is reached only through capture and commit, never straight from an earlier state", () => {
    fc.assert(
      fc.property(state, step, (from, [e, t]) => {
        if (nextState(from, e, t) === "completed") expect([from, e]).toEqual(["committing", "committed"]);
        if (nextState(from, e, t) === "committing") expect([from, e]).toEqual(["capturing", "captured"]);
      }),
      { numRuns: RUNS },
    );
  });

  it("the happy path walks the seven phases in order", () => {
    const path: CheckoutEvent[] = ["validated", "price_locked", "pay", "authorized", "order_created", "captured", "committed"];
    const visited = walk(
      "validating",
      path.map((e) => [e, undefined]),
    );
    expect(visited).toEqual(["validating", "reserving", "locked", "authorizing", "creating_order", "capturing", "committing", "completed"]);
    expect(visited.map((s) => PHASE_OF_STATE[s as keyof typeof PHASE_OF_STATE])).toEqual([
      "cart_validation",
      "inventory_reservation",
      "price_lock",
      "payment_authorization",
      "order_creation",
      "payment_capture",
      "stock_commit",
      "stock_commit",
    ]);
  });

  it("in-flight, terminal and locked partition the states, and the pivot states are never in flight for a rollback", () => {
    for (const s of STATES) {
      const kinds = [isTerminal(s), isInFlight(s), s === "locked"].filter(Boolean);
      expect(kinds, s).toHaveLength(1);
    }
    expect(STATES.filter((s) => isPastPivot(s)).sort()).toEqual(["committing", "completed"]);
    // No event that starts a rollback is allowed once past the pivot.
    for (const s of STATES.filter((st) => isPastPivot(st))) {
      for (const event of ["fail", "cancel", "expire", "payment_reset", "declined"] as const) expect(nextState(s, event), `${s} + ${event}`).toBeNull();
    }
  });
});
