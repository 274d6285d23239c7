/**
 * Purchase limits through the Worker: a limited variant needs the cart's email at start
 * (`422 email_required`), and one customer's carts (the email in any letter case) racing
 * for it never hold or buy more than `max_per_customer` (`409 purchase_limit` with what
 * they already have). A refused start holds nothing and leaves the cart editable.
 */
import { describe, expect, it } from "vitest";
import { ADMIN, call, cancelCheckout, cartWith, completeCheckout, createProduct, getCart, startCheckout, stockOf } from "../support/api";
import { expectInvariants } from "../support/invariants";

const json = { ...ADMIN, "content-type": "application/json" };
const setLimit = (variantId: string, max: number | null) =>
  call("PUT", `/admin/api/variants/${variantId}/limits`, { headers: json, body: { max_per_customer: max } });
let customers = 0;
const uniqueEmail = () => `Drop.Buyer+${Date.now().toString(36)}${customers++}@Example.com`;

describe("purchase limit at checkout", () => {
  it("a limited variant needs an email at start; with one, the checkout goes through", async () => {
    const [v] = await createProduct([{ stock: 5 }]);
    await setLimit(v!, 1);
    const cart = await cartWith([[v!, 1]]);
    const refused = await startCheckout(cart);
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe("email_required");
    expect(await stockOf(v!)).toMatchObject({ reserved: 0 });
    expect((await getCart(cart)).locked).toBe(false);
    expect((await call("PATCH", `/v1/carts/${cart.id}`, { headers: cart.auth, body: { email: uniqueEmail() } })).status).toBe(200);
    expect((await completeCheckout(cart)).status).toBe(201);
    await expectInvariants();
  });

  it("10 carts of one customer race for a limit of 2: exactly 2 orders, 8 × 409 purchase_limit, and another customer still buys", async () => {
    const [v] = await createProduct([{ stock: 50 }]);
    await setLimit(v!, 2);
    const email = uniqueEmail();
    // The same customer whatever the case of the address.
    const carts = await Promise.all(
      Array.from({ length: 10 }, (_, i) => cartWith([[v!, 1]], { currency: "USD", email: i % 2 ? email.toLowerCase() : email.toUpperCase() })),
    );
    const results = await Promise.all(carts.map((cart) => completeCheckout(cart)));
    expect(results.filter((r) => r.status === 201)).toHaveLength(2);
    const refused = results.filter((r) => r.status !== 201);
    expect(refused).toHaveLength(8);
    for (const r of refused) {
      expect(r.status).toBe(409);
      expect(r.body.error).toMatchObject({ code: "purchase_limit", details: { variant_id: v, limit: 2 } });
      expect(r.body.error.details.already).toBeGreaterThanOrEqual(1);
      expect(r.body.error.details.already).toBeLessThanOrEqual(2);
    }
    expect(await stockOf(v!)).toMatchObject({ on_hand: 48, reserved: 0 });
    // A refused cart holds nothing and can still be edited; another customer is not limited by this one.
    const loser = carts[results.findIndex((r) => r.status === 409)]!;
    expect((await getCart(loser)).locked).toBe(false);
    const other = await cartWith([[v!, 2]], { currency: "USD", email: uniqueEmail() });
    expect((await completeCheckout(other)).status).toBe(201);
    await expectInvariants();
  });

  it("held units count until released: a cancelled checkout gives the customer's allowance back, an order keeps it", async () => {
    const [v] = await createProduct([{ stock: 20 }]);
    await setLimit(v!, 1);
    const email = uniqueEmail();
    const holder = await cartWith([[v!, 1]], { currency: "USD", email });
    expect((await startCheckout(holder)).status).toBe(201);
    const second = await cartWith([[v!, 1]], { currency: "USD", email });
    const blocked = await startCheckout(second);
    expect(blocked.status).toBe(409);
    expect(blocked.body.error).toMatchObject({ code: "purchase_limit", details: { variant_id: v, limit: 1, already: 1 } });
    expect((await cancelCheckout(holder)).status).toBe(200);
    expect((await completeCheckout(second)).status).toBe(201);
    const third = await cartWith([[v!, 1]], { currency: "USD", email });
    expect((await startCheckout(third)).body.error).toMatchObject({ code: "purchase_limit", details: { already: 1 } });
    // Cleared, the limit refuses nobody.
    await setLimit(v!, null);
    expect((await completeCheckout(third)).status).toBe(201);
    expect(await stockOf(v!)).toMatchObject({ on_hand: 18, reserved: 0 });
    await expectInvariants();
  });
});
