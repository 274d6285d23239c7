/**
 * Idempotency-Key abuse (docs/contract.md, Conventions): reusing a key with another body — on
 * every storefront POST, or on another route — is `422 idempotency_key_reused` and
 * changes nothing; the original answer stays the one replayed; and a key is scoped to
 * its cart, so another cart's holder can never replay someone else's stored answer.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { ADMIN, call, cartWith, createCart, createProduct, type TestCart } from "../support/api";
import { expectRefusal } from "../support/bad-input";
import { inCartObject } from "../support/saga";
import { stateFingerprint } from "../support/state-fingerprint";
import { workerFetch } from "../support/worker-fetch";

let a: string;
let b: string;

beforeAll(async () => {
  [a, b] = (await createProduct([
    { prices: { USD: 1000 }, stock: 20 },
    { prices: { USD: 700 }, stock: 20 },
  ])) as [string, string];
  expect((await call("POST", "/admin/api/discounts", { headers: ADMIN, body: { code: "IDEM10", type: "percentage", percent: 10 } })).status).toBe(201);
  expect((await call("POST", "/admin/api/discounts", { headers: ADMIN, body: { code: "IDEM20", type: "percentage", percent: 20 } })).status).toBe(201);
});

const key = () => `idem-${crypto.randomUUID()}`;
const post = (cart: TestCart, path: string, idem: string, body?: unknown) =>
  workerFetch("POST", `/v1/carts/${cart.id}${path}`, { headers: { ...cart.auth, "idempotency-key": idem }, body });

async function expectReused(res: Awaited<ReturnType<typeof post>>, label: string) {
  expectRefusal(res, label);
  expect(res.status, label).toBe(422);
  expect(res.body.error.code, label).toBe("idempotency_key_reused");
}

describe("Idempotency-Key reuse", () => {
  it("on every storefront POST, the same key with another body is 422 and changes nothing; the first answer is still replayed", async () => {
    // [path, first body, other body, a cart ready for it]. Checkout start and complete get
    // a cart each: the per-cart rate limit (5 a minute) counts replays too.
    const steps: Array<[string, unknown, unknown, () => Promise<TestCart>]> = [
      ["/lines", { variant_id: a, quantity: 1 }, { variant_id: a, quantity: 2 }, () => cartWith([[a, 1]])],
      ["/lines", { variant_id: b, quantity: 1 }, { variant_id: a, quantity: 1 }, () => cartWith([[a, 1]])],
      ["/discounts", { code: "IDEM10" }, { code: "IDEM20" }, () => cartWith([[a, 1]])],
      ["/checkout", { ttl_minutes: 15 }, { ttl_minutes: 16 }, () => cartWith([[a, 1]])],
      [
        "/checkout/complete",
        { payment: { method: "test", token: "tok_decline" } },
        { payment: { method: "test", token: "tok_visa" } },
        () => cartWith([[a, 1]]),
      ],
    ];
    for (const [path, first, other, ready] of steps) {
      const cart = await ready();
      const idem = key();
      const original = await post(cart, path, idem, first);
      expect(original.status, `${path} first`).toBeLessThan(500);
      const before = await stateFingerprint([cart]);
      await expectReused(await post(cart, path, idem, other), `${path} with another body`);
      expect(await stateFingerprint([cart]), `${path}: state changed`).toEqual(before);
      const replay = await post(cart, path, idem, first);
      expect(replay.status, `${path} replay`).toBe(original.status);
      expect(replay.body, `${path} replay`).toEqual(original.body);
      expect(replay.headers.get("idempotent-replayed"), `${path} replay`).toBe("true");
    }
  });

  it("the same key on another route of the same cart is 422 (the route is part of what the key names)", async () => {
    const cart = await cartWith([[a, 1]]);
    const idem = key();
    expect((await post(cart, "/discounts", idem, { code: "IDEM10" })).status).toBe(200);
    const before = await stateFingerprint([cart]);
    await expectReused(await post(cart, "/lines", idem, { variant_id: b, quantity: 1 }), "add line with a discount's key");
    await expectReused(await post(cart, "/checkout", idem, {}), "start with a discount's key");
    expect(await stateFingerprint([cart])).toEqual(before);

    // Cancel takes no body, so its key can only be misused on another route.
    const cancelKey = key();
    expect((await post(cart, "/checkout", key(), {})).status).toBe(201);
    expect((await post(cart, "/checkout/cancel", cancelKey)).status).toBe(200);
    const afterCancel = await stateFingerprint([cart]);
    await expectReused(await post(cart, "/checkout", cancelKey, {}), "start with a cancel's key");
    expect(await stateFingerprint([cart])).toEqual(afterCancel);
  });

  it("creating a cart: the same key with another body is 422 and makes no second cart; the same body again is 409 cart_exists", async () => {
    const idem = key();
    const first = await workerFetch("POST", "/v1/carts", { headers: { "idempotency-key": idem }, body: { currency: "USD" } });
    expect(first.status).toBe(201);
    const other = await workerFetch("POST", "/v1/carts", { headers: { "idempotency-key": idem }, body: { currency: "EUR" } });
    await expectReused(other, "create with another body");
    const replay = await workerFetch("POST", "/v1/carts", { headers: { "idempotency-key": idem }, body: { currency: "USD" } });
    expect(replay.status).toBe(409);
    expect(replay.body.error.details).toEqual({ cart_id: first.body.cart.id });
  });

  it("knowing a creation's key never grants its cart: a repeat answers 409 cart_exists with the cart's id and no token", async () => {
    const idem = key();
    const first = await workerFetch("POST", "/v1/carts", { headers: { "idempotency-key": idem }, body: { currency: "USD" } });
    expect(first.status).toBe(201);
    const owner: TestCart = { id: first.body.cart.id, token: first.body.token, auth: { authorization: `Bearer ${first.body.token}` } };
    const before = await stateFingerprint([owner]);

    // Someone who learnt the key (a log line, a proxy) sends the same request, twice at once too.
    const repeats = [
      await workerFetch("POST", "/v1/carts", { headers: { "idempotency-key": idem }, body: { currency: "USD" } }),
      ...(await Promise.all([1, 2].map(() => workerFetch("POST", "/v1/carts", { headers: { "idempotency-key": idem }, body: { currency: "USD" } })))),
    ];
    for (const repeat of repeats) {
      expectRefusal(repeat, "repeated creation");
      expect(repeat.status).toBe(409);
      expect(repeat.body.error.code).toBe("cart_exists");
      expect(repeat.body.error.details).toEqual({ cart_id: owner.id });
      expect(repeat.body.token).toBeUndefined();
      expect(JSON.stringify(repeat.body)).not.toContain(first.body.token);
    }
    // Naming the cart grants nothing, and the creator's token still works.
    expect((await workerFetch("GET", `/v1/carts/${owner.id}`)).status).toBe(401);
    expect((await workerFetch("GET", `/v1/carts/${owner.id}`, { headers: owner.auth })).status).toBe(200);
    expect(await stateFingerprint([owner])).toEqual(before);
  });

  it("a cart's token is kept nowhere but with its shopper: the cart object stores its hash only, under a key too", async () => {
    const first = await workerFetch("POST", "/v1/carts", { headers: { "idempotency-key": key() }, body: { currency: "USD" } });
    expect(first.status).toBe(201);
    expect(first.body.token).toEqual(expect.any(String));
    const stored = await inCartObject(first.body.cart.id, (_obj, state) => JSON.stringify([...state.storage.kv.list()]));
    expect(stored).toContain(first.body.cart.id);
    expect(stored).not.toContain(first.body.token);
  });

  it("a key is scoped to its cart: another cart reusing it runs its own request and never sees the first cart's answer", async () => {
    const victim = await cartWith([[a, 1]]);
    const attacker = await createCart();
    const idem = key();
    const victims = await post(victim, "/checkout", idem, {});
    expect(victims.status).toBe(201);
    // Same key, same body, another cart: not a replay of the victim's checkout.
    const attackers = await post(attacker, "/checkout", idem, {});
    expect(attackers.status).toBe(422);
    expect(attackers.body.error.code).toBe("cart_empty");
    expect(attackers.headers.get("idempotent-replayed")).toBeNull();
    expect(JSON.stringify(attackers.body)).not.toContain(victims.body.checkout.id);
    // And with the victim's cart id but the attacker's token, the stored answer is not served.
    const stolen = await workerFetch("POST", `/v1/carts/${victim.id}/checkout`, { headers: { ...attacker.auth, "idempotency-key": idem }, body: {} });
    expect(stolen.status).toBe(403);
    expect(JSON.stringify(stolen.body)).not.toContain(victims.body.checkout.id);
  });

  it("an invalid key is refused before anything runs: empty or over 255 characters is 400", async () => {
    const cart = await cartWith([[a, 1]]);
    const before = await stateFingerprint([cart]);
    for (const idem of ["", "k".repeat(256)]) {
      const res = await post(cart, "/checkout", idem, {});
      expectRefusal(res, `key of ${idem.length}`);
      expect(res.status).toBe(400);
    }
    expect(await stateFingerprint([cart])).toEqual(before);
  });
});
