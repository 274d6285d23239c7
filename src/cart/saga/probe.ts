/**
 * The saga's one test hook: injected faults and pause points. The cart object builds a
 * probe only when CHECKOUT_FAULT_INJECTION=enabled (a test binding, never set in
 * production); without it every call below is skipped by optional chaining. Tests arm it
 * from inside the object (`probeOf`, through `runInDurableObject`): nothing of it travels
 * through a request, a route or a saga signature.
 *
 * A fault armed for a phase fires once, at the next saga step that reaches that phase.
 * A pause point armed makes the next step reaching it wait, with its intent recorded in
 * storage, until released: a test can send a concurrent request mid-phase, or evict the
 * object to crash the saga between two awaits, deterministically.
 *
 * `<phase>` pauses before the phase's side effect; `<phase>:sent` after the side effect
 * happened but before the saga recorded its result (the "did it reach D1 / the gateway?"
 * window); `rollback` pauses a rollback before its D1 batch, `rollback:sent` after it.
 */
import { sql } from "drizzle-orm";
import type { CheckoutPhase } from "../../checkout/state-machine";
import type { Database } from "../../db/client";
import type { Logger } from "../../lib/logger";
import type { PaymentGateway } from "../../payments/gateway";
import type { CartState, CheckoutRecord } from "../cart-state";

export const PAUSE_POINTS = [
  "cart_validation",
  "inventory_reservation",
  "inventory_reservation:sent",
  "payment_authorization",
  "payment_authorization:sent",
  "order_creation",
  "order_creation:sent",
  "payment_capture",
  "payment_capture:sent",
  "stock_commit",
  "stock_commit:sent",
  "rollback",
  "rollback:sent",
] as const;
export type PausePoint = (typeof PAUSE_POINTS)[number];

/** A fault injected by a test into one phase. */
export class InjectedFault extends Error {
  constructor(readonly phase: CheckoutPhase) {
    super(`Injected fault in ${phase}`);
  }
}

/**
 * The cart object as a test may read and change it: its state (memory and storage as
 * one), its alarm, and the dependencies the saga reads on every use (a test swaps one
 * to simulate an outage).
 */
export interface ProbedCart {
  cart(): CartState;
  saveCart(cart: CartState): void;
  checkout(): CheckoutRecord | null;
  saveCheckout(rec: CheckoutRecord): void;
  alarm(): Promise<void>;
  db: Database;
  gateway: PaymentGateway;
  log: Logger;
}

/** Polling keeps a timer pending, so the runtime never sees the paused request as hung. */
const POLL_MS = 5;

/**
 * The probes with a pause armed or waiting, across cart objects. A pause never ends by
 * itself (a test that forgot one would otherwise pass on a timer): the suite takes them
 * all after each test (`takePauses`), lets them go, and fails the test that left one.
 */
const pausing = new Set<Probe>();

export class Probe {
  readonly #faults = new Set<CheckoutPhase>();
  readonly #armed = new Set<PausePoint>();
  readonly #waiting = new Set<PausePoint>();
  readonly #released = new Set<PausePoint>();
  /** The phase whose fault was sent inside a D1 batch, until the saga reads the batch's error. */
  #batchFault: CheckoutPhase | null = null;

  constructor(readonly object: ProbedCart) {}

  /** The next saga step to reach `phase` fails there (once). */
  armFault(phase: CheckoutPhase): void {
    this.#faults.add(phase);
  }

  /** The next saga step to reach `point` waits there until `release(point)`. */
  arm(point: PausePoint): void {
    this.#armed.add(point);
    pausing.add(this);
  }

  isWaiting(point: PausePoint): boolean {
    return this.#waiting.has(point);
  }

  /** Lets a waiting step go on, or disarms the point when no step reached it yet. */
  release(point: PausePoint): void {
    if (this.#waiting.has(point)) this.#released.add(point);
    this.#armed.delete(point);
  }

  /** The points armed or waiting, all disarmed; the waiting ones let go unless `release` is false. */
  takeAll(release: boolean): { armed: PausePoint[]; waiting: PausePoint[] } {
    const armed = [...this.#armed];
    const waiting = [...this.#waiting];
    this.#armed.clear();
    if (release) for (const point of waiting) this.#released.add(point);
    return { armed, waiting };
  }

  /** Before a phase's side effect: an armed fault of the phase throws, then an armed pause waits. */
  async at(point: PausePoint | CheckoutPhase): Promise<void> {
    if (this.#faults.delete(point as CheckoutPhase)) throw new InjectedFault(point as CheckoutPhase);
    if (!this.#armed.delete(point as PausePoint)) return;
    this.#waiting.add(point as PausePoint);
    try {
      while (!this.#released.delete(point as PausePoint)) await scheduler.wait(POLL_MS);
    } finally {
      this.#waiting.delete(point as PausePoint);
    }
  }

  /**
   * With a fault armed for `phase`, a statement that fails inside D1 (malformed JSON), for
   * a batch to carry: it proves the whole batch rolls back as one. Otherwise none.
   */
  failingStatements(db: Database, phase: CheckoutPhase) {
    if (!this.#faults.delete(phase)) return [];
    this.#batchFault = phase;
    return [db.run(sql`SELECT json(${`injected fault in ${phase}`})`)];
  }

  /** The fault a failed batch carried (see `failingStatements`), once. */
  takeBatchFault(): InjectedFault | null {
    const phase = this.#batchFault;
    this.#batchFault = null;
    return phase ? new InjectedFault(phase) : null;
  }
}

/**
 * Every pause armed or waiting in any cart object, disarmed and (unless `release` is
 * false: their objects were aborted) let go. Empty once each test released its own.
 */
export function takePauses(release = true): Array<{ point: PausePoint; waiting: boolean }> {
  const taken = [...pausing].flatMap((probe) => {
    const { armed, waiting } = probe.takeAll(release);
    return [...armed.map((point) => ({ point, waiting: false })), ...waiting.map((point) => ({ point, waiting: true }))];
  });
  pausing.clear();
  return taken;
}

const probes = new WeakMap<object, Probe>();

/** Kept beside its cart object, not on it: the object's surface has no test member. */
export function attachProbe(owner: object, probe: Probe): void {
  probes.set(owner, probe);
}

/** The probe of a cart object (only with CHECKOUT_FAULT_INJECTION=enabled). */
export function probeOf(owner: object): Probe {
  const probe = probes.get(owner);
  if (!probe) throw new Error("This cart object has no probe: fault injection is not enabled.");
  return probe;
}
