/**
 * CartObject: the Durable Object that is one cart — its lines, its checkout saga, its
 * deadline alarm and its idempotency keys. It is the single writer of its cart, so two
 * requests for one cart never interleave their decisions: every decision is taken and
 * written to (synchronous) storage before the object awaits anything outside.
 *
 * Its RPC surface is the public methods below, one per operation, each answering a typed
 * result or a refusal (cart-rpc.ts); every one goes through `#entry`. Everything else is
 * private: the saga reaches the object's state through a host built from closures
 * (cart-store.ts).
 */
import { DurableObject } from "cloudflare:workers";
import { isInFlight } from "../checkout/state-machine";
import { checkoutJson } from "../contract/checkout";
import { checkoutStatus } from "../contract/checkout-status";
import { createDb, isoNow } from "../db/client";
import { getConfig, type Config } from "../lib/config";
import { sha256Hex, timingSafeEqual } from "../lib/crypto";
import { AppError } from "../lib/errors";
import { createLogger } from "../lib/logger";
import { withRequestId } from "../lib/request-id";
import { createGateway } from "../payments";
import { nextAlarmAt } from "./cart-alarm";
import { applyEdit, assertEditable, normalizeCode } from "./cart-edits";
import { cartCatalog, liveCart } from "./live-cart";
import type {
  Answer,
  CartAnswer,
  CartCall,
  CartCreated,
  CartEdit,
  CheckoutAnswer,
  CompleteAnswer,
  CompleteCheckoutInput,
  CreateCartInput,
  Refusal,
  StartCheckoutInput,
  StatusAnswer,
} from "./cart-rpc";
import { refusing } from "./cart-rpc";
import { CartStore } from "./cart-store";
import { isActive } from "./cart-view";
import { IdempotencyKeys, type RequestKey } from "./idempotency-keys";
import { CheckoutSaga, type PaymentEvent, type PaymentEventResult } from "./saga/checkout-saga";
import { attachProbe, Probe } from "./saga/probe";
import { checkoutInProgress } from "./saga/refusals";

/** What `#entry` does around an operation, besides turning its refusals into answers. */
interface EntryRules {
  /** A shopper's call: the cart token must match, and the object logs under the request's id. */
  call?: CartCall;
  /** Stored and replayed under the request's Idempotency-Key. */
  idempotency?: RequestKey;
  /** Saga work: one at a time, after settling what was left unfinished; "exclusive" answers 409 while a step runs. */
  saga?: "queued" | "exclusive";
  /** Counted against the per-cart checkout limit. */
  rateLimited?: boolean;
  /** A completion: its key stays bound to the checkout it ran against. */
  bindsKey?: boolean;
}

export class CartObject extends DurableObject<Env> {
  readonly #config: Config;
  readonly #store: CartStore;
  readonly #saga: CheckoutSaga;
  readonly #keys: IdempotencyKeys;
  /** An in-flight checkout found at load time: its request died with the last instance. */
  #interrupted: boolean;
  /** Serialises the saga (start, complete, cancel, alarm, recovery) within this instance. */
  #exclusive: Promise<unknown> = Promise.resolve();
  /** Saga steps running now (0 or 1): an in-flight state with none running was left unfinished. */
  #running = 0;
  /** The token this instance last found matching the cart's hash: the shopper's next calls skip the digest. */
  #verifiedToken: string | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#config = getConfig(env);
    const db = createDb(env.DB);
    this.#store = new CartStore(ctx.storage.kv, {
      db,
      gateway: createGateway(env, this.#config, db),
      log: createLogger(this.#config.logging, { component: "cart" }),
    });
    this.#keys = new IdempotencyKeys(ctx.storage.kv, crypto.randomUUID());
    const probe = this.#config.faultInjection ? new Probe(this.#store.probed(() => this.alarm())) : null;
    if (probe) attachProbe(this, probe);
    this.#saga = new CheckoutSaga(this.#store.sagaHost(this.#config, env.QUOTE_SIGNING_SECRET ?? "", probe, () => this.#scheduleAlarm()));
    // Nothing runs yet, so an in-flight state (a rollback included) is work a dead instance left.
    this.#interrupted = isActive(this.#store.checkout) && isInFlight(this.#store.checkout.state);
    if (this.#interrupted) {
      // Resume from the alarm right away; the alarm retries by itself if recovery fails.
      ctx.blockConcurrencyWhile(() => ctx.storage.setAlarm(Date.now()));
    }
  }

  // ------------------------------------------------------------------ the cart

  async create(input: CreateCartInput): Promise<CartCreated> {
    return this.#entry({ idempotency: input.idempotency }, async () => {
      if (this.#store.cart) throw new AppError("cart_exists", "This cart already exists.");
      const now = isoNow();
      this.#store.saveCart({
        id: input.cartId,
        tokenHash: input.tokenHash,
        currency: input.currency,
        currencyExponent: input.currencyExponent,
        country: input.country,
        email: input.email,
        version: 1,
        lines: [],
        discountCodes: [],
        completed: false,
        orderId: null,
        createdAt: now,
        updatedAt: now,
      });
      return { status: 201, body: { cart: await liveCart(this.#store, this.#config) } };
    });
  }

  async getCart(call: CartCall): Promise<CartAnswer> {
    return this.#entry({ call }, async () => ({ status: 200, body: { cart: await liveCart(this.#store, this.#config) } }));
  }

  async addLine(call: CartCall, line: { variantId: string; quantity: number }): Promise<CartAnswer> {
    return this.#edit(call, { type: "add_line", ...line });
  }

  async updateLine(call: CartCall, line: { lineId: string; quantity: number }): Promise<CartAnswer> {
    return this.#edit(call, { type: "update_line", ...line });
  }

  async removeLine(call: CartCall, lineId: string): Promise<CartAnswer> {
    return this.#edit(call, { type: "remove_line", lineId });
  }

  async clearLines(call: CartCall): Promise<CartAnswer> {
    return this.#edit(call, { type: "clear" });
  }

  async applyDiscount(call: CartCall, code: string): Promise<CartAnswer> {
    return this.#edit(call, { type: "apply_discount", code });
  }

  async removeDiscount(call: CartCall, code: string): Promise<CartAnswer> {
    return this.#edit(call, { type: "remove_discount", code });
  }

  async updateCart(call: CartCall, change: { email?: string | null; country?: string | null }): Promise<CartAnswer> {
    return this.#edit(call, { type: "update", ...change });
  }

  /** For `GET /v1/orders/{id}`: does this token own this cart? null when there is no cart. */
  async owns(token: string): Promise<boolean | null> {
    if (!this.#store.cart) return null;
    return timingSafeEqual(await sha256Hex(token), this.#store.cart.tokenHash);
  }

  // -------------------------------------------------------------- the checkout

  async startCheckout(call: CartCall, input: StartCheckoutInput): Promise<CheckoutAnswer<201>> {
    return this.#entry({ call, idempotency: call.idempotency, saga: "exclusive", rateLimited: true }, async () => {
      const rec = await this.#saga.start(input);
      return { status: 201, body: { checkout: checkoutJson(rec, Date.now()) } };
    });
  }

  async completeCheckout(call: CartCall, input: CompleteCheckoutInput): Promise<CompleteAnswer> {
    const key = call.idempotency?.key;
    return this.#entry({ call, idempotency: call.idempotency, saga: "exclusive", rateLimited: true, bindsKey: true }, () =>
      this.#saga.complete({
        ...input,
        requestKey: key,
        boundCheckoutId: key === undefined ? undefined : this.#keys.boundCheckout(key),
        bind: key === undefined ? undefined : (checkoutId) => this.#keys.bind(key, checkoutId),
      }),
    );
  }

  async checkoutStatus(call: CartCall): Promise<StatusAnswer> {
    return this.#entry({ call }, async () => ({ status: 200, body: checkoutStatus(this.#store.cart!, this.#store.checkout, Date.now()) }));
  }

  async cancelCheckout(call: CartCall): Promise<CheckoutAnswer> {
    return this.#entry({ call, idempotency: call.idempotency, saga: "queued" }, async () => {
      const rec = await this.#saga.cancel("customer");
      return { status: 200, body: { checkout: checkoutJson(rec, Date.now()) } };
    });
  }

  /** Admin release: cancel the active checkout with a reason, releasing everything. */
  async releaseCheckout(checkoutId: string, reason: string): Promise<CheckoutAnswer> {
    return this.#entry({ saga: "queued" }, async () => {
      const rec = this.#store.checkout;
      if (!rec || rec.id !== checkoutId || !isActive(rec)) {
        throw new AppError("checkout_not_active", "This checkout is not active.", {
          checkout_id: checkoutId,
          state: rec?.id === checkoutId ? rec.state : null,
        });
      }
      const done = await this.#saga.cancel(reason);
      return { status: 200, body: { checkout: checkoutJson(done, Date.now()) } };
    });
  }

  /**
   * Stripe's webhook (routes/stripe-webhooks.ts): a payment of this cart changed. It
   * waits its turn behind a running storefront call instead of answering 409, so the
   * two settle one after the other and only one of them pays.
   */
  async paymentEvent(event: PaymentEvent): Promise<PaymentEventResult> {
    if (!this.#store.cart) return { result: "ignored", reason: "unknown_cart" };
    return this.#serialised(async () => {
      await this.#settle();
      return this.#saga.paymentEvent(event);
    });
  }

  /** Cron's safety net: expire an overdue checkout or resume an interrupted one (the object decides). */
  async sweep(): Promise<{ state: string | null; checkoutId: string | null }> {
    await this.#serialised(async () => {
      // Serialised, so no step is running: an active checkout is settled from storage.
      const rec = this.#store.checkout;
      if (isActive(rec)) await this.#saga.recover(rec);
      this.#interrupted = false;
    });
    return { state: this.#store.checkout?.state ?? null, checkoutId: this.#store.checkout?.id ?? null };
  }

  /** For health checks: proves the namespace answers. */
  async ping(): Promise<"pong"> {
    return "pong";
  }

  override async alarm(): Promise<void> {
    await this.#serialised(async () => {
      const rec = this.#store.checkout;
      if (isActive(rec)) {
        await this.#saga.recover(rec);
        this.#interrupted = false;
      }
      this.#keys.prune(this.#store.checkout);
      await this.#scheduleAlarm();
    });
  }

  // ------------------------------------------------------------------ the entry

  /**
   * Every operation's way in: the request's id on the object's log lines, the token
   * checked, the checkout limit counted, the Idempotency-Key applied, saga work
   * serialised after settling what was left unfinished, and a refusal answered as data.
   */
  async #entry<A extends Answer<unknown, number>>(rules: EntryRules, fn: () => Promise<A>): Promise<A | Refusal> {
    return withRequestId(rules.call?.requestId, async () => {
      if (rules.call) {
        const denied = await this.#authenticate(rules.call.token);
        if (denied) return denied;
      }
      if (rules.rateLimited && (await this.#overRateLimit(rules.idempotency))) {
        return new AppError("rate_limited", "Too many checkout attempts for this cart; try again in a minute.", undefined, { "Retry-After": "60" }).toOutcome();
      }
      const run = () =>
        refusing(async () => {
          if (!rules.saga) return fn();
          if (rules.saga === "exclusive") this.#assertNoStepRunning();
          return this.#serialised(async () => {
            await this.#settle();
            return fn();
          });
        });
      if (!rules.idempotency) return run();
      // Keys past retention go when the next keyed request finds them due, and with the
      // alarm once the cart has a checkout: a cart that never checks out (a drop's refused
      // shopper) gets no alarm for its keys, so creating one costs no alarm write.
      if (this.#keys.pruneDue(Date.now())) this.#keys.prune(this.#store.checkout);
      const keyExpiry = () => (this.#store.checkout ? this.#scheduleAlarm() : Promise.resolve());
      return this.#keys.run(rules.idempotency, run, rules.bindsKey ?? false, keyExpiry);
    });
  }

  async #edit(call: CartCall, op: CartEdit): Promise<CartAnswer> {
    return this.#entry({ call, idempotency: call.idempotency }, () => this.#editCart(op));
  }

  async #editCart(op: CartEdit): Promise<CartAnswer> {
    // CHECKOUT_ENABLE_CART_PROTECTION=false: an edit cancels a checkout that is only
    // waiting for payment (the quote is never changed, it is dropped); mid-payment still 423.
    const supersedes = !this.#config.cartProtection && this.#store.checkout?.state === "locked";
    if (!supersedes) assertEditable(this.#store.cart!, this.#store.checkout);
    const cart = this.#store.cart!;
    // Read what the edit needs before deciding; the decision itself is synchronous.
    const newVariant = op.type === "add_line" ? op.variantId : null;
    const newCode = op.type === "apply_discount" ? normalizeCode(op.code) : null;
    const snapshot = await cartCatalog(this.#store.deps.db, this.#config, cart, {
      variant: newVariant,
      code: newCode,
      country: op.type === "update" ? (op.country ?? null) : null,
    });
    if (supersedes) {
      // Bad input (an unknown variant, a bad code) is refused before the checkout is cancelled.
      applyEdit(this.#store.cart!, op, snapshot, this.#config.baseCurrency);
      await this.#serialised(async () => {
        if (this.#store.checkout?.state === "locked") await this.#saga.cancel("cart_modified");
      });
    }
    assertEditable(this.#store.cart!, this.#store.checkout);
    const current = this.#store.cart!;
    const next = applyEdit(current, op, snapshot, this.#config.baseCurrency);
    if (next !== current) this.#store.saveCart({ ...next, version: current.version + 1, updatedAt: isoNow() });
    return { status: 200, body: { cart: await liveCart(this.#store, this.#config, snapshot) } };
  }

  // ------------------------------------------------------ state, locking, alarm

  /** One alarm per cart, computed from stored deadlines (never from memory alone). */
  async #scheduleAlarm(): Promise<void> {
    const at = nextAlarmAt(this.#store.checkout, this.#interrupted, this.#keys.nextExpiry(), Date.now());
    if (at === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(at);
  }

  async #authenticate(token: string): Promise<Refusal | null> {
    if (!this.#store.cart) return new AppError("not_found", "Cart not found.").toOutcome();
    // A cart's token hash never changes, so a token once found matching it still does.
    if (this.#verifiedToken !== null && timingSafeEqual(token, this.#verifiedToken)) return null;
    if (!timingSafeEqual(await sha256Hex(token), this.#store.cart.tokenHash)) {
      return new AppError("forbidden", "This token is not for this cart.").toOutcome();
    }
    this.#verifiedToken = token;
    return null;
  }

  /** Runs saga work one at a time; the lock state is still checked synchronously outside. */
  #serialised<T>(fn: () => Promise<T>): Promise<T> {
    const step = async () => {
      this.#running++;
      try {
        return await fn();
      } finally {
        this.#running--;
      }
    };
    const run = this.#exclusive.then(step, step);
    this.#exclusive = run.catch(() => undefined);
    return run;
  }

  /**
   * A second checkout (or payment) while a saga step of this cart is running answers 409
   * at once, even while that step awaits D1 or the gateway, instead of queueing behind it.
   */
  #assertNoStepRunning(): void {
    const rec = this.#store.checkout;
    if (this.#running > 0 && isActive(rec) && isInFlight(rec.state)) throw checkoutInProgress(rec);
  }

  /**
   * Before a saga step: finish what was left unfinished — a step of a dead instance, a
   * step waiting for its retry, or a deadline that passed before its alarm ran — so the
   * step starts from a settled checkout (terminal or `locked`).
   */
  async #settle(): Promise<void> {
    const rec = this.#store.checkout;
    if (isActive(rec)) {
      const unfinished = this.#interrupted || (isInFlight(rec.state) && rec.retry.nextAt !== null);
      if (unfinished || Date.parse(rec.expiresAt) <= Date.now()) await this.#saga.recover(rec);
    }
    this.#interrupted = false;
  }

  /**
   * The per-cart checkout limit (CHECKOUT_RATE_LIMITER), counted here rather than in the
   * Worker so that only the cart's token holder spends it, and a retry that will be
   * answered from its Idempotency-Key record (a replay, 409 in progress, 422 reused) is
   * never refused: a storefront retrying after a lost answer gets the answer.
   */
  async #overRateLimit(idem: RequestKey | undefined): Promise<boolean> {
    if (this.#config.rateLimitPerMinute === 0) return false;
    if (idem && this.#keys.answerFromRecord(idem)) return false;
    const { success } = await this.env.CHECKOUT_RATE_LIMITER.limit({ key: this.#store.cart!.id });
    return !success;
  }
}
