/**
 * Fuzzing every admin API route through the Worker's fetch handler, case by case: every
 * (route, what is wrong) of test/support/fuzz-admin-cases.ts runs in every run, with
 * values fast-check makes, and must get its one answer (status and error code, in the
 * error envelope) and change nothing (every D1 table and a locked cart, compared before
 * and after). The world the cases need: a variant with units reserved by a locked
 * checkout, a taken SKU and code, an ended checkout, a paid and a cancelled order, and an
 * event not yet relayed.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { ADMIN, call, cartWith, completeCheckout, createProduct, startCheckout } from "../support/api";
import { type AdminCase, type AdminWorld, casesOf, EXISTING_CODE } from "../support/fuzz-admin-cases";
import { ADMIN_ROUTES } from "../support/fuzz-admin-routes";
import { expectEveryAnswer, itRunsEveryCase } from "../support/fuzz-requests";
import { cancelOrder, paidOrder } from "../support/orders";

/** Values fast-check makes inside each case, each run: every case runs in every run, the values vary from run to run. */
const RUNS_PER_CASE = 1;

describe("fuzz: every admin case gets its exact refusal and changes nothing", () => {
  let world: AdminWorld;

  beforeAll(async () => {
    const sku = `FUZZ-ADMIN-${crypto.randomUUID().slice(0, 8)}`;
    const product = await call("POST", "/admin/api/products", {
      headers: ADMIN,
      body: { title: "Admin fuzz", variants: [{ sku, prices: { USD: 2000 }, stock: 20 }] },
    });
    expect(product.status).toBe(201);
    const variantId: string = product.body.product.variants[0].id;
    expect((await call("POST", "/admin/api/discounts", { headers: ADMIN, body: { code: EXISTING_CODE, type: "percentage", percent: 10 } })).status).toBe(201);
    const lockedCart = await cartWith([[variantId, 3]]);
    const locked = await startCheckout(lockedCart);
    expect(locked.status).toBe(201);
    const [other] = await createProduct([{ stock: 5 }]);
    const completed = await completeCheckout(await cartWith([[other!, 1]]));
    expect(completed.status).toBe(201);
    const cancelled = (await paidOrder([{ stock: 5 }], [1])).order;
    expect((await cancelOrder(cancelled.id)).status).toBe(200);
    const lockedCheckoutId: string = locked.body.checkout.id;
    world = {
      variantId,
      sku,
      lockedCart,
      lockedCheckoutId,
      completedCheckoutId: completed.body.checkout.id,
      orderId: completed.body.order.id,
      orderLineId: completed.body.order.lines[0].line_id,
      cancelledOrderId: cancelled.id,
      pendingEventId: `evt_checkout_started_${lockedCheckoutId}`,
    };
    const event = await call("GET", `/admin/api/events/${world.pendingEventId}`, { headers: ADMIN });
    expect(event.body.event.status, "the event the in-flight case redelivers").toBe("pending");
  });

  async function runCase(c: AdminCase): Promise<void> {
    await expectEveryAnswer({
      method: c.route.method,
      kind: c,
      setting: fc.constant([world] as [AdminWorld]),
      answer: c.answer,
      watched: (w) => [w.lockedCart],
      label: () => `${c.route.name} ${c.kind}`,
      runs: RUNS_PER_CASE,
    });
  }

  itRunsEveryCase(ADMIN_ROUTES, casesOf, runCase);

  it("the locked checkout is still locked and its stock still reserved after all of it", async () => {
    const cart = (await call("GET", `/v1/carts/${world.lockedCart.id}`, { headers: world.lockedCart.auth })).body.cart;
    expect(cart.checkout).toMatchObject({ state: "locked", lock_id: world.lockedCheckoutId });
    const stock = await call("GET", `/admin/api/variants/${world.variantId}/stock`, { headers: ADMIN });
    expect(stock.body).toMatchObject({ on_hand: 20, reserved: 3, available: 17 });
  });
});
