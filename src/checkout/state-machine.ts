/**
 * The checkout state machine: its states, its seven phases, and the transition table.
 * Pure: the cart object consults it before every state change, so an illegal move
 * (anything out of a terminal state) is a bug caught at the source.
 */

// The names themselves sit below every layer, so the error catalogue can name them too.
import { PHASES, STATES, type CheckoutPhase, type CheckoutState } from "../vocabulary/checkout-states";

export { PHASES, STATES, type CheckoutPhase, type CheckoutState };

export const TERMINAL_STATES = ["completed", "failed", "cancelled", "expired"] as const satisfies readonly CheckoutState[];
export type TerminalState = (typeof TERMINAL_STATES)[number];
export type RollbackTarget = Exclude<TerminalState, "completed">;

export function isTerminal(state: CheckoutState): state is TerminalState {
  return (TERMINAL_STATES as readonly string[]).includes(state);
}

/** Payment has been captured: the saga may only go forward (docs/architecture.md, the pivot). */
export function isPastPivot(state: CheckoutState): boolean {
  return state === "committing" || state === "completed";
}

/** States in which a request is doing work; found in storage after a restart they mean "interrupted". */
export function isInFlight(state: CheckoutState): boolean {
  return !isTerminal(state) && state !== "locked";
}

export const PHASE_OF_STATE: Record<Exclude<CheckoutState, "rolling_back" | RollbackTarget>, CheckoutPhase> = {
  validating: "cart_validation",
  reserving: "inventory_reservation",
  locked: "price_lock",
  authorizing: "payment_authorization",
  creating_order: "order_creation",
  capturing: "payment_capture",
  committing: "stock_commit",
  completed: "stock_commit",
};

export type CheckoutEvent =
  | "validated"
  /** Stock reserved and price locked: one batch, so one step. */
  | "price_locked"
  | "pay"
  | "declined"
  | "authorized"
  | "order_created"
  | "captured"
  | "committed"
  | "fail"
  | "cancel"
  | "expire"
  | "rolled_back"
  /** The request paying for it died: the payment was voided and the checkout is open again. */
  | "payment_reset"
  /** The gateway waits for the customer (3-D Secure): the checkout waits, locked, to be resumed. */
  | "action_required";

const TRANSITIONS: Partial<Record<CheckoutState, Partial<Record<CheckoutEvent, CheckoutState>>>> = {
  validating: { validated: "reserving", fail: "rolling_back", cancel: "rolling_back", expire: "rolling_back" },
  reserving: { price_locked: "locked", fail: "rolling_back", cancel: "rolling_back", expire: "rolling_back" },
  locked: { pay: "authorizing", fail: "rolling_back", cancel: "rolling_back", expire: "rolling_back" },
  authorizing: {
    authorized: "creating_order",
    declined: "locked",
    payment_reset: "locked",
    action_required: "locked",
    fail: "rolling_back",
    cancel: "rolling_back",
    expire: "rolling_back",
  },
  creating_order: { order_created: "capturing", payment_reset: "locked", fail: "rolling_back", cancel: "rolling_back", expire: "rolling_back" },
  capturing: { captured: "committing", payment_reset: "locked", fail: "rolling_back", cancel: "rolling_back", expire: "rolling_back" },
  // Past the pivot only forward: no fail, cancel or expire.
  committing: { committed: "completed" },
  rolling_back: { rolled_back: "failed" },
};

/** The next state, or null when the event is not allowed in `state`. */
export function nextState(state: CheckoutState, event: CheckoutEvent, target?: RollbackTarget): CheckoutState | null {
  const next = TRANSITIONS[state]?.[event] ?? null;
  // rolled_back ends in the terminal state the rollback was started for.
  if (state === "rolling_back" && event === "rolled_back") return target ?? "failed";
  return next;
}

export const ALL_EVENTS: readonly CheckoutEvent[] = [
  "validated",
  "price_locked",
  "pay",
  "declined",
  "authorized",
  "order_created",
  "captured",
  "committed",
  "fail",
  "cancel",
  "expire",
  "rolled_back",
  "payment_reset",
  "action_required",
];

/** Human names for the status helpers (from the original design's CheckoutHelper). */
export const STATE_NAMES: Record<CheckoutState, string> = {
  validating: "Validating cart",
  reserving: "Reserving stock",
  locked: "Awaiting payment",
  authorizing: "Authorizing payment",
  creating_order: "Creating order",
  capturing: "Capturing payment",
  committing: "Committing stock",
  completed: "Completed",
  rolling_back: "Rolling back",
  failed: "Failed",
  cancelled: "Cancelled",
  expired: "Expired",
};
