/**
 * The same truth seen through the API once the run settled: each shopper's cart as its
 * owner reads it (no checkout left mid-step, orders read back as paid), stock through
 * the admin API equal to the D1 rows, and the admin diagnostics.
 */
import type { Catalog } from "./catalog.ts";
import type { D1File } from "./d1-file.ts";
import type { HttpClient } from "./http.ts";
import type { Observations, Violation } from "./observations.ts";
import { SOLD_STATUSES } from "./sold-orders.ts";

const SETTLED = new Set(["locked", "completed", "failed", "cancelled", "expired"]);

export async function checkThroughApi(
  http: HttpClient,
  d1: D1File,
  observations: Observations,
  catalog: Catalog,
): Promise<{ violations: Violation[]; checked: string[] }> {
  const violations: Violation[] = [];
  const checked: string[] = [];

  checked.push("5. (storefront) no cart shows a checkout left mid-step; completed carts read their order back as paid");
  checked.push("(storefront) each cart's checkout state is the state of its D1 record (the mirror does not drift)");
  const rowState = new Map(d1.all<{ id: string; state: string }>("SELECT id, state FROM checkouts").map((r) => [r.id, r.state]));
  for (const shopper of observations.shoppers) {
    if (!shopper.cartId || !shopper.token) continue;
    const auth = { authorization: `Bearer ${shopper.token}` };
    const cart = await http.send("GET", `/v1/carts/${shopper.cartId}`, { headers: auth });
    const checkout = cart.body?.cart?.checkout;
    if (cart.status !== 200) {
      violations.push({
        invariant: "storefront",
        message: "A shopper's cart cannot be read with its token.",
        evidence: { cart_id: shopper.cartId, status: cart.status, body: cart.body },
      });
      continue;
    }
    if (checkout?.state && !SETTLED.has(checkout.state)) {
      violations.push({
        invariant: "5. every checkout ends",
        message: "A cart still holds a checkout mid-step after the run settled.",
        evidence: { cart_id: shopper.cartId, checkout },
      });
    }
    if (checkout?.lock_id && rowState.get(checkout.lock_id) !== checkout.state) {
      violations.push({
        invariant: "5. nothing held after the end",
        message: "A cart's checkout and its D1 record disagree on its state.",
        evidence: { cart_id: shopper.cartId, checkout_id: checkout.lock_id, cart_object: checkout.state, d1: rowState.get(checkout.lock_id) ?? null },
      });
    }
    if (shopper.orderId) {
      const order = await http.send("GET", `/v1/orders/${shopper.orderId}`, { headers: auth });
      // The merchant may have refunded or cancelled it since: it was still paid for.
      if (order.status !== 200 || !(SOLD_STATUSES as readonly string[]).includes(order.body.order?.status) || cart.body.cart.completed !== true) {
        violations.push({
          invariant: "4. payments",
          message: "A shopper's order does not read back as paid (or refunded or cancelled since), or its cart is not completed.",
          evidence: { order_id: shopper.orderId, status: order.status, order: order.body, cart_completed: cart.body.cart.completed },
        });
      }
    }
  }

  checked.push("1. (admin API) stock of every variant equals the D1 rows");
  const rows = new Map(
    d1.all<{ variant_id: string; on_hand: number; reserved: number }>("SELECT variant_id, on_hand, reserved FROM inventory").map((r) => [r.variant_id, r]),
  );
  for (const variantId of Object.values(catalog.variantIds)) {
    const reply = await http.send("GET", `/admin/api/variants/${variantId}/stock`, { headers: catalog.admin });
    const row = rows.get(variantId);
    if (
      reply.status !== 200 ||
      !row ||
      reply.body.on_hand !== row.on_hand ||
      reply.body.reserved !== row.reserved ||
      reply.body.available !== row.on_hand - row.reserved
    ) {
      violations.push({
        invariant: "1. reserved",
        message: "The admin API's stock differs from the D1 row.",
        evidence: { variant_id: variantId, api: reply.body, d1: row },
      });
    }
  }

  const diagnostics = await http.send("GET", "/admin/api/diagnostics", { headers: catalog.admin, timeoutMs: 60_000 });
  if (diagnostics.status === 200) {
    checked.push("(admin API) diagnostics do not fail");
    if (diagnostics.body.status === "fail") {
      violations.push({
        invariant: "diagnostics",
        message: "The admin diagnostics report a failure.",
        evidence: diagnostics.body.checks?.filter((c: { status: string }) => c.status === "fail"),
      });
    }
  }
  return { violations, checked };
}
