/**
 * The names of a checkout's seven phases and of its states: the words every layer
 * shares, from the error catalogue and the contract up to the admin. Names only; what
 * may follow what is the state machine's (src/checkout/state-machine.ts).
 */

export const PHASES = [
  "cart_validation",
  "inventory_reservation",
  "price_lock",
  "payment_authorization",
  "order_creation",
  "payment_capture",
  "stock_commit",
] as const;
export type CheckoutPhase = (typeof PHASES)[number];

export const STATES = [
  "validating",
  "reserving",
  "locked",
  "authorizing",
  "creating_order",
  "capturing",
  "committing",
  "completed",
  "rolling_back",
  "failed",
  "cancelled",
  "expired",
] as const;
export type CheckoutState = (typeof STATES)[number];
