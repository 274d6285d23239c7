/**
 * What to do with a checkout found unfinished in storage (after a restart, or when its
 * alarm fires): a pure decision from the stored record and the clock, so every branch
 * can be checked exhaustively without a runtime. The saga carries the plan out.
 *
 * The rules: before the pivot an interrupted step is undone (the checkout rolls back,
 * or, for an interrupted payment with time left, the payment is reset and the checkout
 * opens again as after a decline); a capture whose answer was lost is first resolved
 * with the gateway, because neither side of the pivot may be chosen blind; past the
 * pivot the saga only goes forward; a rollback already started is finished.
 */
import type { CheckoutState, RollbackTarget } from "./state-machine";

/** The part of a stored checkout the decision reads. */
export interface RecoverableCheckout {
  state: CheckoutState;
  expiresAt: string;
}

/** What happens once a lost capture's outcome is known and it was not captured. */
export type AfterVoid = { kind: "rollback"; target: "expired" } | { kind: "reset_payment" };

export type RecoveryPlan =
  /** Nothing to do now (terminal, or locked and waiting for the shopper). */
  | { kind: "none" }
  /** Undo every reached phase and end in `target`; `interrupted` when a step died mid-way. */
  | { kind: "rollback"; target: RollbackTarget; reason: "interrupted" | "expired" }
  /** Void the interrupted payment, cancel its order, reopen the checkout (stock and quote still held). */
  | { kind: "reset_payment" }
  /** Ask the gateway whether the capture happened: captured → commit; unknown → ask again later; else `otherwise`. */
  | { kind: "resolve_capture"; otherwise: AfterVoid }
  /** Past the pivot: commit the stock (retried until done). */
  | { kind: "commit" }
  /** A rollback already started: finish it. */
  | { kind: "finish_rollback" };

export function isOverdue(rec: RecoverableCheckout, nowMs: number): boolean {
  return Date.parse(rec.expiresAt) <= nowMs;
}

export function planRecovery(rec: RecoverableCheckout, nowMs: number): RecoveryPlan {
  const overdue = isOverdue(rec, nowMs);
  const expire = { kind: "rollback", target: "expired", reason: "expired" } as const;
  switch (rec.state) {
    case "completed":
    case "failed":
    case "cancelled":
    case "expired":
      return { kind: "none" };
    case "validating":
    case "reserving":
      return overdue ? { kind: "rollback", target: "expired", reason: "interrupted" } : { kind: "rollback", target: "failed", reason: "interrupted" };
    case "locked":
      return overdue ? expire : { kind: "none" };
    case "authorizing":
    case "creating_order":
      return overdue ? expire : { kind: "reset_payment" };
    case "capturing":
      return { kind: "resolve_capture", otherwise: overdue ? { kind: "rollback", target: "expired" } : { kind: "reset_payment" } };
    case "committing":
      return { kind: "commit" };
    case "rolling_back":
      return { kind: "finish_rollback" };
  }
}
