/**
 * CartObject: the Durable Object that is one cart — its lines, its checkout saga, its
 * deadline alarm and its idempotency keys. It is the single writer of its cart, so two
 * requests for one cart never interleave their decisions: every decision is taken and
 * written to (synchronous) storage before the object awaits anything outside.
 */
import { DurableObject } from "cloudflare:workers";
import type { CatalogSnapshot } from "../db/catalog";
import { loadCachedCatalog } from "../db/catalog-cache";
import { createDb, isoNow, type Database } from "../db/client";
import { isInFlight, isTerminal } from "../checkout/state-machine";
import { getConfig, type Config } from "../lib/config";
import { timingSafeEqual, sha256Hex } from "../lib/crypto";
import { AppError } from "../lib/errors";
import { newId } from "../lib/ids";
import { createLogger, errorFields, type Logger } from "../lib/logger";
import { withRequestId } from "../lib/request-id";
import { createGateway } from "../payments";
import type { PaymentGateway } from "../payments/gateway";
import { MAX_DISCOUNT_CODES, MAX_LINES, MAX_QUANTITY, type CartOp, type CartRequest, type CreateCartInput } from "./cart-commands";
import type { CartState, CheckoutRecord, IdempotencyRecord, Outcome } from "./cart-state";
import { cartJson } from "../contract/cart";
import { checkoutJson } from "../contract/checkout";
import { checkoutStatus } from "../contract/checkout-status";
import { isActive, pricedOrNull, pricingContext } from "./cart-view";
import { CheckoutSaga, type PaymentEvent, type PaymentEventResult } from "./saga/checkout-saga";
import { attachProbe, Probe } from "./saga/probe";
import { cartCompleted, checkoutInProgress } from "./saga/refusals";
import type { SagaHost } from "./saga/saga-context";

type CartEdit = Exclude<CartOp, { type: "get" | "checkout_status" | "checkout_start" | "checkout_complete" | "checkout_cancel" }>;

const IDEMPOTENCY_RETENTION_MS = 24 * 60 * 60 * 1000;
const IDEMPOTENCY_PREFIX = "idem:";
/**
 * A step in flight (reserving, authorizing, capturing…) keeps an alarm this close: if the
 * instance dies under it and nobody comes back, the next instance resumes or rolls it
 * back within this time — an authorization is voided and stock freed in seconds, not at
 * the deadline. An alarm that finds the step still running waits for it (serialised).
 */
const IN_FLIGHT_RECHECK_MS = 30_000;

export class CartObject extends DurableObject<Env> implements SagaHost {
  readonly config: Config;
  readonly db: Database;
  readonly gateway: PaymentGateway;
  readonly log: Logger;
  readonly quoteSecret: string;
  /** Test-only (CHECKOUT_FAULT_INJECTION=enabled): the saga's faults and pause points. */
  readonly probe: Probe | null;
  readonly #saga: CheckoutSaga;
  /** Distinguishes this instance's in-flight idempotent requests from a dead instance's. */
  readonly #instance = crypto.randomUUID();
  #cart: CartState | null;
  #checkout: CheckoutRecord | null;
  /** An in-flight checkout found at load time: its request died with the last instance. */
  #interrupted: boolean;
  /** Serialises the saga (start, complete, cancel, alarm, recovery) within this instance. */
  #exclusive: Promise<unknown> = Promise.resolve();
  /** Saga steps running now (0 or 1): an in-flight state with none running was left unfinished. */
  #running = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.config = getConfig(env);
    this.db = createDb(env.DB);
    this.gateway = createGateway(env, this.config, this.db);
    this.log = createLogger(this.config.logging, { component: "cart" });
    this.quoteSecret = env.QUOTE_SIGNING_SECRET ?? "";
    this.probe = this.config.faultInjection ? new Probe({ cart: () => this.#cart, saveCart: (c) => this.saveCart(c), checkout: () => this.#checkout, saveCheckout: (r) => this.saveCheckout(r) }) : null;
    if (this.probe) attachProbe(this, this.probe);
    this.#saga = new CheckoutSaga(this);
    // The SQLite-backed key-value API is synchronous: the state is loaded before any event.
    this.#cart = ctx.storage.kv.get<CartState>("cart") ?? null;
    this.#checkout = ctx.storage.kv.get<CheckoutRecord>("checkout") ?? null;
    // Nothing runs yet, so an in-flight state (a rollback included) is work a dead instance left.
    this.#interrupted = isActive(this.#checkout) && isInFlight(this.#checkout.state);
    if (this.#interrupted) {
      // Resume from the alarm right away; the alarm retries by itself if recovery fails.
      ctx.blockConcurrencyWhile(() => ctx.storage.setAlarm(Date.now()));
    }
  }

  // ------------------------------------------------------------------ SagaHost

  cart(): CartState {
    return this.#cart!;
  }

  saveCart(cart: CartState): void {
    this.#cart = cart;
    this.ctx.storage.kv.put("cart", cart);
  }

  checkout(): CheckoutRecord | null {
    return this.#checkout;
  }

  saveCheckout(rec: CheckoutRecord): void {
    this.#checkout = rec;
    this.ctx.storage.kv.put("checkout", rec);
  }

  /** One alarm per cart, computed from stored deadlines (never from memory alone). */
  async scheduleAlarm(): Promise<void> {
    const times: number[] = [];
    const rec = this.#checkout;
    if (isActive(rec)) {
      times.push(Date.parse(rec.expiresAt));
      // Only unfinished work is retried: a stale retry time on a settled checkout would re-fire forever.
      if (rec.retry.nextAt && isInFlight(rec.state)) times.push(Date.parse(rec.retry.nextAt));
      if (isInFlight(rec.state)) times.push(this.#interrupted ? Date.now() : Date.now() + IN_FLIGHT_RECHECK_MS);
    }
    const idemExpiry = this.ctx.storage.kv.get<number>("idem_next_expiry");
    if (idemExpiry) times.push(idemExpiry);
    if (times.length === 0) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(Math.min(...times));
  }

  // ------------------------------------------------------------- entry points

  async create(input: CreateCartInput): Promise<Outcome> {
    return this.#idempotent(input.idempotency, async () => {
      if (this.#cart) throw new AppError("cart_exists", "This cart already exists.");
      const now = isoNow();
      this.saveCart({
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
      const view = await this.#view();
      return { status: 201, body: { cart: view, token: input.token } };
    });
  }

  async command(req: CartRequest): Promise<Outcome> {
    // The object's log lines carry the id of the request they serve.
    return withRequestId(req.requestId, () => this.#command(req));
  }

  async #command(req: CartRequest): Promise<Outcome> {
    const denied = await this.#authenticate(req.token);
    if (denied) return denied;
    if (req.op.type === "get") return this.#outcome(() => this.#get());
    if (req.op.type === "checkout_status") return this.#outcome(async () => ({ status: 200, body: this.#status() }));
    if ((req.op.type === "checkout_start" || req.op.type === "checkout_complete") && (await this.#overRateLimit(req.idempotency))) {
      return new AppError("rate_limited", "Too many checkout attempts for this cart; try again in a minute.", undefined, { "Retry-After": "60" }).toOutcome();
    }
    return this.#idempotent(req.idempotency, () => this.#mutate(req.op, req.idempotency?.key), req.op.type === "checkout_complete");
  }

  /** For `GET /v1/orders/{id}`: does this token own this cart? null when there is no cart. */
  async owns(token: string): Promise<boolean | null> {
    if (!this.#cart) return null;
    return timingSafeEqual(await sha256Hex(token), this.#cart.tokenHash);
  }

  /** Admin release: cancel the active checkout with a reason, releasing everything. */
  async release(checkoutId: string, reason: string): Promise<Outcome> {
    return this.#outcome(() =>
      this.#serialised(async () => {
        await this.#settle();
        const rec = this.#checkout;
        if (!rec || rec.id !== checkoutId || !isActive(rec)) {
          throw new AppError("checkout_not_active", "This checkout is not active.", { checkout_id: checkoutId, state: rec?.id === checkoutId ? rec.state : null });
        }
        const done = await this.#saga.cancel(reason);
        return { status: 200, body: { checkout: checkoutJson(done, Date.now()) } };
      }),
    );
  }

  /**
   * Stripe's webhook (routes/stripe-webhooks.ts): a payment of this cart changed. It
   * waits its turn behind a running storefront call instead of answering 409, so the
   * two settle one after the other and only one of them pays.
   */
  async paymentEvent(event: PaymentEvent): Promise<PaymentEventResult> {
    if (!this.#cart) return { result: "ignored", reason: "unknown_cart" };
    return this.#serialised(async () => {
      await this.#settle();
      return this.#saga.paymentEvent(event);
    });
  }

  /** Cron's safety net: expire an overdue checkout or resume an interrupted one (the object decides). */
  async sweep(): Promise<{ state: string | null; checkoutId: string | null }> {
    await this.#serialised(async () => {
      // Serialised, so no step is running: an active checkout is settled from storage.
      const rec = this.#checkout;
      if (isActive(rec)) await this.#saga.recover(rec);
      this.#interrupted = false;
    });
    return { state: this.#checkout?.state ?? null, checkoutId: this.#checkout?.id ?? null };
  }

  /** For health checks: proves the namespace answers. */
  async ping(): Promise<"pong"> {
    return "pong";
  }

  override async alarm(): Promise<void> {
    await this.#serialised(async () => {
      const rec = this.#checkout;
      if (isActive(rec)) {
        await this.#saga.recover(rec);
        this.#interrupted = false;
      }
      this.#pruneIdempotency();
      await this.scheduleAlarm();
    });
  }

  // ----------------------------------------------------------------- commands

  async #mutate(op: CartOp, requestKey?: string): Promise<Outcome> {
    switch (op.type) {
      case "checkout_start":
        this.#assertNoStepRunning();
        return this.#serialised(async () => {
          await this.#settle();
          const rec = await this.#saga.start(op);
          return { status: 201, body: { checkout: checkoutJson(rec, Date.now()) } };
        });
      case "checkout_complete":
        this.#assertNoStepRunning();
        return this.#serialised(async () => {
          await this.#settle();
          const boundCheckoutId = requestKey === undefined ? undefined : this.#keyRecord(requestKey)?.checkoutId;
          const bind = requestKey === undefined ? undefined : (checkoutId: string) => this.#bindKey(requestKey, checkoutId);
          return this.#saga.complete({ ...op, requestKey, boundCheckoutId, bind });
        });
      case "checkout_cancel":
        return this.#serialised(async () => {
          await this.#settle();
          const rec = await this.#saga.cancel("customer");
          return { status: 200, body: { checkout: checkoutJson(rec, Date.now()) } };
        });
      case "get":
      case "checkout_status":
        throw new Error(`${op.type} is not a mutation`);
      default:
        return this.#editCart(op);
    }
  }

  async #editCart(op: CartEdit): Promise<Outcome> {
    // CHECKOUT_ENABLE_CART_PROTECTION=false: an edit cancels a checkout that is only
    // waiting for payment (the quote is never changed, it is dropped); mid-payment still 423.
    const supersedes = !this.config.cartProtection && this.#checkout?.state === "locked";
    if (!supersedes) this.#assertEditable();
    const cart = this.#cart!;
    // Read what the edit needs before deciding; the decision itself is synchronous.
    const newVariant = op.type === "add_line" ? op.variantId : null;
    const newCode = op.type === "apply_discount" ? normalizeCode(op.code) : null;
    const snapshot = await this.#catalog(cart, newVariant, newCode, op.type === "update" ? (op.country ?? null) : null);
    if (supersedes) {
      // Bad input (an unknown variant, a bad code) is refused before the checkout is cancelled.
      this.#applyEdit(this.#cart!, op, snapshot);
      await this.#serialised(async () => {
        if (this.#checkout?.state === "locked") await this.#saga.cancel("cart_modified");
      });
    }
    this.#assertEditable();
    const current = this.#cart!;
    const next = this.#applyEdit(current, op, snapshot);
    if (next !== current) this.saveCart({ ...next, version: current.version + 1, updatedAt: isoNow() });
    return { status: 200, body: { cart: await this.#view(snapshot) } };
  }

  #applyEdit(cart: CartState, op: CartEdit, snapshot: CatalogSnapshot): CartState {
    switch (op.type) {
      case "add_line": {
        const variant = snapshot.variants.get(op.variantId);
        if (!variant || !variant.active) {
          throw new AppError("variant_not_found", "No such variant is for sale.", { variant_id: op.variantId });
        }
        if (variant.prices[cart.currency] === undefined && variant.prices[this.config.baseCurrency] === undefined) {
          throw new AppError("variant_not_found", `This variant has no price in ${cart.currency}.`, { variant_id: op.variantId });
        }
        const existing = cart.lines.find((l) => l.variantId === op.variantId);
        const quantity = (existing?.quantity ?? 0) + op.quantity;
        if (quantity > MAX_QUANTITY) throw quantityLimit(`A line holds at most ${MAX_QUANTITY} units.`, { max_quantity: MAX_QUANTITY, requested: quantity });
        if (existing) return { ...cart, lines: cart.lines.map((l) => (l === existing ? { ...l, quantity } : l)) };
        if (cart.lines.length >= MAX_LINES) throw quantityLimit(`A cart holds at most ${MAX_LINES} lines.`, { max_lines: MAX_LINES });
        return { ...cart, lines: [...cart.lines, { id: newId("line"), variantId: op.variantId, quantity, addedAt: isoNow() }] };
      }
      case "update_line": {
        const line = this.#line(cart, op.lineId);
        if (op.quantity > MAX_QUANTITY) throw quantityLimit(`A line holds at most ${MAX_QUANTITY} units.`, { max_quantity: MAX_QUANTITY, requested: op.quantity });
        if (op.quantity === 0) return { ...cart, lines: cart.lines.filter((l) => l !== line) };
        if (op.quantity === line.quantity) return cart;
        return { ...cart, lines: cart.lines.map((l) => (l === line ? { ...l, quantity: op.quantity } : l)) };
      }
      case "remove_line": {
        const line = this.#line(cart, op.lineId);
        return { ...cart, lines: cart.lines.filter((l) => l !== line) };
      }
      case "clear":
        return cart.lines.length === 0 ? cart : { ...cart, lines: [] };
      case "apply_discount": {
        const code = normalizeCode(op.code);
        if (cart.discountCodes.includes(code)) return cart;
        if (cart.discountCodes.length >= MAX_DISCOUNT_CODES) {
          throw new AppError("invalid_discount_code", `A cart takes at most ${MAX_DISCOUNT_CODES} discount codes.`, { code });
        }
        const candidate = { ...cart, discountCodes: [...cart.discountCodes, code] };
        const ctx = pricingContext(candidate.lines, candidate.discountCodes, cart.currency, cart.country, snapshot, this.config.baseCurrency);
        const rule = snapshot.discounts.get(code);
        const reason = rule ? pricedOrNull(ctx, Date.now())?.rejectedDiscounts.find((r) => r.code === code)?.reason : "not_found";
        if (reason && ["not_found", "inactive", "not_started", "expired", "used_up", "currency_mismatch"].includes(reason)) {
          throw new AppError("invalid_discount_code", discountMessage(reason), { code, reason });
        }
        return candidate;
      }
      case "remove_discount": {
        const code = normalizeCode(op.code);
        if (!cart.discountCodes.includes(code)) throw new AppError("not_found", "This code is not applied to the cart.", { code });
        return { ...cart, discountCodes: cart.discountCodes.filter((c) => c !== code) };
      }
      case "update": {
        const email = op.email === undefined ? cart.email : op.email;
        const country = op.country === undefined ? cart.country : op.country;
        if (email === cart.email && country === cart.country) return cart;
        return { ...cart, email, country };
      }
    }
  }

  #line(cart: CartState, lineId: string) {
    const line = cart.lines.find((l) => l.id === lineId);
    if (!line) throw new AppError("not_found", "No such line in this cart.", { line_id: lineId });
    return line;
  }

  /** 423 while a checkout holds the cart, 409 once it became an order (docs/contract.md). */
  #assertEditable(): void {
    const cart = this.#cart!;
    if (cart.completed) throw cartCompleted(cart);
    const rec = this.#checkout;
    if (isActive(rec)) {
      const seconds = Math.max(1, Math.ceil((Date.parse(rec.expiresAt) - Date.now()) / 1000));
      throw new AppError("cart_locked",
        "The cart is locked by an active checkout; cancel it or wait until it ends.",
        { checkout_id: rec.id, state: rec.state, phase: rec.phase, expires_at: rec.expiresAt },
        { "Retry-After": String(seconds) },
      );
    }
  }

  async #get(): Promise<Outcome> {
    return { status: 200, body: { cart: await this.#view() } };
  }

  #status() {
    return checkoutStatus(this.#cart!, this.#checkout, Date.now());
  }

  async #catalog(cart: CartState, extraVariant: string | null, extraCode: string | null, country: string | null): Promise<CatalogSnapshot> {
    // Edits and views price from the isolate's catalog cache; the checkout's quote reads D1.
    return loadCachedCatalog(this.db, {
      variantIds: [...cart.lines.map((l) => l.variantId), ...(extraVariant ? [extraVariant] : [])],
      currencyCodes: [cart.currency, this.config.baseCurrency],
      country: country ?? cart.country,
      discountCodes: [...cart.discountCodes, ...(extraCode ? [extraCode] : [])],
    });
  }

  /** The cart with live prices; reuses a snapshot when it covers the current lines. */
  async #view(snapshot?: CatalogSnapshot) {
    let cart = this.#cart!;
    // An empty cart prices to zero whatever the catalog holds: no D1 read (every new cart is one).
    if (cart.lines.length === 0 && cart.discountCodes.length === 0 && cart.currencyExponent !== undefined) {
      return cartJson(cart, null, cart.currencyExponent, new Map(), this.#checkout, Date.now());
    }
    const covers = (s: CatalogSnapshot) =>
      cart.lines.every((l) => s.variants.has(l.variantId)) && cart.discountCodes.every((c) => s.discounts.has(c)) && s.currencies.has(cart.currency);
    if (!snapshot || !covers(snapshot)) {
      snapshot = await this.#catalog(cart, null, null, null);
      cart = this.#cart!;
    }
    const ctx = pricingContext(cart.lines, cart.discountCodes, cart.currency, cart.country, snapshot, this.config.baseCurrency);
    let priced = null;
    try {
      priced = pricedOrNull(ctx, Date.now());
    } catch (error) {
      this.log.warn("cart.pricing_failed", { cart_id: cart.id, ...errorFields(error) });
    }
    // Currencies are never removed from the catalog; were one gone, its cart's totals are all 0.
    const exponent = snapshot.currencies.get(cart.currency)?.exponent ?? cart.currencyExponent ?? 0;
    return cartJson(cart, priced, exponent, ctx?.unavailable ?? new Map(), this.#checkout, Date.now());
  }

  // ------------------------------------------------- auth, idempotency, locking

  async #authenticate(token: string): Promise<Outcome | null> {
    if (!this.#cart) return new AppError("not_found", "Cart not found.").toOutcome();
    if (!timingSafeEqual(await sha256Hex(token), this.#cart.tokenHash)) {
      return new AppError("forbidden", "This token is not for this cart.").toOutcome();
    }
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
    const rec = this.#checkout;
    if (this.#running > 0 && isActive(rec) && isInFlight(rec.state)) throw checkoutInProgress(rec);
  }

  /**
   * Before a saga step: finish what was left unfinished — a step of a dead instance, a
   * step waiting for its retry, or a deadline that passed before its alarm ran — so the
   * step starts from a settled checkout (terminal or `locked`).
   */
  async #settle(): Promise<void> {
    const rec = this.#checkout;
    if (isActive(rec)) {
      const unfinished = this.#interrupted || (isInFlight(rec.state) && rec.retry.nextAt !== null);
      if (unfinished || Date.parse(rec.expiresAt) <= Date.now()) await this.#saga.recover(rec);
    }
    this.#interrupted = false;
  }

  async #outcome(fn: () => Promise<Outcome>): Promise<Outcome> {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof AppError) return error.toOutcome();
      throw error;
    }
  }

  /**
   * The per-cart checkout limit (CHECKOUT_RATE_LIMITER), counted here rather than in the
   * Worker so that only the cart's token holder spends it, and a retry that will be
   * answered from its Idempotency-Key record (a replay, 409 in progress, 422 reused) is
   * never refused: a storefront retrying after a lost answer gets the answer.
   */
  async #overRateLimit(idem: { key: string; hash: string } | undefined): Promise<boolean> {
    if (this.config.rateLimitPerMinute === 0) return false;
    if (idem && this.#answerFromRecord(idem)) return false;
    const { success } = await this.env.CHECKOUT_RATE_LIMITER.limit({ key: this.#cart!.id });
    return !success;
  }

  /**
   * docs/contract.md idempotency: same key and body → the stored answer; another body → 422; a
   * repeat while the first runs → 409. "Try again later" outcomes are not stored, so a
   * retry runs again. A record left "in progress" by a dead instance is run again: every
   * step below is idempotent by checkout id, and a completion that paid before the crash
   * answers its order to the retry (the payment attempt remembers the request's key).
   */
  async #idempotent(idem: { key: string; hash: string } | undefined, fn: () => Promise<Outcome>, untilCheckoutEnds = false): Promise<Outcome> {
    if (!idem) return this.#outcome(fn);
    const recorded = this.#answerFromRecord(idem);
    if (recorded) return recorded;
    const storageKey = IDEMPOTENCY_PREFIX + idem.key;
    const now = Date.now();
    // A completion's key stays bound to its checkout across runs (request-binding.ts).
    const checkoutId = this.#keyRecord(idem.key)?.checkoutId;
    this.ctx.storage.kv.put(storageKey, { hash: idem.hash, status: "in_progress", instance: this.#instance, startedAt: isoNow(now), checkoutId } satisfies IdempotencyRecord);
    let outcome: Outcome;
    try {
      outcome = await this.#outcome(fn);
    } catch (error) {
      this.ctx.storage.kv.delete(storageKey);
      throw error;
    }
    // Answers that say "try again later" (5xx, and 423, 409 and 429 with Retry-After) are
    // not stored, so the retry they ask for runs again instead of replaying them; a
    // completion's key still remembers the checkout it ran against ("bound").
    const retryLater = outcome.status >= 500 || outcome.headers?.["Retry-After"] !== undefined;
    const bound = untilCheckoutEnds ? this.#keyRecord(idem.key)?.checkoutId : undefined;
    if (retryLater && bound === undefined) {
      this.ctx.storage.kv.delete(storageKey);
      return outcome;
    }
    const expiresAt = Date.now() + IDEMPOTENCY_RETENTION_MS;
    this.ctx.storage.kv.put(storageKey, {
      hash: idem.hash,
      status: retryLater ? "bound" : "done",
      instance: this.#instance,
      startedAt: isoNow(now),
      outcome: retryLater ? undefined : outcome,
      expiresAt: isoNow(expiresAt),
      checkoutId: bound,
    } satisfies IdempotencyRecord);
    const next = this.ctx.storage.kv.get<number>("idem_next_expiry");
    if (!next || expiresAt < next) {
      this.ctx.storage.kv.put("idem_next_expiry", expiresAt);
      await this.scheduleAlarm();
    }
    return outcome;
  }

  #keyRecord(key: string): IdempotencyRecord | undefined {
    return this.ctx.storage.kv.get<IdempotencyRecord>(IDEMPOTENCY_PREFIX + key);
  }

  /** Binds a running completion's key to the checkout it runs against (synchronous, before any await). */
  #bindKey(key: string, checkoutId: string): void {
    const record = this.#keyRecord(key);
    if (record && record.checkoutId === undefined) this.ctx.storage.kv.put(IDEMPOTENCY_PREFIX + key, { ...record, checkoutId });
  }

  /** What the key's record answers without running the request again, or null to run it. */
  #answerFromRecord(idem: { key: string; hash: string }): Outcome | null {
    const existing = this.#keyRecord(idem.key);
    if (!existing) return null;
    if (existing.hash !== idem.hash) {
      return new AppError("idempotency_key_reused", "This Idempotency-Key was used with a different request.").toOutcome();
    }
    if (existing.status === "done" && existing.outcome) {
      return { ...existing.outcome, headers: { ...existing.outcome.headers, "Idempotent-Replayed": "true" } };
    }
    // Bound to a checkout, with no final answer yet: run again (against that checkout only).
    if (existing.status === "bound") return null;
    if (existing.instance === this.#instance) {
      return new AppError("request_in_progress", "A request with this Idempotency-Key is still running.", undefined, {
        "Retry-After": "1",
      }).toOutcome();
    }
    // Left in progress by a dead instance: run again.
    return null;
  }

  /** Drop idempotency records past retention (completion keys: their checkout's end plus retention). */
  #pruneIdempotency(): void {
    const now = Date.now();
    let next: number | null = null;
    for (const [key, record] of this.ctx.storage.kv.list<IdempotencyRecord>({ prefix: IDEMPOTENCY_PREFIX })) {
      const stored = record.expiresAt ? Date.parse(record.expiresAt) : Date.parse(record.startedAt) + IDEMPOTENCY_RETENTION_MS;
      const ended = checkoutEnd(record.checkoutId, this.#checkout);
      // Still open: look again when its own retention would have ended.
      if (ended === null) {
        next = Math.min(next ?? Infinity, Math.max(stored, now + 60_000));
        continue;
      }
      const expires = Math.max(stored, ended + IDEMPOTENCY_RETENTION_MS);
      if (expires <= now) this.ctx.storage.kv.delete(key);
      else next = Math.min(next ?? Infinity, Math.max(expires, now + 60_000));
    }
    if (next === null) this.ctx.storage.kv.delete("idem_next_expiry");
    else this.ctx.storage.kv.put("idem_next_expiry", next);
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

function normalizeCode(code: string): string {
  return code.trim().toUpperCase();
}

function quantityLimit(message: string, details: Record<string, unknown>): AppError {
  return new AppError("quantity_limit", message, details);
}

function discountMessage(reason: string): string {
  switch (reason) {
    case "expired":
      return "This discount code has expired.";
    case "not_started":
      return "This discount code is not valid yet.";
    case "used_up":
      return "This discount code has been used up.";
    case "currency_mismatch":
      return "This discount code is for another currency.";
    default:
      return "This discount code does not exist.";
  }
}
