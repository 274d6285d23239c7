/**
 * The typed client (src/client) against the real Worker: every call goes through the
 * Worker's own fetch handler (routing, validation, auth, the cart object, D1), as a
 * storefront's calls would. Typed errors carry the docs/contract.md code, details and Retry-After.
 */
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  canResume,
  CheckoutApiError,
  createCheckoutClient,
  formatRemaining,
  isCartLocked,
  isCheckoutApiError,
  needsAction,
  stateName,
  type FetchLike,
} from "../../src/client";
import { ADMIN, call, createProduct, uniqueSku } from "../support/api";
import { assertDeclaredResponse } from "../support/contract";
import { expectInvariants, gatewayCharges } from "../support/invariants";

const BASE = "https://checkout.test";
const requests: Array<{ method: string; path: string }> = [];
const workerFetch: FetchLike = async (request) => {
  requests.push({ method: request.method, path: new URL(request.url).pathname });
  const response = await exports.default.fetch(request);
  await assertDeclaredResponse(request.method, request.url, response);
  return response;
};
const client = createCheckoutClient({ baseUrl: BASE, fetch: workerFetch });

async function createDiscount(percent: number): Promise<string> {
  // Codes are stored in upper case.
  const code = uniqueSku("SAVE").toUpperCase();
  const res = await call("POST", "/admin/api/discounts", { headers: ADMIN, body: { code, type: "percentage", percent } });
  if (res.status !== 201) throw new Error(`createDiscount: ${res.status} ${JSON.stringify(res.body)}`);
  return code;
}

/** Runs `fn`, expecting it to throw a CheckoutApiError, and returns the error. */
async function apiError(fn: () => Promise<unknown>): Promise<CheckoutApiError> {
  const error = await fn().then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CheckoutApiError);
  return error as CheckoutApiError;
}

async function newCart(lines: Array<[string, number]> = []) {
  const created = await client.createCart({ currency: "USD", country: "US" });
  const cart = client.cart({ id: created.cart.id, token: created.token });
  for (const [variant_id, quantity] of lines) await cart.addLine({ variant_id, quantity });
  return cart;
}

describe("typed client: every storefront call against the real Worker", () => {
  it("lists products, edits a cart, checks out, cancels, pays and reads the order", async () => {
    const [tee, mug] = await createProduct(
      [
        { prices: { USD: 1200, EUR: 1100 }, stock: 5 },
        { prices: { USD: 300 }, stock: 4 },
      ],
      "Client tee",
    );
    const code = await createDiscount(10);

    const { data } = await client.listProducts({ currency: "USD" });
    const variants = data.flatMap((p) => p.variants);
    expect(variants.find((v) => v.id === tee)).toMatchObject({ price: 1200, currency: "USD", available: 5 });
    expect((await client.listProducts({ currency: "EUR" })).data.flatMap((p) => p.variants).find((v) => v.id === tee)).toMatchObject({
      price: 1100,
      currency: "EUR",
    });

    const created = await client.createCart({ currency: "USD", country: "US", email: "ada@example.com" });
    expect(created.token.length).toBeGreaterThan(20);
    expect(created.cart).toMatchObject({ currency: "USD", country: "US", email: "ada@example.com", lines: [], locked: false, checkout: null });
    const cart = client.cart({ id: created.cart.id, token: created.token });

    let view = (await cart.addLine({ variant_id: tee!, quantity: 2 })).cart;
    expect(view.lines).toMatchObject([{ variant_id: tee, quantity: 2, unit_price: 1200, subtotal: 2400 }]);
    const teeLine = view.lines[0]!.id;

    view = (await cart.updateLine(teeLine, { quantity: 3 })).cart;
    expect(view.lines[0]).toMatchObject({ id: teeLine, quantity: 3, subtotal: 3600 });

    view = (await cart.addLine({ variant_id: mug!, quantity: 1 })).cart;
    expect(view.lines).toHaveLength(2);
    const mugLine = view.lines.find((l) => l.variant_id === mug)!.id;
    view = (await cart.removeLine(mugLine)).cart;
    expect(view.lines.map((l) => l.variant_id)).toEqual([tee]);

    view = (await cart.applyDiscount({ code })).cart;
    expect(view.discount_codes).toEqual([code]);
    expect(view.discount_total).toBe(360);
    view = (await cart.removeDiscount(code)).cart;
    expect(view.discount_codes).toEqual([]);
    expect(view.discount_total).toBe(0);

    view = (await cart.update({ email: "grace@example.com", country: "US" })).cart;
    expect(view.email).toBe("grace@example.com");

    view = (await cart.clear()).cart;
    expect(view.lines).toEqual([]);
    await cart.addLine({ variant_id: tee!, quantity: 2 });
    view = (await cart.applyDiscount({ code })).cart;
    expect((await cart.get()).cart).toEqual(view);
    expect(view.total).toBe(view.subtotal - view.discount_total + view.tax_total);

    // Checkout freezes the quote the shopper was shown, and the status helpers read it.
    const { checkout } = await cart.startCheckout({ expected_total: view.total });
    expect(checkout).toMatchObject({ state: "locked", cart_id: cart.ref.id, can_resume: true });
    expect(checkout.quote).toMatchObject({ total: view.total, discount_total: view.discount_total, currency: "USD", exchange_rate: "1" });
    const status = await cart.checkoutStatus();
    expect(status).toMatchObject({ locked: true, can_checkout: false, lock_id: checkout.id, state: "locked", expires_at: checkout.expires_at });
    expect(isCartLocked(status)).toBe(true);
    expect(canResume(status)).toBe(true);
    expect(stateName(status)).toBe("Awaiting payment");
    expect(formatRemaining(status)).toMatch(/^1[45]m \d\ds$/);
    expect(isCartLocked((await cart.get()).cart.checkout)).toBe(true);

    const cancelled = await cart.cancelCheckout();
    expect(cancelled.checkout).toMatchObject({ id: checkout.id, state: "cancelled" });
    const afterCancel = await cart.checkoutStatus();
    expect(isCartLocked(afterCancel)).toBe(false);
    expect(afterCancel.can_checkout).toBe(true);

    await cart.startCheckout();
    const paid = await cart.completeCheckout({ payment: { method: "test", token: "tok_visa" } });
    if (needsAction(paid)) throw new Error("the test gateway never asks for customer action");
    expect(paid.checkout.state).toBe("completed");
    expect(paid.order).toMatchObject({ cart_id: cart.ref.id, status: "paid", total: view.total, payment: { status: "captured", amount: view.total } });
    expect(stateName(paid.checkout)).toBe("Completed");

    const { order } = await cart.getOrder(paid.order.id);
    expect(order).toMatchObject({ id: paid.order.id, total: view.total, lines: [{ variant_id: tee, quantity: 2 }] });
    const done = await cart.checkoutStatus();
    expect(done).toMatchObject({ locked: false, can_checkout: false, order_id: order.id });
    expect(await gatewayCharges(paid.checkout.id)).toEqual([{ status: "captured", amount: view.total, captured_amount: view.total }]);
    await expectInvariants();
  });

  it("throws CheckoutApiError with the code, details and Retry-After of a locked cart, and changes nothing", async () => {
    const [v] = await createProduct([{ stock: 3 }]);
    const cart = await newCart([[v!, 1]]);
    const { checkout } = await cart.startCheckout();
    const before = (await cart.get()).cart;

    requests.length = 0;
    const error = await apiError(() => cart.addLine({ variant_id: v!, quantity: 1 }));
    expect(error).toMatchObject({ status: 423, code: "cart_locked" });
    expect(error.is("cart_locked")).toBe(true);
    if (!isCheckoutApiError(error, "cart_locked")) throw new Error("narrowing failed");
    expect(error.details).toMatchObject({ checkout_id: checkout.id, state: "locked", expires_at: checkout.expires_at });
    expect(error.retryAfterSeconds).toBeGreaterThan(0);
    // A lock is not a transient failure: asked once, not retried.
    expect(requests).toEqual([{ method: "POST", path: `/v1/carts/${cart.ref.id}/lines` }]);

    for (const edit of [
      () => cart.updateLine(before.lines[0]!.id, { quantity: 2 }),
      () => cart.removeLine(before.lines[0]!.id),
      () => cart.clear(),
      () => cart.update({ email: "x@example.com" }),
    ]) {
      expect((await apiError(edit)).code).toBe("cart_locked");
    }
    expect((await cart.get()).cart).toEqual(before);
    expect((await apiError(() => cart.startCheckout())).code).toBe("checkout_in_progress");
    await expectInvariants();
  });

  it("types the other contract errors: auth, unknown ids, validation, discounts, empty carts, declines", async () => {
    const [v] = await createProduct([{ stock: 2 }]);
    const cart = await newCart([[v!, 1]]);
    const other = await newCart();

    expect(await apiError(() => client.cart({ id: cart.ref.id, token: other.ref.token }).get())).toMatchObject({ status: 403, code: "forbidden" });
    expect(await apiError(() => client.cart({ id: "cart_doesnotexist", token: cart.ref.token }).get())).toMatchObject({ status: 404, code: "not_found" });
    expect(await apiError(() => cart.getOrder("ord_doesnotexist"))).toMatchObject({ status: 404, code: "not_found" });
    const invalid = await apiError(() => cart.addLine({ variant_id: v!, quantity: 0 }));
    expect(invalid).toMatchObject({ status: 400, code: "validation_error" });
    expect(invalid.is("validation_error") && invalid.details.issues.length).toBeGreaterThan(0);
    expect(await apiError(() => client.createCart({ currency: "XXX" }))).toMatchObject({ status: 400, code: "validation_error" });
    expect(await apiError(() => cart.applyDiscount({ code: "NOSUCHCODE" }))).toMatchObject({ status: 422, code: "invalid_discount_code" });
    expect(await apiError(() => cart.addLine({ variant_id: v!, quantity: 100 }))).toMatchObject({ status: 422, code: "quantity_limit" });
    expect(await apiError(() => other.startCheckout())).toMatchObject({ status: 422, code: "cart_empty" });
    expect(await apiError(() => cart.cancelCheckout())).toMatchObject({ status: 409, code: "no_active_checkout" });
    await cart.addLine({ variant_id: v!, quantity: 5 });
    const short = await apiError(() => cart.startCheckout());
    expect(short).toMatchObject({ status: 409, code: "insufficient_stock" });
    expect(short.is("insufficient_stock") && short.details.lines).toEqual([{ variant_id: v, requested: 6, available: 2 }]);

    // A declined card keeps the checkout resumable: pay again with another card.
    const buyer = await newCart([[v!, 1]]);
    await buyer.startCheckout();
    const declined = await apiError(() => buyer.completeCheckout({ payment: { method: "test", token: "tok_decline" } }));
    expect(declined).toMatchObject({ status: 402, code: "payment_declined" });
    expect(declined.is("payment_declined") && declined.details.can_resume).toBe(true);
    const status = await buyer.checkoutStatus();
    expect(canResume(status)).toBe(true);
    expect(isCartLocked(status)).toBe(true);
    const paid = await buyer.completeCheckout({ payment: { method: "test", token: "tok_visa" } });
    expect("order" in paid && paid.order.status).toBe("paid");
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM orders WHERE cart_id = ?").bind(buyer.ref.id).first("n")).toBe(1);
    await expectInvariants();
  });
});
