import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ADMIN, call, cartWith, completeCheckout, createVariant, startCheckout } from "../support/api";

type Check = { name: string; status: "ok" | "warn" | "fail"; details: Record<string, any> };
const diagnostics = async (query = "") => {
  const res = await call("GET", `/admin/api/diagnostics${query}`, { headers: ADMIN });
  return { ...res, check: (name: string) => (res.body.checks as Check[]).find((c) => c.name === name)! };
};

async function lockedCheckout(stock = 5, quantity = 2) {
  const variant = await createVariant({ prices: { USD: 800 }, stock });
  const cart = await cartWith([[variant, quantity]]);
  const started = await startCheckout(cart);
  expect(started.status).toBe(201);
  return { variant, cart, checkoutId: started.body.checkout.id as string };
}

const EXPECTED_CHECKS = [
  "reserved_matches_reservations",
  "no_negative_availability",
  "stock_conservation",
  "no_overdue_active_checkouts",
  "no_reservation_on_ended_checkout",
  "payments_match_orders",
  "no_stale_authorizations",
  "outbox_backlog",
  "discount_usage",
  "refunds_within_capture",
  "no_stuck_refunds",
  "gateway_refunds_recorded",
];

describe("admin diagnostics", () => {
  it("report ok on a clean system with active, completed and declined checkouts", async () => {
    await lockedCheckout();
    const paid = await lockedCheckout();
    expect((await completeCheckout(paid.cart)).status).toBe(201);
    const declined = await lockedCheckout();
    expect((await completeCheckout(declined.cart, "tok_decline")).status).toBe(402);

    const res = await diagnostics();
    expect(res.status).toBe(200);
    expect(res.body.checks.map((c: Check) => c.name)).toEqual(EXPECTED_CHECKS);
    for (const c of res.body.checks as Check[]) expect(c.status, `${c.name}: ${c.details.summary}`).toBe("ok");
    expect(res.body.status).toBe("ok");
  });

  it("fail on a reservation left active after its checkout ended, and name it", async () => {
    const { variant, checkoutId } = await lockedCheckout(5, 2);
    // The corruption: the checkout row says it ended, but its reservation still holds stock.
    await env.DB.prepare("UPDATE checkouts SET state = 'failed' WHERE id = ?").bind(checkoutId).run();

    const res = await diagnostics();
    expect(res.body.status).toBe("fail");
    const leak = res.check("no_reservation_on_ended_checkout");
    expect(leak.status).toBe("fail");
    expect(leak.details.count).toBe(1);
    expect(leak.details.reservations).toEqual([{ checkout_id: checkoutId, variant_id: variant, quantity: 2, checkout_state: "failed" }]);
    // The ledger itself is consistent: only the ownership is wrong.
    expect(res.check("reserved_matches_reservations").status).toBe("ok");

    const one = await diagnostics(`?lock_id=${checkoutId}`);
    expect(one.status).toBe(200);
    expect(one.body.status).toBe("fail");
    expect(one.check("reservations")).toMatchObject({ status: "fail", details: { active: 1 } });

    // Once the reservation is given back the system is clean again.
    await env.DB.prepare("UPDATE stock_reservations SET status = 'released' WHERE checkout_id = ?").bind(checkoutId).run();
    await env.DB.prepare("UPDATE quotes SET status = 'released' WHERE checkout_id = ?").bind(checkoutId).run();
    expect((await diagnostics()).body.status).toBe("ok");
  });

  it("fail on reserved drifting from the reservations and on a capture without an order", async () => {
    const { variant, checkoutId } = await lockedCheckout(5, 1);
    await env.DB.prepare("UPDATE inventory SET reserved = reserved + 1 WHERE variant_id = ?").bind(variant).run();
    await env.DB.prepare(
      "INSERT INTO payments (id, checkout_id, attempt, provider, status, amount, captured_amount, currency, created_at, updated_at) VALUES ('pay_orphan_capture', ?, 9, 'test', 'captured', 800, 800, 'USD', ?, ?)",
    )
      .bind(checkoutId, new Date().toISOString(), new Date().toISOString())
      .run();

    const res = await diagnostics();
    expect(res.body.status).toBe("fail");
    expect(res.check("reserved_matches_reservations")).toMatchObject({
      status: "fail",
      details: { count: 1, variants: [{ variant_id: variant, reserved: 2, active_reservations: 1 }] },
    });
    expect(res.check("payments_match_orders").status).toBe("fail");
    expect(res.check("payments_match_orders").details.captures).toEqual([expect.objectContaining({ payment_id: "pay_orphan_capture", paid_orders: 0 })]);

    await env.DB.prepare("DELETE FROM payments WHERE id = 'pay_orphan_capture'").run();
    await env.DB.prepare("UPDATE inventory SET reserved = reserved - 1 WHERE variant_id = ?").bind(variant).run();
    expect((await diagnostics()).body.status).toBe("ok");
  });

  it("explain one lock with lock_id: a locked one, a completed one; unknown is 404, bad is 400", async () => {
    const locked = await lockedCheckout();
    const res = await diagnostics(`?lock_id=${locked.checkoutId}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "ok", checkout_id: locked.checkoutId, state: "locked" });
    expect(res.body.explanation).toMatch(/^Locked since .* held until .* left\)\. No payment attempted yet\./);
    expect(res.body.checks.map((c: Check) => c.name)).toEqual(["deadline", "reservations", "quote", "payments", "order", "discounts", "events"]);
    expect(res.check("quote").details.summary).toMatch(/intact/);

    const paid = await lockedCheckout();
    expect((await completeCheckout(paid.cart)).status).toBe(201);
    const done = await diagnostics(`?lock_id=${paid.checkoutId}`);
    expect(done.body.status).toBe("ok");
    expect(done.body.explanation).toMatch(/^Completed at .*: order #\d+ .* paid/);

    const unknown = await diagnostics("?lock_id=chk_unknown");
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe("not_found");
    const bad = await diagnostics(`?lock_id=${"x".repeat(65)}`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("validation_error");
  });
});
