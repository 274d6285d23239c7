import { describe, expect, it } from "vitest";
import { ADMIN, call, cartWith, completeCheckout, createVariant, getCart, startCheckout, stockOf, addLine } from "../support/api";
import { expectInvariants } from "../support/invariants";

const locks = (query = "") => call("GET", `/admin/api/checkout-locks${query}`, { headers: ADMIN });
const release = (id: string) => call("POST", `/admin/api/checkout-locks/${id}/release`, { headers: ADMIN });

async function lockedCart(stock = 5, quantity = 2) {
  const variant = await createVariant({ prices: { USD: 1250 }, stock });
  const cart = await cartWith([[variant, quantity]]);
  const started = await startCheckout(cart);
  expect(started.status).toBe(201);
  return { variant, cart, checkout: started.body.checkout as { id: string; quote: { total: number } } };
}

describe("admin checkout locks", () => {
  it("lists checkouts newest first, filtered by state and cart, in cursor pages", async () => {
    const created: string[] = [];
    const carts: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { cart, checkout } = await lockedCart();
      created.push(checkout.id);
      carts.push(cart.id);
    }
    // The last one ends, so the state filter has something to tell apart.
    const completedCart = (await lockedCart()).cart;
    expect((await completeCheckout(completedCart)).status).toBe(201);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await locks(`?state=locked&limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(res.status).toBe(200);
      expect(res.body.data.length).toBeLessThanOrEqual(2);
      for (const lock of res.body.data) {
        expect(lock).toMatchObject({ state: "locked", active: true });
        if (created.includes(lock.id)) expect(lock).toMatchObject({ currency: "USD", total: 2500 });
        seen.push(lock.id);
      }
      cursor = res.body.next_cursor;
      // Others' older locks may follow; these five are the newest, so the pages that hold them are enough.
    } while (cursor && !created.every((id) => seen.includes(id)));
    // Every locked checkout exactly once, newest first.
    expect(seen.filter((id) => created.includes(id))).toEqual([...created].reverse());
    expect(new Set(seen).size).toBe(seen.length);

    const completed = await locks("?state=completed");
    expect(completed.body.data.map((l: { cart_id: string }) => l.cart_id)).toContain(completedCart.id);
    expect(completed.body.data.every((l: { state: string; active: boolean }) => l.state === "completed" && !l.active)).toBe(true);

    const active = await locks("?state=active&limit=200");
    expect(active.body.data.map((l: { id: string }) => l.id)).toEqual(expect.arrayContaining(created));

    const byCart = await locks(`?cart_id=${carts[2]}`);
    expect(byCart.body.data.map((l: { id: string }) => l.id)).toEqual([created[2]]);
    expect(byCart.body.next_cursor).toBeNull();
  });

  it("are described in /openapi.json", async () => {
    const doc = await call("GET", "/openapi.json");
    expect(doc.status).toBe(200);
    for (const path of [
      "/admin/api/checkout-locks",
      "/admin/api/checkout-locks/statistics",
      "/admin/api/checkout-locks/{id}",
      "/admin/api/checkout-locks/{id}/release",
      "/admin/api/diagnostics",
    ]) {
      expect(doc.body.paths[path], path).toBeDefined();
    }
  });

  it("rejects bad query parameters with validation_error", async () => {
    for (const query of ["?limit=0", "?limit=201", "?limit=ten", "?state=paused", "?cursor=%21%21not-a-cursor"]) {
      const res = await locks(query);
      expect(res.status, query).toBe(400);
      expect(res.body.error.code).toBe("validation_error");
      expect(res.body.error.details.issues.length).toBeGreaterThan(0);
    }
    const stats = await call("GET", "/admin/api/checkout-locks/statistics?hours=2161", { headers: ADMIN });
    expect(stats.status).toBe(400);
    expect(stats.body.error.code).toBe("validation_error");
  });

  it("shows one lock in full: checkout with its quote, timeline, reservations, payments and order", async () => {
    const { variant, cart, checkout } = await lockedCart(5, 2);
    const declined = await completeCheckout(cart, "tok_decline");
    expect(declined.status).toBe(402);
    const paid = await completeCheckout(cart);
    expect(paid.status).toBe(201);

    const res = await call("GET", `/admin/api/checkout-locks/${checkout.id}`, { headers: ADMIN });
    expect(res.status).toBe(200);
    const lock = res.body;
    expect(lock.checkout).toMatchObject({ id: checkout.id, cart_id: cart.id, state: "completed", phase: "stock_commit", failure: null, can_resume: false });
    expect(lock.checkout.quote).toMatchObject({ id: expect.stringMatching(/^quo_/), total: 2500, currency: "USD", signature: expect.stringMatching(/^v1\./) });
    expect(lock.timeline.map((t: { event: string }) => t.event)).toEqual(
      expect.arrayContaining(["stock_reserved", "price_locked", "payment_declined", "order_created", "completed"]),
    );
    for (const entry of lock.timeline) expect(Object.keys(entry).sort()).toEqual(["at", "detail", "event", "phase", "state"]);
    expect(lock.reservations).toEqual([expect.objectContaining({ variant_id: variant, quantity: 2, status: "committed", sku: expect.any(String) })]);
    expect(lock.payments.map((p: { status: string }) => p.status)).toEqual(["declined", "captured"]);
    expect(lock.order).toMatchObject({ id: paid.body.order.id, status: "paid", total: 2500, payment: { status: "captured", amount: 2500 } });

    const unknown = await call("GET", "/admin/api/checkout-locks/chk_doesnotexist", { headers: ADMIN });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe("not_found");
  });

  it("releases an active lock: cancelled with admin_release, stock back, cart editable; a second release is 409", async () => {
    const { variant, cart, checkout } = await lockedCart(4, 3);
    expect(await stockOf(variant)).toMatchObject({ reserved: 3, available: 1 });

    const res = await release(checkout.id);
    expect(res.status).toBe(200);
    expect(res.body.checkout).toMatchObject({ id: checkout.id, state: "cancelled", cancel_reason: "admin_release" });
    expect(await stockOf(variant)).toMatchObject({ on_hand: 4, reserved: 0, available: 4 });
    expect((await getCart(cart)).locked).toBe(false);
    expect((await addLine(cart, variant, 1)).status).toBe(200);

    const detail = await call("GET", `/admin/api/checkout-locks/${checkout.id}`, { headers: ADMIN });
    expect(detail.body.checkout).toMatchObject({ state: "cancelled", cancel_reason: "admin_release", active: false });
    expect(detail.body.reservations.every((r: { status: string }) => r.status === "released")).toBe(true);

    // Releasing again changes nothing and says why.
    const again = await release(checkout.id);
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: "checkout_not_active", details: { state: "cancelled", cancel_reason: "admin_release" } });
    expect(await stockOf(variant)).toMatchObject({ reserved: 0, available: 4 });
    await expectInvariants();
  });

  it("refuses to release a completed checkout (409) and an unknown one (404)", async () => {
    const { variant, cart, checkout } = await lockedCart(3, 1);
    expect((await completeCheckout(cart)).status).toBe(201);
    const res = await release(checkout.id);
    expect(res.status).toBe(409);
    expect(res.body.error.details.state).toBe("completed");
    expect(await stockOf(variant)).toMatchObject({ on_hand: 2, reserved: 0 });

    const unknown = await release("chk_00000000000000000000000000");
    expect(unknown.status).toBe(404);
    await expectInvariants();
  });
});
