/**
 * Invariants 3 and 11 on the real server: N buyers race at once for S units of one
 * variant limited per customer (the crash monkey waits meanwhile), while two holders
 * each hold a unit: one cancels soon, one walks away and its reservation lapses at its
 * one-minute deadline. A buyer told `409 insufficient_stock` with `retry_after_seconds`
 * (the missing units are only held) waits and tries again, as the answer invites; the
 * definitive answers are an order, `409 insufficient_stock` without a retry hint, and
 * `409 purchase_limit`. The checker then expects exactly min(S, what the limits allow)
 * paid orders, none of a customer past the limit.
 */
import { errorCode, sleep, type Reply } from "./http.ts";
import type { FlashPlan } from "./plan.ts";
import type { ShopperContext } from "./shopper.ts";
import { sendIdempotent } from "./storefront.ts";

/** A buyer told to come back later polls at most this often (and at least this often, so a lapse is seen soon). */
const RETRY_POLL_MS = 2_000;

async function openCart(
  ctx: ShopperContext,
  label: string,
  shopper: number,
  variantId: string,
  email: string,
): Promise<{ cartId: string; auth: Record<string, string> }> {
  const create = ctx.observations.group("create", `${ctx.runId}-${label}-create`, shopper, null);
  const cart = await sendIdempotent(ctx, create, "POST", "/v1/carts", { body: { currency: "USD", country: "US", email } });
  if (cart?.status !== 201) throw new Error(`${label}: create answered ${cart?.status}`);
  const cartId: string = cart.body.cart.id;
  create.cartId = cartId;
  const auth = { authorization: `Bearer ${cart.body.token}` };
  const line = ctx.observations.group("line", `${ctx.runId}-${label}-line`, shopper, cartId);
  const added = await sendIdempotent(ctx, line, "POST", `/v1/carts/${cartId}/lines`, { body: { variant_id: variantId, quantity: 1 }, headers: auth });
  if (added?.status !== 200) throw new Error(`${label}: add line answered ${added?.status}`);
  return { cartId, auth };
}

/** Whether a refusal says the missing units are only held (waiting can help). */
function heldOnly(reply: Reply): boolean {
  if (reply.status !== 409 || errorCode(reply) !== "insufficient_stock") return false;
  const lines: Array<{ retry_after_seconds?: number }> = reply.body?.error?.details?.lines ?? [];
  return lines.some((l) => typeof l.retry_after_seconds === "number");
}

/** Two units held before the buyers come: one given back soon, one left to lapse. */
async function holdUnits(ctx: ShopperContext, variantId: string, flash: FlashPlan): Promise<Promise<void>> {
  const holders = await Promise.all(
    ["release", "lapse"].map(async (kind, i) => {
      const { cartId, auth } = await openCart(ctx, `flash-holder-${kind}`, -1000 - i, variantId, `flash-holder-${kind}@example.com`);
      const start = ctx.observations.group("start", `${ctx.runId}-flash-holder-${kind}-start`, -1000 - i, cartId);
      const held = await sendIdempotent(ctx, start, "POST", `/v1/carts/${cartId}/checkout`, { body: { ttl_minutes: 1 }, headers: auth });
      ctx.observations.flashHolds.push({ kind, status: held?.status ?? 0 });
      return { kind, cartId, auth };
    }),
  );
  const releaser = holders.find((h) => h.kind === "release")!;
  return sleep(flash.releaseAfterMs).then(async () => {
    const cancel = ctx.observations.group("cancel", `${ctx.runId}-flash-holder-release-cancel`, -1000, releaser.cartId);
    const cancelled = await sendIdempotent(ctx, cancel, "POST", `/v1/carts/${releaser.cartId}/checkout/cancel`, { headers: releaser.auth });
    ctx.observations.flashHolds.push({ kind: "released", status: cancelled?.status ?? 0 });
  });
}

export async function runFlashSale(ctx: ShopperContext, variantId: string, flash: FlashPlan): Promise<void> {
  const released = await holdUnits(ctx, variantId, flash);
  await Promise.all(
    Array.from({ length: flash.shoppers }, async (_, i) => {
      const email = flash.emails[i]!;
      const { cartId, auth } = await openCart(ctx, `flash${i}`, -1 - i, variantId, email);
      for (let attempt = 0; ; attempt++) {
        const pay = ctx.observations.group("complete", `${ctx.runId}-flash${i}-pay${attempt}`, -1 - i, cartId);
        const paid = await sendIdempotent(ctx, pay, "POST", `/v1/carts/${cartId}/checkout/complete`, {
          body: { payment: { method: "test", token: "tok_visa" } },
          headers: auth,
        });
        if (paid && heldOnly(paid) && Date.now() + RETRY_POLL_MS < ctx.hardDeadline) {
          await sleep(RETRY_POLL_MS);
          continue;
        }
        ctx.observations.flash.push({ status: paid?.status ?? 0, code: paid ? errorCode(paid) : "no_answer", email, attempts: attempt + 1 });
        return;
      }
    }),
  );
  await released;
}
