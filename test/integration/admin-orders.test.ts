import { describe, expect, it } from "vitest";
import { ADMIN, call } from "../support/api";
import { adminOrder, paidOrder, refund } from "../support/orders";

const list = (query: string) => call("GET", `/admin/api/orders${query}`, { headers: ADMIN });

describe("admin orders", () => {
  it("lists paid orders newest first, filters by status, email and number, and pages with a cursor", async () => {
    const email = `buyer-${Date.now()}@example.test`;
    const made = [];
    for (let i = 0; i < 3; i++) made.push((await paidOrder([{ prices: { USD: 1000 + i } }], [1], "tok_visa", { currency: "USD", email })).order);
    const byEmail = await list(`?email=${encodeURIComponent(email.toUpperCase())}`);
    expect(byEmail.status).toBe(200);
    expect(byEmail.body.data.map((o: any) => o.id)).toEqual(made.map((o) => o.id).reverse());
    expect(byEmail.body.data[0]).toMatchObject({ email, status: "paid", refunded_total: 0, refunds: [], payment: { status: "captured" } });

    const first = await list(`?email=${encodeURIComponent(email)}&limit=2`);
    expect(first.body.data).toHaveLength(2);
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const second = await list(`?email=${encodeURIComponent(email)}&limit=2&cursor=${first.body.next_cursor}`);
    expect(second.body.data.map((o: any) => o.id)).toEqual([made[0]!.id]);
    expect(second.body.next_cursor).toBeNull();

    const byNumber = await list(`?number=${made[1]!.number}`);
    expect(byNumber.body.data.map((o: any) => o.id)).toEqual([made[1]!.id]);

    expect((await refund(made[2]!.id, { amount: 10 })).status).toBe(201);
    const partial = await list(`?status=partially_refunded&email=${encodeURIComponent(email)}`);
    expect(partial.body.data.map((o: any) => o.id)).toEqual([made[2]!.id]);
    expect(partial.body.data[0]).toMatchObject({ refunded_total: 10, refunds: [{ amount: 10, status: "succeeded" }] });
  });

  it("refuses bad filters and cursors with validation_error", async () => {
    for (const query of ["?status=shipped", "?limit=0", "?limit=201", "?limit=1e1", "?number=+5", "?number=abc", "?cursor=not-a-cursor"]) {
      const res = await list(query);
      expect(res.status, query).toBe(400);
      expect(res.body.error.code).toBe("validation_error");
    }
    expect((await call("GET", "/admin/api/orders")).status).toBe(401);
  });

  it("shows one order with its refunds and its timeline; an unknown id is 404", async () => {
    const { order } = await paidOrder([{ prices: { USD: 3000 } }], [2]);
    const refunded = await refund(order.id, { lines: [{ line_id: order.lines[0].line_id, quantity: 1 }], reason: "damaged" });
    const detail = await adminOrder(order.id);
    expect(detail.order).toMatchObject({ id: order.id, status: "partially_refunded", refunded_total: 3000 });
    expect(detail.refunds).toEqual([refunded.body.refund]);
    const events = detail.timeline.map((e: any) => e.event);
    expect(events.indexOf("order_created")).toBeLessThan(events.indexOf("refund_requested"));
    expect(events.indexOf("refund_requested")).toBeLessThan(events.indexOf("refund_succeeded"));
    const missing = await call("GET", "/admin/api/orders/ord_00000000000000000000000000", { headers: ADMIN });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("not_found");
  });
});
