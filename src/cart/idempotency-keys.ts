/**
 * The cart's Idempotency-Keys (docs/contract.md idempotency), kept in the object's own
 * storage: same key and body → the stored answer; another body → 422; a repeat while the
 * first runs → 409. "Try again later" answers are not stored, so a retry runs again.
 *
 * A request still running is known to this instance only (memory, not storage): a repeat
 * while it runs gets 409, and a request that died with an instance left nothing behind,
 * so its retry runs again — every saga step is idempotent by checkout id, and a
 * completion that paid before the crash answers its order to the retry (the payment
 * attempt remembers the request's key). Storage is written once per request, with its
 * answer. A completion's key is the exception: it is bound to the checkout it runs
 * against, in storage, before anything is awaited (request-binding.ts), and stays bound.
 */
import { isTerminal } from "../checkout/state-machine";
import { isoNow } from "../db/client";
import { AppError } from "../lib/errors";
import type { Answer, Refusal } from "./cart-rpc";
import type { CheckoutRecord, IdempotencyRecord, Outcome } from "./cart-state";

const RETENTION_MS = 24 * 60 * 60 * 1000;
const PREFIX = "idem:";
/** When the next record may expire (ms): the cart's alarm includes it. */
const NEXT_EXPIRY = "idem_next_expiry";

export interface RequestKey {
  key: string;
  hash: string;
}

export class IdempotencyKeys {
  /** Requests of this instance still running, by key: what their repeat is told (409, or 422 for another body). */
  readonly #running = new Map<string, { hash: string; startedAt: string }>();

  constructor(
    private readonly kv: SyncKvStorage,
    /** Distinguishes this instance's in-flight requests from a dead instance's. */
    private readonly instance: string,
  ) {}

  /** Runs `fn` once per key; `untilCheckoutEnds`: a completion, whose key is bound to its checkout. */
  async run<A extends Answer<unknown, number>>(
    idem: RequestKey,
    fn: () => Promise<A>,
    untilCheckoutEnds: boolean,
    onNewExpiry: () => Promise<void>,
  ): Promise<A | Refusal> {
    const recorded = this.answerFromRecord(idem);
    // A stored answer is the one this same request (same route and body) gave.
    if (recorded) return recorded as A | Refusal;
    const storageKey = PREFIX + idem.key;
    const startedAt = isoNow();
    this.#running.set(idem.key, { hash: idem.hash, startedAt });
    let answer: A;
    try {
      answer = await fn();
    } catch (error) {
      // A bug (an exception, not a refusal): nothing of the request is kept, a binding included.
      if (this.record(idem.key)) this.kv.delete(storageKey);
      throw error;
    } finally {
      this.#running.delete(idem.key);
    }
    // Answers that say "try again later" (5xx, and 423, 409 and 429 with Retry-After) are
    // not stored, so the retry they ask for runs again instead of replaying them; a
    // completion's key still remembers the checkout it ran against ("bound").
    const retryLater = answer.status >= 500 || answer.headers?.["Retry-After"] !== undefined;
    const bound = untilCheckoutEnds ? this.record(idem.key)?.checkoutId : undefined;
    if (retryLater && bound === undefined) return answer;
    const expiresAt = Date.now() + RETENTION_MS;
    this.kv.put(storageKey, {
      hash: idem.hash,
      status: retryLater ? "bound" : "done",
      instance: this.instance,
      startedAt,
      outcome: retryLater ? undefined : (answer as Outcome),
      expiresAt: isoNow(expiresAt),
      checkoutId: bound,
    } satisfies IdempotencyRecord);
    const next = this.nextExpiry();
    if (!next || expiresAt < next) {
      this.kv.put(NEXT_EXPIRY, expiresAt);
      await onNewExpiry();
    }
    return answer;
  }

  /** What the key's record answers without running the request again, or null to run it. */
  answerFromRecord(idem: RequestKey): Outcome | Refusal | null {
    const running = this.#running.get(idem.key);
    const existing = running ?? this.record(idem.key);
    if (!existing) return null;
    if (existing.hash !== idem.hash) {
      return new AppError("idempotency_key_reused", "This Idempotency-Key was used with a different request.").toOutcome();
    }
    if (running) {
      return new AppError("request_in_progress", "A request with this Idempotency-Key is still running.", undefined, {
        "Retry-After": "1",
      }).toOutcome();
    }
    const stored = existing as IdempotencyRecord;
    if (stored.status === "done" && stored.outcome) {
      return { ...stored.outcome, headers: { ...stored.outcome.headers, "Idempotent-Replayed": "true" } };
    }
    // Bound to a checkout with no final answer yet, or left by an older version in
    // progress: run again (a bound key against its checkout only).
    return null;
  }

  /** The checkout a completion's key already ran against. */
  boundCheckout(key: string): string | undefined {
    return this.record(key)?.checkoutId;
  }

  /** Binds a running completion's key to the checkout it runs against (synchronous, before any await). */
  bind(key: string, checkoutId: string): void {
    const record = this.record(key);
    if (record?.checkoutId !== undefined) return;
    const running = this.#running.get(key);
    if (!record && !running) return;
    const base = record ?? { hash: running!.hash, status: "bound" as const, instance: this.instance, startedAt: running!.startedAt };
    this.kv.put(PREFIX + key, { ...base, checkoutId } satisfies IdempotencyRecord);
  }

  nextExpiry(): number | undefined {
    return this.kv.get<number>(NEXT_EXPIRY);
  }

  /** Has a stored key passed retention (prune it)? */
  pruneDue(now: number): boolean {
    const next = this.nextExpiry();
    return next !== undefined && next <= now;
  }

  /** Drops records past retention (completion keys: their checkout's end plus retention). */
  prune(latest: CheckoutRecord | null): void {
    const now = Date.now();
    let next: number | null = null;
    for (const [key, record] of this.kv.list<IdempotencyRecord>({ prefix: PREFIX })) {
      const stored = record.expiresAt ? Date.parse(record.expiresAt) : Date.parse(record.startedAt) + RETENTION_MS;
      const ended = checkoutEnd(record.checkoutId, latest);
      // Still open: look again when its own retention would have ended.
      if (ended === null) {
        next = Math.min(next ?? Infinity, Math.max(stored, now + 60_000));
        continue;
      }
      const expires = Math.max(stored, ended + RETENTION_MS);
      if (expires <= now) this.kv.delete(key);
      else next = Math.min(next ?? Infinity, Math.max(expires, now + 60_000));
    }
    if (next === null) this.kv.delete(NEXT_EXPIRY);
    else this.kv.put(NEXT_EXPIRY, next);
  }

  private record(key: string): IdempotencyRecord | undefined {
    return this.kv.get<IdempotencyRecord>(PREFIX + key);
  }
}

/**
 * When the checkout a completion key is bound to ended (ms), 0 for keys of no checkout,
 * null while it is still open. Only the latest checkout is kept: an earlier one ended
 * before the latest was created, so that creation time bounds its end from above.
 */
function checkoutEnd(checkoutId: string | undefined, latest: CheckoutRecord | null): number | null {
  if (checkoutId === undefined || latest === null) return 0;
  if (checkoutId !== latest.id) return Date.parse(latest.createdAt);
  if (!isTerminal(latest.state)) return null;
  return Date.parse(latest.endedAt ?? latest.createdAt);
}
