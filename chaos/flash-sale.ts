/**
 * Invariant 3 on the real server: N shoppers race at once for S units of one variant
 * (the crash monkey waits meanwhile). Each retries until it has a definitive answer,
 * an order or `409 insufficient_stock`; the checker then expects exactly min(N, S)
 * paid orders for the variant.
 */
import { errorCode } from "./http.ts";
import type { ShopperContext } from "./shopper.ts";
import { sendIdempotent } from "./storefront.ts";

export async function runFlashSale(ctx: ShopperContext, variantId: string, shoppers: number): Promise<void> {
  await Promise.all(
    Array.from({ length: shoppers }, async (_, i) => {
      const create = ctx.observations.group("create", `${ctx.runId}-flash${i}-create`, -1 - i, null);
      const cart = await sendIdempotent(ctx, create, "POST", "/v1/carts", { body: { currency: "USD", country: "US" } });
      if (cart?.status !== 201) throw new Error(`flash shopper ${i}: create answered ${cart?.status}`);
      const cartId: string = cart.body.cart.id;
      create.cartId = cartId;
      const auth = { authorization: `Bearer ${cart.body.token}` };
      const line = ctx.observations.group("line", `${ctx.runId}-flash${i}-line`, -1 - i, cartId);
      const added = await sendIdempotent(ctx, line, "POST", `/v1/carts/${cartId}/lines`, { body: { variant_id: variantId, quantity: 1 }, headers: auth });
      if (added?.status !== 200) throw new Error(`flash shopper ${i}: add line answered ${added?.status}`);
      const pay = ctx.observations.group("complete", `${ctx.runId}-flash${i}-pay`, -1 - i, cartId);
      const paid = await sendIdempotent(ctx, pay, "POST", `/v1/carts/${cartId}/checkout/complete`, { body: { payment: { method: "test", token: "tok_visa" } }, headers: auth });
      ctx.observations.flash.push({ status: paid?.status ?? 0, code: paid ? errorCode(paid) : "no_answer" });
    }),
  );
}
