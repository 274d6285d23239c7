/**
 * The client bounds every attempt: an answer that never comes counts as lost and is
 * retried under the same Idempotency-Key; the caller's abort still ends a call at once.
 * Its errors carry the answer's request id.
 */
import { describe, expect, it } from "vitest";
import { CheckoutApiError, CheckoutNetworkError, createCheckoutClient, DEFAULT_TIMEOUT_MS, type FetchLike } from "../../src/client";

const never: FetchLike = () => new Promise<Response>(() => {}); // ignores its signal too

function recording(answer: FetchLike) {
  const keys: Array<string | null> = [];
  const fetch: FetchLike = (request) => {
    keys.push(request.headers.get("idempotency-key"));
    return answer(request);
  };
  return { keys, fetch };
}

describe("client timeouts", () => {
  it("a hanging attempt counts as lost: retried under the same key, then a CheckoutNetworkError", async () => {
    const { keys, fetch } = recording(never);
    const sleeps: number[] = [];
    const client = createCheckoutClient({
      baseUrl: "https://checkout.test",
      fetch,
      timeoutMs: 20,
      sleep: async (ms) => void sleeps.push(ms),
      random: () => 0.5,
    });
    const error = await client
      .cart({ id: "cart_1", token: "t" })
      .addLine({ variant_id: "var_1", quantity: 1 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckoutNetworkError);
    expect((error as Error).message).toMatch(/POST \/v1\/carts\/cart_1\/lines got no answer: no answer within 0\.02 s/);
    expect(keys).toHaveLength(3);
    expect(new Set(keys).size).toBe(1);
    expect((error as CheckoutNetworkError).idempotencyKey).toBe(keys[0]);
    expect(sleeps).toHaveLength(2);
  });

  it("a cart creation is retried under a new key per attempt (its token is answered once), and the error names the last", async () => {
    const { keys, fetch } = recording(never);
    const client = createCheckoutClient({ baseUrl: "https://checkout.test", fetch, timeoutMs: 20, sleep: async () => {} });
    const error = await client.createCart({ currency: "USD" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckoutNetworkError);
    expect(keys).toHaveLength(3);
    expect(new Set(keys).size).toBe(3);
    expect((error as CheckoutNetworkError).idempotencyKey).toBe(keys[2]);
  });

  it("an answer after a timed-out attempt is used; a slow body counts as part of the attempt", async () => {
    let calls = 0;
    const slowBody = () => new Response(new ReadableStream({ start() {} }), { headers: { "content-type": "application/json" } });
    const fetch: FetchLike = async () => (++calls === 1 ? slowBody() : Response.json({ data: [] }));
    const client = createCheckoutClient({ baseUrl: "https://checkout.test", fetch, timeoutMs: 20, sleep: async () => {} });
    expect(await client.listProducts()).toEqual({ data: [] });
    expect(calls).toBe(2);
  });

  it("the caller's abort ends the call at once, without retries", async () => {
    const { keys, fetch } = recording((request) => new Promise((_, reject) => request.signal.addEventListener("abort", () => reject(request.signal.reason))));
    const client = createCheckoutClient({ baseUrl: "https://checkout.test", fetch, timeoutMs: 5_000, sleep: async () => {} });
    const controller = new AbortController();
    const pending = client.createCart({ currency: "USD" }, { signal: controller.signal }).catch((e: unknown) => e);
    controller.abort(new Error("shopper left"));
    expect(await pending).toMatchObject({ message: "shopper left" });
    expect(keys).toHaveLength(1);
  });

  it("defaults to a bound of 30 s; 0 turns it off", async () => {
    expect(DEFAULT_TIMEOUT_MS).toBe(30_000);
    let resolve!: (r: Response) => void;
    const client = createCheckoutClient({ baseUrl: "https://checkout.test", fetch: () => new Promise((r) => (resolve = r)), timeoutMs: 0 });
    const pending = client.listProducts();
    await new Promise((r) => setTimeout(r, 30));
    resolve(Response.json({ data: [] }));
    expect(await pending).toEqual({ data: [] });
  });
});

describe("client errors", () => {
  it("carry the answer's X-Request-Id, or the envelope's request_id without the header", async () => {
    const envelope = (extra: object) => ({ error: { code: "internal_error", message: "Something went wrong on our side.", ...extra } });
    const withHeader = createCheckoutClient({
      baseUrl: "https://c.test",
      retry: { maxAttempts: 1 },
      fetch: async () => Response.json(envelope({ request_id: "r-1" }), { status: 500, headers: { "x-request-id": "r-1" } }),
    });
    const fromBody = createCheckoutClient({
      baseUrl: "https://c.test",
      retry: { maxAttempts: 1 },
      fetch: async () => Response.json(envelope({ request_id: "r-2" }), { status: 500 }),
    });
    const none = createCheckoutClient({
      baseUrl: "https://c.test",
      retry: { maxAttempts: 1 },
      fetch: async () => Response.json(envelope({}), { status: 500 }),
    });
    for (const [client, id] of [
      [withHeader, "r-1"],
      [fromBody, "r-2"],
      [none, null],
    ] as const) {
      const error = await client.listProducts().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CheckoutApiError);
      expect((error as CheckoutApiError).requestId).toBe(id);
    }
  });
});
