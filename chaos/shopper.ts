/**
 * One shopper's script (ShopperPlan) played against the real server: create a cart,
 * fill it, maybe apply a code, start checkout or go straight to paying, then pay with
 * the planned cards, cancel or walk away. Along the way it checks what only a client
 * can see: a locked or completed cart never changes, an order is exactly its quote, an
 * order can be read back as paid.
 */
import type { Catalog } from "./catalog.ts";
import { errorCode, sleep, type Reply } from "./http.ts";
import type { ShopperOutcome, ShopperRecord } from "./observations.ts";
import { SCENARIO_TOKENS, type ShopperPlan } from "./plan.ts";
import { SOLD_STATUSES } from "./sold-orders.ts";
import { createCart, read, remove, sendIdempotent, type StorefrontContext } from "./storefront.ts";

export interface ShopperContext extends StorefrontContext {
  catalog: Catalog;
  /** Prefix of every Idempotency-Key of this run. */
  runId: string;
  /** After this moment a shopper takes no new step. */
  stopAt: number;
}

interface Session {
  plan: ShopperPlan;
  record: ShopperRecord;
  cartId: string;
  auth: Record<string, string>;
  keys: number;
  /** The Idempotency-Key of the latest POST. */
  lastKey?: string;
  /** The shopper left for good when the server died under a request (planned). */
  vanished?: boolean;
}

const checkoutIdOf = (reply: Reply): string | null =>
  reply.body?.checkout?.id ?? reply.body?.order?.checkout_id ?? reply.body?.error?.details?.checkout_id ?? null;

function note(session: Session, reply: Reply | null): void {
  const id = reply ? checkoutIdOf(reply) : null;
  if (id && !session.record.checkoutIds.includes(id)) session.record.checkoutIds.push(id);
}

function nextKey(ctx: ShopperContext, session: Session, what: string): string {
  return `${ctx.runId}-s${session.plan.id}-${what}-${session.keys++}`;
}

async function post(
  ctx: ShopperContext,
  session: Session,
  kind: Parameters<ShopperContext["observations"]["group"]>[0],
  path: string,
  body: unknown,
  options: { copies?: number; firstTimeoutMs?: number | null; key?: string } = {},
): Promise<Reply | null> {
  if (session.vanished) return null;
  session.lastKey = options.key ?? nextKey(ctx, session, kind);
  const group = ctx.observations.group(kind, session.lastKey, session.plan.id, session.cartId);
  const reply = await sendIdempotent(ctx, group, "POST", path, {
    body,
    headers: session.auth,
    // A vanishing shopper leaves for good when a checkout request dies under it.
    vanishOnCrash: session.plan.vanishesOnCrash && (kind === "start" || kind === "complete" || kind === "cancel"),
    ...options,
  });
  note(session, reply);
  if (group.vanished) session.vanished = true;
  return reply;
}

const stopped = (ctx: ShopperContext) => Date.now() >= ctx.stopAt;

export async function runShopper(ctx: ShopperContext, plan: ShopperPlan): Promise<ShopperRecord> {
  const record: ShopperRecord = { id: plan.id, cartId: null, token: null, outcome: "stopped", checkoutIds: [], orderId: null, quoteTotals: {}, notes: [] };
  ctx.observations.shoppers.push(record);
  let session: Session | null = null;
  const finish = (outcome: ShopperOutcome, why?: string) => {
    record.outcome = session?.vanished ? "vanished" : outcome;
    if (why) record.notes.push(why);
    return record;
  };

  // 1. The cart (a double submit must still make one cart).
  const createBody = { currency: plan.currency, ...(plan.country ? { country: plan.country } : {}), ...(plan.email ? { email: plan.email } : {}) };
  const created = await createCart(ctx, `${ctx.runId}-s${plan.id}-create`, plan.id, createBody, plan.duplicateCreate ? 2 : 1);
  if (!created) return finish("gave_up", "no answer to create");
  if (created.status !== 201) return finish("gave_up", `create answered ${created.status}`);
  record.cartId = created.body.cart.id;
  record.token = created.body.token;
  session = { plan, record, cartId: record.cartId!, auth: { authorization: `Bearer ${record.token}` }, keys: 0 };
  const cartPath = `/v1/carts/${session.cartId}`;

  // 2. Lines and a code.
  for (const line of plan.lines) {
    if (stopped(ctx)) return finish("stopped");
    const reply = await post(ctx, session, "line", `${cartPath}/lines`, { variant_id: ctx.catalog.variantIds[line.variant], quantity: line.quantity });
    if (!reply) return finish("gave_up", "no answer to add line");
    if (reply.status !== 200) record.notes.push(`add line answered ${reply.status} ${errorCode(reply)}`);
    await sleep(plan.thinkMs);
  }
  if (plan.discount) {
    const reply = await post(ctx, session, "discount", `${cartPath}/discounts`, { code: plan.discount });
    if (reply && reply.status !== 200) record.notes.push(`code ${plan.discount}: ${errorCode(reply)}`);
  }
  if (stopped(ctx)) return finish("stopped");

  // 3. Start checkout (phases 1–3) and look at the quote.
  let checkoutId: string | null = null;
  if (plan.flow === "start_then_complete") {
    const started = await startCheckout(ctx, session);
    if (typeof started === "string") return finish(started as ShopperOutcome);
    checkoutId = started.id;
    record.quoteTotals[started.id] = started.quote.total;
    ctx.observations.locked.set(started.id, session.cartId);
    if (plan.editWhileLocked && plan.ttlMinutes === null) await editMustBeRefused(ctx, session, 423, "cart_locked");
  }

  // 4. The end of the script.
  if (plan.scenario === "abandon") return finish("abandoned");
  if (plan.scenario === "cancel") {
    await sleep(plan.thinkMs);
    const reply = await post(ctx, session, "cancel", `${cartPath}/checkout/cancel`, undefined);
    if (!reply) return finish("gave_up", "no answer to cancel");
    if (checkoutId) ctx.observations.locked.delete(checkoutId);
    if (reply.status === 200) return finish("cancelled");
    return finish(
      reply.status === 409 && errorCode(reply) === "no_active_checkout" ? "released" : "gave_up",
      `cancel answered ${reply.status} ${errorCode(reply)}`,
    );
  }
  const tokens = SCENARIO_TOKENS[plan.scenario];
  let outcome: ShopperOutcome = "stopped";
  for (const [attempt, token] of tokens.entries()) {
    if (stopped(ctx)) return finish("stopped");
    await sleep(plan.thinkMs);
    const result = await pay(ctx, session, token, attempt === 0 ? plan.impatientMs : null, checkoutId);
    outcome = result;
    if (result !== "declined_then_left" && result !== "failed") break;
    // A decline, or a gateway outage at authorization (can_resume), keeps the lock: pay the
    // same checkout again. A failure that rolled back ended it (complete starts anew).
  }
  if (outcome === "failed" && tokens.at(-1) === "tok_visa") record.notes.push("the last card failed too");
  if (checkoutId && outcome !== "declined_then_left" && outcome !== "stopped") ctx.observations.locked.delete(checkoutId);
  if (outcome === "completed" && plan.editAfterComplete) await editMustBeRefused(ctx, session, 409, "cart_completed");
  return finish(outcome);
}

/** Starts checkout, handling what a storefront handles (price moved, code used up). */
async function startCheckout(ctx: ShopperContext, session: Session): Promise<{ id: string; quote: { total: number } } | ShopperOutcome> {
  const cartPath = `/v1/carts/${session.cartId}`;
  for (let attempt = 0; attempt < 4; attempt++) {
    let expected: number | undefined;
    if (session.plan.sendExpectedTotal) {
      const cart = await read(ctx, cartPath, session.auth);
      if (!cart) return "gave_up";
      expected = cart.body?.cart?.total;
    }
    const body = {
      ...(expected !== undefined ? { expected_total: expected } : {}),
      ...(session.plan.ttlMinutes ? { ttl_minutes: session.plan.ttlMinutes } : {}),
    };
    const reply = await post(ctx, session, "start", `${cartPath}/checkout`, body);
    if (!reply) return "gave_up";
    const code = errorCode(reply);
    if (reply.status === 201) return reply.body.checkout;
    if (code === "insufficient_stock") {
      if (await dropUnavailable(ctx, session, reply)) continue;
      return "out_of_stock";
    }
    if (code === "price_changed") continue;
    if (code === "invalid_discount_code") {
      await remove(ctx, `${cartPath}/discounts/${session.plan.discount}`, session.auth);
      continue;
    }
    if (code === "checkout_in_progress") {
      // Ours from an earlier attempt whose answer was lost: carry on with it.
      const status = await read(ctx, `${cartPath}/checkout`, session.auth);
      if (status?.body?.state === "locked") {
        const checkout = await read(ctx, `/admin/api/checkout-locks/${status.body.lock_id}`, ctx.catalog.admin);
        if (checkout?.status === 200) return checkout.body.checkout;
      }
      await sleep(500);
      continue;
    }
    if (reply.status >= 500) {
      session.record.notes.push(`start answered ${reply.status} ${code}`);
      continue;
    }
    session.record.notes.push(`start answered ${reply.status} ${code}`);
    return "gave_up";
  }
  return "gave_up";
}

/** One payment attempt with `token` (duplicates and an impatient first try as planned). */
async function pay(ctx: ShopperContext, session: Session, token: string, impatientMs: number | null, lockedId: string | null): Promise<ShopperOutcome> {
  const cartPath = `/v1/carts/${session.cartId}`;
  let resumeKey: string | undefined;
  for (let attempt = 0; attempt < 4; attempt++) {
    const reply = await post(
      ctx,
      session,
      "complete",
      `${cartPath}/checkout/complete`,
      { payment: { method: "test", token }, ...(session.plan.ttlMinutes ? { ttl_minutes: session.plan.ttlMinutes } : {}) },
      {
        copies: session.plan.duplicates,
        firstTimeoutMs: attempt === 0 ? impatientMs : null,
        key: resumeKey,
      },
    );
    if (!reply) return "gave_up";
    const code = errorCode(reply);
    if (reply.status === 201) {
      await checkOrder(ctx, session, reply, lockedId);
      return "completed";
    }
    if (code === "payment_declined") return reply.body.error.details?.phase === "payment_capture" ? "failed" : "declined_then_left";
    if (code === "payment_gateway_error") {
      if (reply.body.error.details?.can_resume !== true) return "failed";
      // Nothing was charged and the checkout stays locked with its quote: retry it once under
      // the same key, as the typed client does on a 502 (the key is bound to this checkout);
      // after that the shopper pays it with the next card, or leaves it to expire.
      if (resumeKey !== undefined) return "declined_then_left";
      resumeKey = session.lastKey;
      continue;
    }
    if (code === "checkout_expired") return "expired";
    if (code === "insufficient_stock") {
      if (await dropUnavailable(ctx, session, reply)) continue;
      return "out_of_stock";
    }
    if (code === "cart_completed") {
      // An earlier attempt finished after all (its answer was lost in a crash).
      const cart = await read(ctx, cartPath, session.auth);
      session.record.orderId = cart?.body?.cart?.checkout?.order_id ?? null;
      return "completed";
    }
    if (code === "invalid_discount_code") {
      await remove(ctx, `${cartPath}/discounts/${session.plan.discount}`, session.auth);
      continue;
    }
    if (code === "checkout_in_progress" || reply.status === 503) {
      await sleep(500);
      continue;
    }
    session.record.notes.push(`complete answered ${reply.status} ${code}`);
    return "gave_up";
  }
  return "gave_up";
}

/**
 * What a storefront does with `409 insufficient_stock`: take out the lines that cannot
 * be had and try again with the rest. False when nothing is left to buy.
 */
async function dropUnavailable(ctx: ShopperContext, session: Session, reply: Reply): Promise<boolean> {
  const cartPath = `/v1/carts/${session.cartId}`;
  const short = new Set<string>((reply.body.error.details?.lines ?? []).map((l: { variant_id: string }) => l.variant_id));
  const cart = await read(ctx, cartPath, session.auth);
  const lines: Array<{ id: string; variant_id: string }> = cart?.body?.cart?.lines ?? [];
  const gone = lines.filter((l) => short.has(l.variant_id));
  if (gone.length === 0 || gone.length === lines.length) return false;
  for (const line of gone) await remove(ctx, `${cartPath}/lines/${line.id}`, session.auth);
  session.record.notes.push(`dropped ${gone.length} sold-out line(s)`);
  return true;
}

/** The order is exactly the quote the shopper saw, and reads back as paid. */
async function checkOrder(ctx: ShopperContext, session: Session, reply: Reply, lockedId: string | null): Promise<void> {
  const order = reply.body.order;
  session.record.orderId = order.id;
  const quoteTotal = reply.body.checkout?.quote?.total;
  if (order.total !== quoteTotal) {
    ctx.observations.violation("4. payment = quote", "An order's total differs from its checkout's quote.", {
      order_id: order.id,
      order_total: order.total,
      quote_total: quoteTotal,
    });
  }
  if (
    lockedId &&
    order.checkout_id === lockedId &&
    session.record.quoteTotals[lockedId] !== undefined &&
    session.record.quoteTotals[lockedId] !== order.total
  ) {
    ctx.observations.violation("Frozen money", "The order is not the quote the shopper saw when the cart locked.", {
      order_id: order.id,
      seen_at_lock: session.record.quoteTotals[lockedId],
      ordered: order.total,
    });
  }
  if (order.payment?.status !== "captured" || order.payment?.amount !== order.total) {
    ctx.observations.violation("4. payment = quote", "A completed checkout's order does not show a capture of its total.", { order });
  }
  const fetched = await read(ctx, `/v1/orders/${order.id}`, session.auth);
  // The merchant may already have refunded or cancelled it: it was still paid for.
  if (
    fetched &&
    (fetched.status !== 200 || !(SOLD_STATUSES as readonly string[]).includes(fetched.body.order.status) || fetched.body.order.total !== order.total)
  ) {
    ctx.observations.violation(
      "4. payment = quote",
      "An order the shopper was given does not read back as paid (or refunded or cancelled since) with the same total.",
      { order_id: order.id, reply: fetched.body },
    );
  }
}

/**
 * Invariant 6: an edit of a locked cart answers 423, of a completed cart 409, and the
 * cart is the same before and after (unless the lock ended meanwhile: released, expired).
 */
async function editMustBeRefused(ctx: ShopperContext, session: Session, status: number, code: string): Promise<void> {
  const cartPath = `/v1/carts/${session.cartId}`;
  const before = await read(ctx, cartPath, session.auth);
  if (before?.status !== 200) return;
  const line = session.plan.lines[0]!;
  const edit = await post(ctx, session, "line", `${cartPath}/lines`, { variant_id: ctx.catalog.variantIds[line.variant], quantity: 1 });
  const after = await read(ctx, cartPath, session.auth);
  if (!edit || !after || after.status !== 200) return;
  const stillHeld =
    status === 423
      ? after.body.cart.locked === true && after.body.cart.checkout?.lock_id === before.body.cart.checkout?.lock_id
      : after.body.cart.completed === true;
  if (!stillHeld) return;
  const same =
    JSON.stringify(after.body.cart.lines.map((l: any) => [l.id, l.quantity])) === JSON.stringify(before.body.cart.lines.map((l: any) => [l.id, l.quantity]));
  if (edit.status !== status || errorCode(edit) !== code || after.body.cart.version !== before.body.cart.version || !same) {
    ctx.observations.violation(
      "6. a locked or completed cart never changes",
      `An edit of a ${status === 423 ? "locked" : "completed"} cart was not refused with ${status} ${code}.`,
      {
        cart_id: session.cartId,
        answer: { status: edit.status, body: edit.body },
        version_before: before.body.cart.version,
        version_after: after.body.cart.version,
      },
    );
  }
}
