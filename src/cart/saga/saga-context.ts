/**
 * What every phase of the saga works with: the cart object's host (its state, D1, the
 * gateway) and the few moves all phases share — a state transition, a log line, a
 * scheduled retry, the test probe's checkpoints.
 */
import { nextState, PHASE_OF_STATE, type CheckoutEvent, type CheckoutPhase, type RollbackTarget } from "../../checkout/state-machine";
import { isoNow, type Database } from "../../db/client";
import { errorText } from "../../lib/error-text";
import type { Config } from "../../lib/config";
import { errorFields, type Logger } from "../../lib/logger";
import type { PaymentGateway } from "../../payments/gateway";
import type { AppError } from "../../lib/errors";
import type { ActionRequired } from "../cart-rpc";
import type { CartState, CheckoutFailure, CheckoutRecord } from "../cart-state";
import { checkoutJson } from "../../contract/checkout";
import type { PausePoint, Probe } from "./probe";

/** What the saga needs of its cart object; the object builds it from its own private state. */
export interface SagaHost {
  readonly config: Config;
  readonly db: Database;
  readonly gateway: PaymentGateway;
  readonly log: Logger;
  readonly quoteSecret: string;
  /** Faults and pause points (CHECKOUT_FAULT_INJECTION=enabled); null in production. */
  readonly probe: Probe | null;
  cart(): CartState;
  saveCart(cart: CartState): void;
  checkout(): CheckoutRecord | null;
  saveCheckout(rec: CheckoutRecord): void;
  scheduleAlarm(): Promise<void>;
}

/**
 * How a step that writes to D1 or the gateway ended: done, or left for the alarm to
 * retry (the retry is already scheduled and recorded). Never an exception.
 */
export type StepResult = "done" | "retrying";

/**
 * How a phase of a completion ends the request instead of going on: with an answer (the
 * shopper must act), or with a refusal once its compensation ran — every reached phase
 * undone, or only the payment voided and the checkout reopened. (A refusal that needs no
 * compensation is simply thrown.)
 */
export type Stop =
  | { stop: "answer"; outcome: ActionRequired }
  | { stop: "roll_back"; target: RollbackTarget; failure: CheckoutFailure; error: AppError }
  | { stop: "reset_payment"; error: AppError };

export function isStop(value: unknown): value is Stop {
  return typeof value === "object" && value !== null && "stop" in value;
}

const RETRY_BASE_MS = 1_000;
const RETRY_MAX_MS = 60_000;

export class SagaContext {
  constructor(readonly host: SagaHost) {}

  get db(): Database {
    return this.host.db;
  }

  get config(): Config {
    return this.host.config;
  }

  get log(): Logger {
    return this.host.log;
  }

  transition(rec: CheckoutRecord, event: CheckoutEvent, target?: RollbackTarget): void {
    const next = nextState(rec.state, event, target);
    if (!next) throw new Error(`Illegal checkout transition: ${rec.state} --${event}-->`);
    rec.state = next;
    if (next in PHASE_OF_STATE) rec.phase = PHASE_OF_STATE[next as keyof typeof PHASE_OF_STATE];
    this.host.saveCheckout(rec);
    this.logPhase(rec, `checkout.${event}`);
  }

  /** The alarm tries the step again, with exponential backoff; the error is kept on the record. */
  async retryLater(rec: CheckoutRecord, error: unknown): Promise<"retrying"> {
    const attempts = rec.retry.attempts + 1;
    const delay = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (attempts - 1));
    rec.retry = { attempts, nextAt: isoNow(Date.now() + delay), lastError: errorText(error) };
    this.host.saveCheckout(rec);
    this.log.error("checkout.step_retry_scheduled", this.fields(rec, { attempts, delay_ms: delay, ...errorFields(error) }));
    await this.host.scheduleAlarm();
    return "retrying";
  }

  /** The step is done: no retry pending any more. */
  clearRetry(rec: CheckoutRecord): void {
    rec.retry = { attempts: 0, nextAt: null, lastError: null };
  }

  /** The probe's checkpoint (a fault, then a pause) before a side effect; nothing in production. */
  async checkpoint(point: PausePoint | CheckoutPhase): Promise<void> {
    await this.host.probe?.at(point);
  }

  eventData(rec: CheckoutRecord) {
    return { checkout: checkoutJson(rec, Date.now()) };
  }

  fields(rec: CheckoutRecord, extra: Record<string, unknown> = {}) {
    return {
      checkout_id: rec.id,
      cart_id: rec.cartId,
      phase: rec.phase,
      state: rec.state,
      duration_ms: Date.now() - Date.parse(rec.createdAt),
      ...extra,
    };
  }

  logPhase(rec: CheckoutRecord, event: string): void {
    this.log.info(event, this.fields(rec));
  }
}
