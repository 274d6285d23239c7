/**
 * A model of the money rules for fast-check's model-based commands: one shopper's cart
 * against the real Worker while the admin changes prices, tax and stock. The model does
 * not price anything itself (the pricing properties do that); it knows what the shopper
 * was shown and which checkout each request may pay, and predicts every answer's status
 * from that. After every step `checkMoney` compares the gateway's own ledger with the
 * quotes: authorized = captured = quote total in the gateway's units, one charge per
 * checkout, one order per cart, and never a total the shopper was not shown.
 */
import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { gatewayAmount } from "../../src/payments/gateway-units";
import { ADMIN, call, createCart, type Res, type TestCart } from "./api";
import { moveDeadline } from "./overdue";
import { armPause, cartObject, crash, recoverByAlarm, waitUntilPaused } from "./saga";

/** CHECKOUT_PRICE_DRIFT_TOLERANCE of the test Worker (wrangler.toml). */
export const DRIFT_TOLERANCE = 1;
export const VARIANTS = 2;

export type Token = "tok_visa" | "tok_decline" | "tok_gateway_error" | "tok_3ds";

interface ActiveCheckout {
  id: string;
  quoteTotal: number;
  /** Units held per variant (the cart's lines when it started). */
  held: number[];
  waiting3ds: boolean;
}

/** The last completion request, for a retry under its key. */
interface LastComplete {
  key: string;
  body: Record<string, unknown>;
  res: Res;
  /** The answer was stored under the key (final), so a retry replays it. */
  stored: boolean;
  /** The checkout the key ran against, if any. */
  bound: string | null;
  token: Token;
}

export interface Model {
  onHand: number[];
  lines: number[];
  checkout: ActiveCheckout | null;
  completed: boolean;
  /**
   * The latest checkout expired and the cart has not changed since, so a completion
   * answers 410 rather than pay figures the shopper never saw. "unknown" after a start
   * refused for stock: a shortage known in the last second is refused before a checkout
   * is recorded, a later one after (and that failed checkout is then the latest).
   */
  expiredUnchanged: boolean | "unknown";
  /** The key whose request paid the cart, once it is paid. */
  paidBy: string | null;
  last: LastComplete | null;
  /** The latest total the shopper looked at (a stale one is sent by a slow page). */
  lastShown: number | null;
  /** Starts and completions this cart ran: the limiter allows 5 a minute, replays excepted. */
  attempts: number;
}

/** The cart's rate limit (CHECKOUT_RATE_LIMITER in wrangler.toml): past it the shopper opens a new cart. */
export const ATTEMPTS_PER_CART = 5;
export const mayAttempt = (model: Readonly<Model>) => model.attempts < ATTEMPTS_PER_CART;

export interface Real {
  variants: string[];
  taxClass: string;
  cart: TestCart;
  /** Every cart of this run, for the ledger checks. */
  carts: string[];
  /** Totals the shopper was shown (cart totals and quotes). */
  shown: number[];
  /** Quote totals per checkout, as the answers gave them. */
  quotes: Map<string, number>;
}

const ok = (res: Res, status: number, what: string) => expect(res.status, `${what}: ${JSON.stringify(res.body)}`).toBe(status);
const refused = (res: Res, status: number, code: string, what: string) => {
  ok(res, status, what);
  expect(res.body.error.code, what).toBe(code);
};

/** The shopper leaves this cart (cancelling what it holds) and opens a new, empty one. */
export async function newShopper(real: Real, model: Model): Promise<void> {
  if (model.checkout) await cancel(model, real);
  real.cart = await createCart({ currency: "USD", country: "US" });
  real.carts.push(real.cart.id);
  Object.assign(model, {
    lines: Array(VARIANTS).fill(0),
    checkout: null,
    completed: false,
    expiredUnchanged: false,
    paidBy: null,
    last: null,
    lastShown: null,
    attempts: 0,
  });
}

/** The live total of the cart (what the page shows next to the pay button). */
async function liveTotal(real: Real): Promise<number> {
  const res = await call("GET", `/v1/carts/${real.cart.id}`, { headers: real.cart.auth });
  ok(res, 200, "read cart");
  return res.body.cart.total;
}

/**
 * Why a start would be refused now, or null when it would lock (the model's rules): the status
 * and the codes that may answer. Short stock and a stale total together may answer either: the
 * sold-out cache refuses before pricing when this isolate already knows the variant is out, and
 * pricing's drift check comes before the reservation when it does not.
 */
function startRefusal(model: Model, expected: number, live: number): [number, string[]] | null {
  if (model.completed) return [409, ["cart_completed"]];
  if (model.checkout) return [409, ["checkout_in_progress"]];
  if (model.lines.every((q) => q === 0)) return [422, ["cart_empty"]];
  const short = model.lines.some((q, i) => q > model.onHand[i]!);
  const drifted = Math.abs(expected - live) > DRIFT_TOLERANCE;
  if (short && drifted) return [409, ["insufficient_stock", "price_changed"]];
  if (short) return [409, ["insufficient_stock"]];
  if (drifted) return [409, ["price_changed"]];
  return null;
}

/** A start refused past the lock check recorded a failed checkout (the latest now), except maybe for stock. */
function refusedStart(model: Model, res: Res, refusal: [number, string[]], what: string): void {
  ok(res, refusal[0], what);
  const code: string = res.body.error.code;
  expect(refusal[1], what).toContain(code);
  if (code === "cart_empty" || code === "price_changed") model.expiredUnchanged = false;
  if (code === "insufficient_stock" && model.expiredUnchanged === true) model.expiredUnchanged = "unknown";
}

function locked(model: Model, real: Real, id: string, quoteTotal: number): void {
  model.checkout = { id, quoteTotal, held: [...model.lines], waiting3ds: false };
  model.expiredUnchanged = false;
  real.quotes.set(id, quoteTotal);
}

export async function startCheckout(model: Model, real: Real, stale: boolean): Promise<void> {
  const live = await liveTotal(real);
  const expected = stale && model.lastShown !== null ? model.lastShown : live;
  if (expected === live) real.shown.push(live);
  model.lastShown = expected;
  model.attempts++;
  const res = await call("POST", `/v1/carts/${real.cart.id}/checkout`, { headers: real.cart.auth, body: { expected_total: expected } });
  const refusal = startRefusal(model, expected, live);
  if (refusal) return refusedStart(model, res, refusal, "start");
  ok(res, 201, "start");
  expect(res.body.checkout.quote.total, "the quote is the live total the shopper was shown").toBe(live);
  real.shown.push(res.body.checkout.quote.total);
  locked(model, real, res.body.checkout.id, live);
}

/** What paying the active checkout with `token` answers, and the model after it. */
function expectPayment(model: Model, res: Res, token: Token, key: string): void {
  const rec = model.checkout!;
  const wasWaiting = rec.waiting3ds;
  rec.waiting3ds = false;
  if (token === "tok_visa" || (token === "tok_3ds" && wasWaiting)) {
    ok(res, 201, `pay with ${token}`);
    expect(res.body.checkout.id, "paid the checkout it ran against").toBe(rec.id);
    expect(res.body.order.total, "the order is the quote").toBe(rec.quoteTotal);
    expect(res.body.order.payment).toMatchObject({ status: "captured", amount: rec.quoteTotal });
    model.onHand = model.onHand.map((n, i) => n - rec.held[i]!);
    model.checkout = null;
    model.completed = true;
    model.paidBy = key;
    return;
  }
  if (token === "tok_3ds") {
    ok(res, 202, "3-D Secure");
    expect(res.body.checkout).toMatchObject({ id: rec.id, state: "locked" });
    rec.waiting3ds = true;
    return;
  }
  if (token === "tok_decline") {
    refused(res, 402, "payment_declined", "decline");
  } else {
    refused(res, 502, "payment_gateway_error", "gateway outage");
  }
  expect(res.body.error.details, "nothing charged, the same checkout can be paid again").toMatchObject({ checkout_id: rec.id, can_resume: true });
}

export async function complete(model: Model, real: Real, token: Token, stale: boolean): Promise<void> {
  const live = await liveTotal(real);
  const fresh = model.checkout ? model.checkout.quoteTotal : live;
  const expected = stale && model.lastShown !== null ? model.lastShown : fresh;
  if (expected === fresh) real.shown.push(fresh);
  model.lastShown = expected;
  model.attempts++;
  const key = crypto.randomUUID();
  const body = { payment: { method: "test", token }, expected_total: expected };
  const res = await call("POST", `/v1/carts/${real.cart.id}/checkout/complete`, { headers: { ...real.cart.auth, "idempotency-key": key }, body });
  const bound = model.checkout?.id ?? res.body?.checkout?.id ?? res.body?.error?.details?.checkout_id ?? null;
  model.last = { key, body, res, stored: res.status < 500 && !res.headers.has("retry-after"), bound, token };
  if (!model.checkout) {
    const expiredFirst = model.expiredUnchanged === true || (model.expiredUnchanged === "unknown" && res.status === 410);
    if (expiredFirst && !model.completed) return refused(res, 410, "checkout_expired", "complete after expiry");
    const refusal = startRefusal(model, expected, live);
    if (refusal) return refusedStart(model, res, refusal, "complete (start)");
    expect(bound, "the answer names the checkout it started").toEqual(expect.any(String));
    locked(model, real, bound, live);
  } else if (Math.abs(expected - model.checkout.quoteTotal) > DRIFT_TOLERANCE) {
    return refused(res, 409, "price_changed", "complete with a total the checkout does not have");
  }
  expectPayment(model, res, token, key);
}

/** A retry under the last completion's key: it only ever answers for the checkout that key ran against. */
export async function retryLast(model: Model, real: Real): Promise<void> {
  const last = model.last!;
  const res = await call("POST", `/v1/carts/${real.cart.id}/checkout/complete`, {
    headers: { ...real.cart.auth, "idempotency-key": last.key },
    body: last.body,
  });
  if (last.stored) {
    expect({ status: res.status, body: res.body }, "a stored answer is replayed").toEqual({ status: last.res.status, body: last.res.body });
    return;
  }
  model.attempts++;
  if (model.completed && model.paidBy === last.key) return ok(res, 201, "the retry of the request that paid gets its order");
  if (last.bound === null) throw new Error("an unstored answer without a checkout is not modelled");
  if (model.checkout?.id !== last.bound) {
    refused(res, 409, "checkout_ended", "a retry after its checkout ended");
    expect(res.body.error.details.checkout_id).toBe(last.bound);
    return;
  }
  expectPayment(model, res, last.token, last.key);
  last.res = res;
  last.stored = res.status < 500;
}

export async function cancel(model: Model, real: Real): Promise<void> {
  const res = await call("POST", `/v1/carts/${real.cart.id}/checkout/cancel`, { headers: real.cart.auth });
  if (model.completed) return ok(res, 409, "cancel a paid cart");
  if (!model.checkout) return refused(res, 409, "no_active_checkout", "cancel without a checkout");
  ok(res, 200, "cancel");
  model.checkout = null;
}

/** The deadline passes and the alarm expires the checkout. */
export async function expire(model: Model, real: Real): Promise<void> {
  await moveDeadline(real.cart.id, new Date(Date.now() - 1_000).toISOString());
  await runDurableObjectAlarm(cartObject(real.cart));
  const status = await call("GET", `/v1/carts/${real.cart.id}/checkout`, { headers: real.cart.auth });
  expect(status.body.state, "expired by its alarm").toBe("expired");
  model.checkout = null;
  model.expiredUnchanged = true;
}

export const CRASH_POINTS = ["payment_authorization:sent", "order_creation:sent", "payment_capture", "payment_capture:sent"] as const;

/** The object dies while paying at `point`; its alarm recovers: before the capture the payment is reset, after it the order stands. */
export async function crashWhilePaying(model: Model, real: Real, point: (typeof CRASH_POINTS)[number]): Promise<void> {
  const rec = model.checkout!;
  model.attempts++;
  const key = crypto.randomUUID();
  const body = { payment: { method: "test", token: "tok_visa" }, expected_total: rec.quoteTotal };
  await armPause(real.cart, point);
  const pending = call("POST", `/v1/carts/${real.cart.id}/checkout/complete`, { headers: { ...real.cart.auth, "idempotency-key": key }, body });
  await waitUntilPaused(real.cart, point);
  const res = await crash(pending);
  const after = await recoverByAlarm(real.cart);
  model.last = { key, body, res, stored: false, bound: rec.id, token: "tok_visa" };
  rec.waiting3ds = false;
  if (point === "payment_capture:sent") {
    expect(after.state, "captured before the crash: the order stands").toBe("completed");
    model.onHand = model.onHand.map((n, i) => n - rec.held[i]!);
    model.checkout = null;
    model.completed = true;
    model.paidBy = key;
  } else {
    expect(after.state, "interrupted before the capture: reopened with its quote").toBe("locked");
  }
}

export async function addUnit(model: Model, real: Real, variant: number): Promise<void> {
  const res = await call("POST", `/v1/carts/${real.cart.id}/lines`, { headers: real.cart.auth, body: { variant_id: real.variants[variant], quantity: 1 } });
  if (model.completed) return refused(res, 409, "cart_completed", "edit a paid cart");
  if (model.checkout) return refused(res, 423, "cart_locked", "edit a locked cart");
  ok(res, 200, "add a unit");
  model.lines[variant]!++;
  model.expiredUnchanged = false;
}

export async function setPrice(real: Real, variant: number, usd: number): Promise<void> {
  ok(await call("PUT", `/admin/api/variants/${real.variants[variant]}/prices`, { headers: ADMIN, body: { USD: usd } }), 200, "set price");
}

export async function setTax(real: Real, rateBps: number): Promise<void> {
  ok(await call("PUT", `/admin/api/tax-rates/US/${real.taxClass}`, { headers: ADMIN, body: { name: "Sales tax", rate_bps: rateBps } }), 200, "set tax");
}

export async function setStock(model: Model, real: Real, variant: number, onHand: number): Promise<void> {
  const res = await call("PUT", `/admin/api/variants/${real.variants[variant]}/stock`, { headers: ADMIN, body: { on_hand: onHand } });
  if (onHand < (model.checkout?.held[variant] ?? 0)) return refused(res, 409, "stock_below_reserved", "stock below what is held");
  ok(res, 200, "set stock");
  model.onHand[variant] = onHand;
}

async function all<T>(sql: string, ...params: unknown[]): Promise<T[]> {
  return (
    await env.DB.prepare(sql)
      .bind(...params)
      .all<T>()
  ).results;
}

/** The money rules over every checkout of this run, read from D1 and the gateway's own ledger. */
export async function checkMoney(model: Model, real: Real): Promise<void> {
  const carts = JSON.stringify(real.carts);
  const quotes = await all<{ checkout_id: string; cart_id: string; total: number; currency: string; exponent: number }>(
    `SELECT c.id AS checkout_id, c.cart_id, q.total, q.currency, json_extract(q.body, '$.currency_exponent') AS exponent
     FROM checkouts c JOIN quotes q ON q.checkout_id = c.id WHERE c.cart_id IN (SELECT value FROM json_each(?))`,
    carts,
  );
  const charges = await all<{ checkout_id: string; status: string; amount: number; captured_amount: number | null; currency: string }>(
    `SELECT json_extract(metadata, '$.checkout_id') AS checkout_id, status, amount, captured_amount, currency FROM test_gateway_charges
     WHERE json_extract(metadata, '$.cart_id') IN (SELECT value FROM json_each(?)) AND status <> 'void_requested'`,
    carts,
  );
  const quoteOf = new Map(quotes.map((q) => [q.checkout_id, q]));
  const paidCheckoutsPerCart = new Map<string, Set<string>>();
  for (const charge of charges) {
    const quote = quoteOf.get(charge.checkout_id);
    expect(quote, `charge of ${charge.checkout_id} has a quote`).toBeDefined();
    const due = gatewayAmount("test", quote!.currency, quote!.total, quote!.exponent ?? 2);
    expect(due.ok && due.amount, "every authorization asks for the quote total in the gateway's units").toBe(charge.amount);
    expect(charge.currency).toBe(quote!.currency);
    if (charge.status === "captured" || charge.status === "refunded") {
      expect(charge.captured_amount, "captured = quote total in the gateway's units").toBe(charge.amount);
      const shown = real.shown.some((s) => Math.abs(s - quote!.total) <= DRIFT_TOLERANCE);
      expect(shown, `the shopper paid ${quote!.total}, a total they were shown (${real.shown.join(", ")})`).toBe(true);
      if (real.quotes.has(charge.checkout_id)) expect(quote!.total, "the quote the answers gave").toBe(real.quotes.get(charge.checkout_id));
      const paid = paidCheckoutsPerCart.get(quote!.cart_id) ?? new Set();
      expect(paid.has(charge.checkout_id), `checkout ${charge.checkout_id} captured twice`).toBe(false);
      paid.add(charge.checkout_id);
      paidCheckoutsPerCart.set(quote!.cart_id, paid);
    }
  }
  for (const [cart, paid] of paidCheckoutsPerCart) expect(paid.size, `cart ${cart} paid by more than one checkout`).toBe(1);
  const standing = charges.filter((c) => ["authorized", "requires_action", "captured", "refunded"].includes(c.status));
  expect(new Set(standing.map((c) => c.checkout_id)).size, "at most one live payment per checkout").toBe(standing.length);
  if (model.checkout) {
    expect(quoteOf.get(model.checkout.id)?.total, "the active checkout's quote is frozen").toBe(model.checkout.quoteTotal);
    const status = await call("GET", `/v1/carts/${real.cart.id}/checkout`, { headers: real.cart.auth });
    expect(status.body).toMatchObject({ lock_id: model.checkout.id, state: "locked" });
  }
}
