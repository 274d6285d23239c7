/**
 * An Idempotency-Key sent on a PATCH (docs/contract.md promises keys on POSTs; the Worker honours
 * them on every cart call) identifies the request with its body, as on a POST: the same
 * key with another body is 422 idempotency_key_reused, never the first answer replayed.
 */
import { describe, expect, it } from "vitest";
import { call, cartWith, createProduct } from "../support/api";

describe("Idempotency-Key on PATCH", () => {
  it("replays the same change and refuses a different one under the same key", async () => {
    const [v] = await createProduct([{ stock: 10 }]);
    const cart = await cartWith([[v!, 1]]);
    const line = (await call("GET", `/v1/carts/${cart.id}`, { headers: cart.auth })).body.cart.lines[0].id;
    const headers = { ...cart.auth, "idempotency-key": "patch-key-1" };

    const first = await call("PATCH", `/v1/carts/${cart.id}/lines/${line}`, { headers, body: { quantity: 2 } });
    expect(first.status).toBe(200);
    const replay = await call("PATCH", `/v1/carts/${cart.id}/lines/${line}`, { headers, body: { quantity: 2 } });
    expect(replay.status).toBe(200);
    expect(replay.body.cart.version).toBe(first.body.cart.version);

    const other = await call("PATCH", `/v1/carts/${cart.id}/lines/${line}`, { headers, body: { quantity: 5 } });
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe("idempotency_key_reused");

    const email = { ...cart.auth, "idempotency-key": "patch-key-2" };
    expect((await call("PATCH", `/v1/carts/${cart.id}`, { headers: email, body: { email: "a@example.com" } })).status).toBe(200);
    const changed = await call("PATCH", `/v1/carts/${cart.id}`, { headers: email, body: { email: "b@example.com" } });
    expect(changed.status).toBe(422);
    const view = (await call("GET", `/v1/carts/${cart.id}`, { headers: cart.auth })).body.cart;
    expect(view).toMatchObject({ email: "a@example.com", lines: [{ quantity: 2 }] });
  });
});
