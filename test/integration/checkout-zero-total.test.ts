/**
 * A total of 0 (a 100 % code) is an order like any other, paid without the gateway:
 * nothing is authorized or captured, the stock is taken, and the payment says why.
 */
import { describe, expect, it } from "vitest";
import { ADMIN, call, cartWith, completeCheckout, createProduct, fault, startCheckout, stockOf } from "../support/api";
import { expectInvariants } from "../support/invariants";
import { applyCode, checkoutTrace, createDiscount, uniqueCode } from "../support/saga";

async function freeCart(stock = 4) {
  const code = uniqueCode("FREE");
  await createDiscount({ code, type: "percentage", percent: 100 });
  const [variant] = await createProduct([{ prices: { USD: 1999 }, stock }]);
  const cart = await cartWith([[variant!, 2]]);
  expect((await applyCode(cart, code)).status).toBe(200);
  return { cart, variant: variant! };
}

describe("a checkout whose total is 0", () => {
  it("completes with payment not_required, no gateway call, and the stock committed", async () => {
    const { cart, variant } = await freeCart();
    const started = await startCheckout(cart, { expected_total: 0 });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    expect(started.body.checkout.quote.total).toBe(0);

    const done = await completeCheckout(cart, "tok_visa");
    expect(done.status, JSON.stringify(done.body)).toBe(201);
    const order = done.body.order;
    expect(order).toMatchObject({ total: 0, status: "paid", payment: { provider: "none", status: "not_required", amount: 0 } });
    const trace = await checkoutTrace(started.body.checkout.id);
    expect(trace.charges, "the test gateway was never called").toEqual([]);
    expect(trace.payments).toEqual([{ attempt: 1, status: "not_required", amount: 0, captured_amount: null }]);
    expect(trace.row).toMatchObject({ state: "completed" });
    expect(await stockOf(variant)).toMatchObject({ on_hand: 2, reserved: 0 });

    // The order as the shopper and the admin read it later says the same.
    const read = await call("GET", `/v1/orders/${order.id}`, { headers: cart.auth });
    expect(read.body.order.payment).toMatchObject({ provider: "none", status: "not_required", amount: 0 });
    const diagnostics = await call("GET", `/admin/api/diagnostics?lock_id=${started.body.checkout.id}`, { headers: ADMIN });
    expect(diagnostics.body.checks.filter((c: { status: string }) => c.status !== "ok")).toEqual([]);
    await expectInvariants();
  });

  it("a card that would decline does not matter: nothing is sent to the gateway", async () => {
    const { cart } = await freeCart();
    const done = await completeCheckout(cart, "tok_decline");
    expect(done.status).toBe(201);
    expect(done.body.order.payment.status).toBe("not_required");
  });

  it("a failure before the commit rolls back like any checkout, with nothing to void", async () => {
    const { cart, variant } = await freeCart();
    const failed = await completeCheckout(cart, "tok_visa", fault("order_creation"));
    expect(failed.status).toBe(503);
    const trace = await checkoutTrace(failed.body.error.details.checkout_id);
    expect(trace.row).toMatchObject({ state: "failed" });
    expect(trace.charges).toEqual([]);
    expect(trace.payments.map((p) => p.status)).toEqual(["voided"]);
    expect(await stockOf(variant)).toMatchObject({ on_hand: 4, reserved: 0 });
    await expectInvariants();
  });
});
