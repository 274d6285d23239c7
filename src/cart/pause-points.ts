/**
 * Test-only pause points of the checkout saga, the companion of fault injection: the
 * cart object builds them only when CHECKOUT_FAULT_INJECTION=enabled, never in
 * production. A test arms a point on the object (through `runInDurableObject`); the next
 * saga step that reaches it waits there with its intent recorded in storage, so the test
 * can send a concurrent request to the object mid-phase, or evict it to crash the saga
 * between two awaits — deterministically, not by racing the clock.
 *
 * `<phase>` pauses before the phase's side effect; `<phase>:sent` pauses after the side
 * effect happened but before the saga recorded its result (the "did it reach D1 / the
 * gateway?" window); `rollback` pauses a rollback before its D1 batch, `rollback:sent` after it.
 */
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

/** Polling keeps a timer pending, so the runtime never sees the paused request as hung. */
const POLL_MS = 5;
/** A forgotten pause ends by itself well inside a test's timeout. */
const MAX_PAUSE_MS = 20_000;

export class PausePoints {
  readonly #armed = new Set<PausePoint>();
  readonly #waiting = new Set<PausePoint>();
  readonly #released = new Set<PausePoint>();

  /** The next step to reach `point` waits there until `release(point)`. */
  arm(point: PausePoint): void {
    this.#armed.add(point);
  }

  isWaiting(point: PausePoint): boolean {
    return this.#waiting.has(point);
  }

  release(point: PausePoint): void {
    this.#released.add(point);
  }

  async at(point: PausePoint): Promise<void> {
    if (!this.#armed.delete(point)) return;
    this.#waiting.add(point);
    const deadline = Date.now() + MAX_PAUSE_MS;
    try {
      while (!this.#released.delete(point) && Date.now() < deadline) await scheduler.wait(POLL_MS);
    } finally {
      this.#waiting.delete(point);
    }
  }
}
