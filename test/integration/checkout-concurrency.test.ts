/**
 * Concurrency: the cart object is the lock of one cart (a second checkout 409, edits
 * 423, even while a step awaits D1 or the gateway), and D1's stock ledger is the lock
 * of stock shared by many carts (N buyers for S units make exactly min(N, S) orders).
 * Mid-step requests are made deterministic with the test-only pause points.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { addLine, call, cancelCheckout, cartWith, completeCheckout, createProduct, getCart, startCheckout, stockOf, type Res } from "../support/api";
import { expectInvariants } from "../support/invariants";
import { armPause, releasePause, salesOf, storedCheckout, waitUntilPaused } from "../support/saga";

const statuses = (responses: Res[]) => responses.map((r) => r.status).sort();

describe("one cart, concurrent requests", () => {
  it("two concurrent checkout starts: exactly one 201, the other 409 checkout_in_progress", async () => {
    const [v] = await createProduct([{ stock: 5 }]);
    const cart = await cartWith([[v!, 2]]);
    const results = await Promise.all([startCheckout(cart), startCheckout(cart)]);
    expect(statuses(results)).toEqual([201, 409]);
    const loser = results.find((r) => r.status === 409)!;
    const winner = results.find((r) => r.status === 201)!;
    expect(loser.body.error).toMatchObject({ code: "checkout_in_progress", details: { checkout_id: winner.body.checkout.id } });
    expect(await stockOf(v!)).toMatchObject({ reserved: 2 });
    await expectInvariants();
  });

  it("two concurrent completions: one order, one capture, the other 409", async () => {
    const [v] = await createProduct([{ stock: 5 }]);
    const cart = await cartWith([[v!, 1]]);
    const results = await Promise.all([completeCheckout(cart, "tok_visa"), completeCheckout(cart, "tok_visa")]);
    expect(statuses(results)).toEqual([201, 409]);
    expect(["checkout_in_progress", "cart_completed"]).toContain(results.find((r) => r.status === 409)!.body.error.code);
    const order = results.find((r) => r.status === 201)!.body.order;
    expect(await salesOf(cart)).toEqual({ orders: [order.id], captures: [order.total] });
    expect(await stockOf(v!)).toMatchObject({ on_hand: 4, reserved: 0 });
    await expectInvariants();
  });

  it("while a start awaits D1: edits 423, another start or a payment 409 at once, and nothing changes", async () => {
    const [v, w] = await createProduct([{ stock: 5 }, { stock: 5 }]);
    const cart = await cartWith([[v!, 2]]);
    const before = await getCart(cart);
    await armPause(cart, "cart_validation");
    const pending = startCheckout(cart);
    await waitUntilPaused(cart, "cart_validation");

    const edits = await Promise.all([
      addLine(cart, w!, 1),
      call("PATCH", `/v1/carts/${cart.id}/lines/${before.lines[0].id}`, { headers: cart.auth, body: { quantity: 5 } }),
      call("DELETE", `/v1/carts/${cart.id}/lines`, { headers: cart.auth }),
      call("PATCH", `/v1/carts/${cart.id}`, { headers: cart.auth, body: { country: "DE" } }),
    ]);
    for (const edit of edits) {
      expect(edit.status).toBe(423);
      expect(edit.body.error).toMatchObject({ code: "cart_locked", details: { state: "validating", phase: "cart_validation" } });
      expect(Number(edit.headers.get("retry-after"))).toBeGreaterThan(0);
    }
    for (const second of [await startCheckout(cart), await completeCheckout(cart, "tok_visa")]) {
      expect(second.status).toBe(409);
      expect(second.body.error).toMatchObject({ code: "checkout_in_progress", details: { state: "validating" } });
    }
    const status = await call("GET", `/v1/carts/${cart.id}/checkout`, { headers: cart.auth });
    expect(status.body).toMatchObject({ locked: true, can_checkout: false, state: "validating" });

    await releasePause(cart, "cart_validation");
    const started = await pending;
    expect(started.status).toBe(201);
    expect(started.body.checkout.quote.lines).toMatchObject([{ variant_id: v, quantity: 2 }]);
    const after = await getCart(cart);
    expect(after.version).toBe(before.version);
    expect(after.lines.map((l: { variant_id: string; quantity: number }) => [l.variant_id, l.quantity])).toEqual([[v, 2]]);
    expect(await stockOf(v!)).toMatchObject({ reserved: 2 });
    expect(await stockOf(w!)).toMatchObject({ reserved: 0 });
    await expectInvariants();
  });

  it("while a payment awaits the gateway: a second payment 409 at once, a cancel waits its turn", async () => {
    const [v] = await createProduct([{ stock: 5 }]);
    const cart = await cartWith([[v!, 1]]);
    await startCheckout(cart);
    await armPause(cart, "payment_capture");
    const paying = completeCheckout(cart, "tok_visa");
    await waitUntilPaused(cart, "payment_capture");

    const second = await completeCheckout(cart, "tok_visa");
    expect(second.status).toBe(409);
    expect(second.body.error).toMatchObject({ code: "checkout_in_progress", details: { state: "capturing" } });
    expect((await addLine(cart, v!, 1)).status).toBe(423);
    // A cancel is queued behind the running step rather than refused or interleaved.
    const cancel = cancelCheckout(cart);
    await scheduler.wait(50);
    expect((await storedCheckout(cart)).state).toBe("capturing");

    await releasePause(cart, "payment_capture");
    const paid = await paying;
    expect(paid.status).toBe(201);
    const cancelled = await cancel;
    expect(cancelled.status).toBe(409);
    expect(cancelled.body.error.code).toBe("cart_completed");
    expect(await salesOf(cart)).toEqual({ orders: [paid.body.order.id], captures: [paid.body.order.total] });
    await expectInvariants();
  });
});

describe("many carts, shared stock", () => {
  it("12 carts racing for the last 5 units: exactly 5 orders, 7 insufficient_stock, nobody else charged", async () => {
    const [v] = await createProduct([{ prices: { USD: 4999 }, stock: 5 }]);
    const carts = await Promise.all(Array.from({ length: 12 }, () => cartWith([[v!, 1]])));
    const results = await Promise.all(
      carts.map(async (cart) => {
        const started = await startCheckout(cart);
        return started.status === 201 ? completeCheckout(cart, "tok_visa") : started;
      }),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(5);
    const refused = results.filter((r) => r.status !== 201);
    expect(refused).toHaveLength(7);
    for (const r of refused) {
      expect(r.status).toBe(409);
      expect(r.body.error.code).toBe("insufficient_stock");
      // Refused while winners still held units, the answer says when the first hold lapses.
      const [line] = r.body.error.details.lines;
      expect(line).toMatchObject({ variant_id: v, requested: 1, available: 0 });
      expect(r.headers.get("retry-after")).toBe(line.retry_after_seconds === undefined ? null : String(line.retry_after_seconds));
    }
    expect(await stockOf(v!)).toEqual({ variant_id: v, on_hand: 0, reserved: 0, available: 0 });

    const charges = (
      await env.DB.prepare(
        `SELECT json_extract(metadata, '$.cart_id') AS cart_id, status, captured_amount FROM test_gateway_charges
         WHERE json_extract(metadata, '$.cart_id') IN (${carts.map(() => "?").join(",")})`,
      )
        .bind(...carts.map((c) => c.id))
        .all<{ cart_id: string; status: string; captured_amount: number }>()
    ).results;
    const winners = carts.filter((_, i) => results[i]!.status === 201).map((c) => c.id);
    expect(charges.map((c) => c.cart_id).sort()).toEqual([...winners].sort());
    expect(charges.every((c) => c.status === "captured" && c.captured_amount === 4999)).toBe(true);
    await expectInvariants();
  });
});
