/**
 * The client's retries against the real Worker: a retried operation carries the SAME
 * Idempotency-Key, so a lost answer or a transient failure never makes a second order or
 * charge. The fetch handed to the client forwards to the Worker and can fail on purpose.
 */
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { CheckoutApiError, CheckoutNetworkError, createCheckoutClient, needsAction, type CheckoutClientOptions, type FetchLike } from "../../src/client";
import { createProduct } from "../support/api";
import { assertDeclaredResponse } from "../support/contract";
import { expectInvariants, gatewayCharges } from "../support/invariants";
import { insideOneRateLimitWindow } from "../support/rate-limit-window";

interface Sent {
  method: string;
  path: string;
  key: string | null;
}

/**
 * A client whose fetch records every attempt and lets `fail` decide per attempt: return
 * a Response to answer instead of the Worker, "lose-answer" to let the Worker run and
 * then throw as a dropped connection would, "no-connection" to throw before it runs.
 */
function harness(
  fail: (sent: Sent, index: number) => Response | "lose-answer" | "no-connection" | undefined = () => undefined,
  options: Partial<CheckoutClientOptions> = {},
) {
  const sent: Sent[] = [];
  const sleeps: number[] = [];
  const fetch: FetchLike = async (request) => {
    const entry = { method: request.method, path: new URL(request.url).pathname, key: request.headers.get("idempotency-key") };
    sent.push(entry);
    const verdict = fail(entry, sent.length - 1);
    if (verdict instanceof Response) return verdict;
    if (verdict === "no-connection") throw new TypeError("Network connection lost.");
    const response = await exports.default.fetch(request);
    await assertDeclaredResponse(request.method, request.url, response);
    if (verdict === "lose-answer") {
      await response.arrayBuffer();
      throw new TypeError("Network connection lost.");
    }
    return response;
  };
  const client = createCheckoutClient({
    baseUrl: "https://checkout.test",
    fetch,
    sleep: async (ms) => void sleeps.push(ms),
    random: () => 1,
    ...options,
  });
  return { client, sent, sleeps };
}

async function lockedCart(client: ReturnType<typeof harness>["client"], stock = 5) {
  const [v] = await createProduct([{ prices: { USD: 2500 }, stock }]);
  const created = await client.createCart({ currency: "USD", country: "US" });
  const cart = client.cart({ id: created.cart.id, token: created.token });
  await cart.addLine({ variant_id: v!, quantity: 1 });
  const { checkout } = await cart.startCheckout();
  return { cart, checkout, variant: v! };
}

const ordersOf = async (cartId: string) => (await env.DB.prepare("SELECT id FROM orders WHERE cart_id = ?").bind(cartId).all<{ id: string }>()).results;
const isComplete = (s: Sent) => s.method === "POST" && s.path.endsWith("/checkout/complete");

describe("typed client: retries with the same Idempotency-Key", () => {
  it("retries a payment whose answer was lost with the same key: one order, one capture", async () => {
    let lost = false;
    const { client, sent } = harness((s) => {
      if (isComplete(s) && !lost) {
        lost = true;
        return "lose-answer";
      }
    });
    const { cart, checkout } = await lockedCart(client);

    const paid = await cart.completeCheckout({ payment: { method: "test", token: "tok_visa" } });
    if (needsAction(paid)) throw new Error("unexpected 202");

    const attempts = sent.filter(isComplete);
    expect(attempts).toHaveLength(2);
    expect(attempts[0]!.key).toMatch(/^[0-9a-f-]{36}$/);
    expect(attempts[1]!.key).toBe(attempts[0]!.key);
    // The first attempt did pay; the retry got that order back instead of paying again.
    expect(await ordersOf(cart.ref.id)).toEqual([{ id: paid.order.id }]);
    expect(await gatewayCharges(checkout.id)).toEqual([{ status: "captured", amount: 2500, captured_amount: 2500 }]);
    await expectInvariants();
  });

  it("retries a 503 with the same key after the Retry-After the server asked for", async () => {
    let refused = false;
    const { client, sent, sleeps } = harness((s) => {
      if (isComplete(s) && !refused) {
        refused = true;
        return Response.json({ error: { code: "unavailable", message: "Try again." } }, { status: 503, headers: { "retry-after": "2" } });
      }
    });
    const { cart, checkout } = await lockedCart(client);

    const paid = await cart.completeCheckout({ payment: { method: "test", token: "tok_visa" } });
    expect("order" in paid && paid.order.status).toBe("paid");
    const attempts = sent.filter(isComplete);
    expect(attempts.map((a) => a.key)).toEqual([attempts[0]!.key, attempts[0]!.key]);
    expect(sleeps).toEqual([2000]);
    expect(await ordersOf(cart.ref.id)).toHaveLength(1);
    expect(await gatewayCharges(checkout.id)).toHaveLength(1);
    await expectInvariants();
  });

  it("retries a cart creation whose answer was lost under a new key: the token is answered once, so the retry makes a cart of its own", async () => {
    let lost = false;
    const { client, sent } = harness((s) => {
      if (s.path === "/v1/carts" && !lost) {
        lost = true;
        return "lose-answer";
      }
    });
    const created = await client.createCart({ currency: "USD" });
    const attempts = sent.filter((s) => s.path === "/v1/carts");
    expect(attempts).toHaveLength(2);
    expect(attempts[1]!.key).not.toBe(attempts[0]!.key);
    // The retry's cart works with its token; the first attempt's cart stays empty, and its
    // key would only ever answer that the cart exists, never its token.
    expect((await client.cart({ id: created.cart.id, token: created.token }).get()).cart.id).toBe(created.cart.id);
    const repeat = await exports.default.fetch(
      new Request("https://checkout.test/v1/carts", {
        method: "POST",
        headers: { "content-type": "application/json", "idempotency-key": attempts[0]!.key! },
        body: JSON.stringify({ currency: "USD" }),
      }),
    );
    const refusal = await repeat.json<{ error: { code: string; details: { cart_id: string } } }>();
    expect(repeat.status).toBe(409);
    expect(refusal.error.code).toBe("cart_exists");
    expect(refusal.error.details.cart_id).not.toBe(created.cart.id);
    expect(JSON.stringify(refusal)).not.toContain(created.token);
  });

  it("with a creation key of one's own, a repeat is refused with the cart's id (409 cart_exists), not retried and not given the token", async () => {
    const { client, sent } = harness();
    const key = `own-create-${crypto.randomUUID()}`;
    const created = await client.createCart({ currency: "USD" }, { idempotencyKey: key });
    const error = await client.createCart({ currency: "USD" }, { idempotencyKey: key }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckoutApiError);
    expect(error).toMatchObject({ status: 409, code: "cart_exists", details: { cart_id: created.cart.id }, idempotencyKey: key });
    expect(sent.map((s) => s.key)).toEqual([key, key]);
  });

  it("backs off exponentially on a gateway 502 and gives up after maxAttempts, charging nothing", async () => {
    const { client, sent, sleeps } = harness();
    const { cart, checkout } = await lockedCart(client);

    const error = await cart.completeCheckout({ payment: { method: "test", token: "tok_gateway_error" } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckoutApiError);
    expect(error).toMatchObject({ status: 502, code: "payment_gateway_error" });
    const attempts = sent.filter(isComplete);
    expect(attempts).toHaveLength(3);
    expect(new Set(attempts.map((a) => a.key)).size).toBe(1);
    expect((error as CheckoutApiError).idempotencyKey).toBe(attempts[0]!.key);
    // random() = 1 takes the top of each jitter window: 250 ms, then 500 ms.
    expect(sleeps).toEqual([250, 500]);
    expect(await ordersOf(cart.ref.id)).toEqual([]);
    expect((await gatewayCharges(checkout.id)).every((c) => c.status !== "captured")).toBe(true);
    // Nothing was charged, and the checkout is still held for the shopper to pay again.
    expect((await cart.checkoutStatus()).state).toBe("locked");
    await expectInvariants();
  });

  it("does not wait out a Retry-After longer than maxDelayMs: a 429 is thrown at once with retryAfterSeconds", async () => {
    await insideOneRateLimitWindow(15_000);
    const { client, sent, sleeps } = harness();
    const { cart } = await lockedCart(client);
    // The limiter allows 5 starts/completes per cart per minute; the start was one.
    for (let i = 0; i < 4; i++) {
      await expect(cart.completeCheckout({ payment: { method: "test", token: "tok_decline" } })).rejects.toMatchObject({ code: "payment_declined" });
    }
    sent.length = 0;
    const error = await cart.completeCheckout({ payment: { method: "test", token: "tok_visa" } }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 429, code: "rate_limited", retryAfterSeconds: 60 });
    expect(sent).toHaveLength(1);
    expect(sleeps).toEqual([]);
    expect(await ordersOf(cart.ref.id)).toEqual([]);
  }, 90_000);

  it("gives up after maxAttempts without a connection and says which key to retry with", async () => {
    const { client, sent, sleeps } = harness((s) => (s.method === "POST" && s.path.endsWith("/lines") ? "no-connection" : undefined), {
      retry: { maxAttempts: 4, baseDelayMs: 100 },
    });
    const [v] = await createProduct([{ stock: 5 }]);
    const created = await client.createCart({ currency: "USD" });
    const cart = client.cart({ id: created.cart.id, token: created.token });

    const error = await cart.addLine({ variant_id: v!, quantity: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckoutNetworkError);
    const attempts = sent.filter((s) => s.path.endsWith("/lines"));
    expect(attempts).toHaveLength(4);
    expect((error as CheckoutNetworkError).idempotencyKey).toBe(attempts[0]!.key);
    expect(sleeps).toEqual([100, 200, 400]);
    expect((await cart.get()).cart.lines).toEqual([]);
  });

  it("gives each logical operation its own key, sends none on GET/PATCH/DELETE, and accepts a key of one's own", async () => {
    const { client, sent } = harness();
    const [v] = await createProduct([{ stock: 5 }]);
    const created = await client.createCart({ currency: "USD" });
    const cart = client.cart({ id: created.cart.id, token: created.token });
    const first = await cart.addLine({ variant_id: v!, quantity: 1 });
    await cart.addLine({ variant_id: v!, quantity: 1 });
    await cart.updateLine(first.cart.lines[0]!.id, { quantity: 1 });
    await cart.get();
    await cart.clear();

    const posts = sent.filter((s) => s.method === "POST");
    expect(posts).toHaveLength(3);
    expect(new Set(posts.map((p) => p.key)).size).toBe(3);
    expect(sent.filter((s) => s.method !== "POST").every((s) => s.key === null)).toBe(true);

    // A key kept by the page (e.g. across a reload) makes the repeated "pay" return the same order.
    await cart.addLine({ variant_id: v!, quantity: 2 });
    await cart.startCheckout();
    const key = "reload-safe-pay-1";
    const once = await cart.completeCheckout({ payment: { method: "test", token: "tok_visa" } }, { idempotencyKey: key });
    const again = await cart.completeCheckout({ payment: { method: "test", token: "tok_visa" } }, { idempotencyKey: key });
    expect("order" in again && again.order.id).toBe("order" in once && once.order.id);
    expect(sent.filter(isComplete).map((s) => s.key)).toEqual([key, key]);
    expect(await ordersOf(cart.ref.id)).toHaveLength(1);
    await expectInvariants();
  });
});
