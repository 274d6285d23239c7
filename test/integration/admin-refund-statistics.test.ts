import { describe, expect, it } from "vitest";
import { ADMIN, call } from "../support/api";
import { paidOrder, refund } from "../support/orders";

const statistics = async () => (await call("GET", "/admin/api/checkout-locks/statistics", { headers: { ...ADMIN, "cache-control": "no-cache" } })).body;

describe("refund statistics", () => {
  it("add the confirmed refunds per currency; failed ones do not count", async () => {
    const before = await statistics();
    const usd = await paidOrder([{ prices: { USD: 1000, EUR: 900 } }], [2]);
    const eur = await paidOrder([{ prices: { USD: 1000, EUR: 900 } }], [1], "tok_visa", { currency: "EUR" });
    const failing = await paidOrder([{ prices: { USD: 700 } }], [1], "tok_refund_fails");
    expect((await refund(usd.order.id, { amount: 300 })).status).toBe(201);
    expect((await refund(usd.order.id, { amount: 200 })).status).toBe(201);
    expect((await refund(eur.order.id, {})).status).toBe(201);
    expect((await refund(failing.order.id, {})).status).toBe(502);
    const after = await statistics();
    const grew = (currency: string) => {
      const was = before.refunds.by_currency[currency] ?? { refunded_total: 0, refunds: 0, orders: 0 };
      const now = after.refunds.by_currency[currency];
      return { refunded_total: now.refunded_total - was.refunded_total, refunds: now.refunds - was.refunds, orders: now.orders - was.orders };
    };
    expect(grew("USD")).toEqual({ refunded_total: 500, refunds: 2, orders: 1 });
    expect(grew("EUR")).toEqual({ refunded_total: eur.order.total, refunds: 1, orders: 1 });
    expect(after.refunds.pending).toBe(0);
  });
});
