/**
 * Checkout start and complete are rate limited per cart by the Workers Rate Limiting
 * binding CHECKOUT_RATE_LIMITER (wrangler.toml: 5 per 60 s). The sixth attempt within
 * the minute answers 429 rate_limited with Retry-After and changes nothing; only the
 * token holder spends the budget, and a retry under a used Idempotency-Key is answered
 * from its record, never refused.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { addLine, call, cancelCheckout, cartWith, completeCheckout, createProduct, getCart, startCheckout, stockOf } from "../support/api";
import { expectInvariants } from "../support/invariants";
import { insideOneRateLimitWindow } from "../support/rate-limit-window";

const NEEDED_MS = 20_000;

describe("checkout rate limit", () => {
  // Each test counts attempts inside one limiter window.
  beforeEach(() => insideOneRateLimitWindow(NEEDED_MS), NEEDED_MS + 5_000);

  it("answers the sixth start/complete of one cart within a minute with 429 and Retry-After", async () => {
    const [v] = await createProduct([{ stock: 10 }]);
    const cart = await cartWith([[v!, 1]]);
    // Five attempts pass (start, cancel — not limited — and start again; declines count too).
    expect((await startCheckout(cart)).status).toBe(201);
    expect((await cancelCheckout(cart)).status).toBe(200);
    expect((await startCheckout(cart)).status).toBe(201);
    expect((await completeCheckout(cart, "tok_decline")).status).toBe(402);
    expect((await completeCheckout(cart, "tok_decline")).status).toBe(402);
    expect((await completeCheckout(cart, "tok_decline")).status).toBe(402);

    const limited = await completeCheckout(cart, "tok_visa");
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe("rate_limited");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    const started = await startCheckout(cart);
    expect(started.status).toBe(429);

    // The refused attempts changed nothing: still locked, still unpaid, stock still held.
    const view = await getCart(cart);
    expect(view.checkout).toMatchObject({ locked: true, state: "locked", order_id: null });
    expect(await stockOf(v!)).toMatchObject({ reserved: 1, on_hand: 10 });
    // Other routes of the cart are not limited.
    expect((await call("GET", `/v1/carts/${cart.id}/checkout`, { headers: cart.auth })).status).toBe(200);
    expect((await addLine(cart, v!, 1)).status).toBe(423);
    await expectInvariants();
  });

  it("answers a retry under a used Idempotency-Key from its record even past the limit", async () => {
    const [v] = await createProduct([{ stock: 10 }]);
    const cart = await cartWith([[v!, 1]]);
    const first = await completeCheckout(cart, "tok_decline", { "idempotency-key": "rl-retry-1" });
    expect(first.status).toBe(402);
    for (let i = 0; i < 4; i++) expect((await completeCheckout(cart, "tok_decline")).status).toBe(402);
    expect((await completeCheckout(cart, "tok_decline")).status).toBe(429);

    // The answer of the first attempt was lost: its retry gets it, not a 429.
    const retried = await completeCheckout(cart, "tok_decline", { "idempotency-key": "rl-retry-1" });
    expect(retried.status).toBe(402);
    expect(retried.headers.get("idempotent-replayed")).toBe("true");
    expect(retried.body).toEqual(first.body);
    // A key reused with another body is refused as such, not as over the limit.
    expect((await completeCheckout(cart, "tok_visa", { "idempotency-key": "rl-retry-1" })).status).toBe(422);
    // A new key is a new attempt: refused.
    expect((await completeCheckout(cart, "tok_visa", { "idempotency-key": "rl-retry-2" })).status).toBe(429);
    await expectInvariants();
  });

  it("spends no budget on attempts without the cart's token", async () => {
    const [v] = await createProduct([{ stock: 10 }]);
    const cart = await cartWith([[v!, 1]]);
    const stranger = { ...cart, auth: { authorization: "Bearer not-the-token" } };
    for (let i = 0; i < 8; i++) expect((await completeCheckout(stranger, "tok_visa")).status).toBe(403);
    expect((await completeCheckout(cart, "tok_visa")).status).toBe(201);
    await expectInvariants();
  });

  it("limits each cart on its own", async () => {
    const [v] = await createProduct([{ stock: 10 }]);
    const busy = await cartWith([[v!, 1]]);
    for (let i = 0; i < 5; i++) await completeCheckout(busy, "tok_decline");
    expect((await completeCheckout(busy, "tok_decline")).status).toBe(429);

    const other = await cartWith([[v!, 1]]);
    expect((await completeCheckout(other, "tok_visa")).status).toBe(201);
    await expectInvariants();
  });
});
