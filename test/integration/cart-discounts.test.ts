import { describe, expect, it } from "vitest";
import { ADMIN, addLine, call, createCart, createProduct, getCart } from "../support/api";

const code = (prefix: string) => `${prefix}${crypto.randomUUID().slice(0, 8).toUpperCase()}`;

async function createDiscount(body: Record<string, unknown>) {
  const res = await call("POST", "/admin/api/discounts", { headers: ADMIN, body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.discount;
}

describe("cart discounts", () => {
  it("takes any percentage with two decimals exactly (1.1 is 110 bps, not refused for 1.1 × 100 ≠ 110), and applies it to the cent", async () => {
    // Every two-decimal percentage from 0.01 to 100 that float arithmetic gets wrong at × 100.
    const awkward = [1.1, 4.35, 19.99, 0.29, 57.3, 99.99];
    for (const percent of awkward) {
      const discount = await createDiscount({ code: code("PCT"), type: "percentage", percent });
      expect(discount.percent).toBe(percent);
    }
    const [v] = await createProduct([{ prices: { USD: 10_000 } }]);
    const cart = await createCart();
    await addLine(cart, v!, 1);
    const c = code("PCT");
    await createDiscount({ code: c, type: "percentage", percent: 4.35 });
    const res = await call("POST", `/v1/carts/${cart.id}/discounts`, { headers: cart.auth, body: { code: c } });
    expect(res.status).toBe(200);
    expect(res.body.cart.discount_total).toBe(435);
  });

  it("refuses a percentage with more than two decimals, creating nothing", async () => {
    for (const percent of [1.005, 0.001, 33.333]) {
      const c = code("PCT");
      const res = await call("POST", "/admin/api/discounts", { headers: ADMIN, body: { code: c, type: "percentage", percent } });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("validation_error");
      const cart = await createCart();
      const applied = await call("POST", `/v1/carts/${cart.id}/discounts`, { headers: cart.auth, body: { code: c } });
      expect(applied.body.error.code).toBe("invalid_discount_code");
    }
  });

  it("applies a percentage code allocated across lines, totals adding up, and removes it", async () => {
    const [a, b, c] = await createProduct([{ prices: { USD: 1000 } }, { prices: { USD: 1000 } }, { prices: { USD: 1000 } }]);
    const cart = await createCart();
    for (const v of [a, b, c]) await addLine(cart, v!, 1);
    const percent = code("TEN");
    await createDiscount({ code: percent, type: "percentage", percent: 10 });

    // Lower case is accepted: codes are case-insensitive.
    const res = await call("POST", `/v1/carts/${cart.id}/discounts`, { headers: cart.auth, body: { code: percent.toLowerCase() } });
    expect(res.status).toBe(200);
    const applied = res.body.cart;
    expect(applied.discount_codes).toEqual([percent]);
    expect(applied.discount_total).toBe(300);
    expect(applied.total).toBe(2700);
    for (const line of applied.lines) {
      expect(line.total).toBe(line.subtotal - line.discount_total + line.tax_total);
    }
    expect(applied.lines.reduce((s: number, l: { discount_total: number }) => s + l.discount_total, 0)).toBe(applied.discount_total);

    const removed = await call("DELETE", `/v1/carts/${cart.id}/discounts/${percent}`, { headers: cart.auth });
    expect(removed.status).toBe(200);
    expect(removed.body.cart).toMatchObject({ discount_codes: [], discount_total: 0, total: 3000 });
  });

  it("splits a discount that does not divide evenly over three lines without losing a cent", async () => {
    const [a, b, c] = await createProduct([{ prices: { USD: 333 } }, { prices: { USD: 333 } }, { prices: { USD: 334 } }]);
    const cart = await createCart();
    for (const v of [a, b, c]) await addLine(cart, v!, 1);
    const fixed = code("ONE");
    await createDiscount({ code: fixed, type: "fixed", amount: 100, currency: "USD" });
    const res = await call("POST", `/v1/carts/${cart.id}/discounts`, { headers: cart.auth, body: { code: fixed } });
    const discounts = res.body.cart.lines.map((l: { discount_total: number }) => l.discount_total);
    expect(discounts.reduce((s: number, d: number) => s + d, 0)).toBe(100);
    expect(Math.max(...discounts) - Math.min(...discounts)).toBeLessThanOrEqual(1);
    expect(res.body.cart.total).toBe(900);
  });

  it("refuses unknown, expired, not-yet-valid and used-up codes with 422 invalid_discount_code", async () => {
    const [v] = await createProduct([{ prices: { USD: 5000 } }]);
    const cart = await createCart();
    await addLine(cart, v!, 1);
    const expired = code("OLD");
    const future = code("SOON");
    await createDiscount({ code: expired, type: "percentage", percent: 5, starts_at: "2020-01-01T00:00:00Z", ends_at: "2021-01-01T00:00:00Z" });
    await createDiscount({ code: future, type: "percentage", percent: 5, starts_at: "2099-01-01T00:00:00Z" });
    for (const [c, reason] of [
      ["NOSUCHCODE", "not_found"],
      [expired, "expired"],
      [future, "not_started"],
    ] as const) {
      const res = await call("POST", `/v1/carts/${cart.id}/discounts`, { headers: cart.auth, body: { code: c } });
      expect(res.status, c).toBe(422);
      expect(res.body.error).toMatchObject({ code: "invalid_discount_code", details: { code: c, reason } });
    }
    expect((await getCart(cart)).version).toBe(2);
  });

  it("keeps a code whose minimum subtotal is not met yet, and applies it once it is", async () => {
    const [v] = await createProduct([{ prices: { USD: 1000 } }]);
    const cart = await createCart();
    await addLine(cart, v!, 1);
    const min = code("MIN");
    await createDiscount({ code: min, type: "fixed", amount: 500, currency: "USD", min_subtotal: 3000 });
    let res = await call("POST", `/v1/carts/${cart.id}/discounts`, { headers: cart.auth, body: { code: min } });
    expect(res.status).toBe(200);
    expect(res.body.cart.discounts).toEqual([{ code: min, amount: 0, applicable: false, reason: "min_subtotal" }]);
    res = await addLine(cart, v!, 2);
    expect(res.body.cart.discounts[0]).toMatchObject({ applicable: true, amount: 500 });
    expect(res.body.cart.total).toBe(2500);
  });
});
