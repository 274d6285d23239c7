import { describe, expect, it } from "vitest";
import { addLine, call, createCart, createProduct, createVariant, getCart } from "../support/api";

describe("cart lifecycle", () => {
  it("creates a cart and returns its token once", async () => {
    const res = await call("POST", "/v1/carts", { body: { currency: "USD", country: "US", email: "ada@example.com" } });
    expect(res.status).toBe(201);
    expect(res.body.cart).toMatchObject({
      currency: "USD",
      country: "US",
      email: "ada@example.com",
      version: 1,
      lines: [],
      total: 0,
      locked: false,
      completed: false,
      checkout: null,
    });
    expect(res.body.cart.id).toMatch(/^cart_[0-9a-z]{26}$/);
    expect(res.body.token.length).toBeGreaterThanOrEqual(40);
    const read = await call("GET", `/v1/carts/${res.body.cart.id}`, { headers: { authorization: `Bearer ${res.body.token}` } });
    expect(read.status).toBe(200);
    expect(read.body.cart).not.toHaveProperty("token");
  });

  it("adds, merges, updates and removes lines, bumping the version once per change", async () => {
    const [a, b] = await createProduct([{ prices: { USD: 1250 } }, { prices: { USD: 399 } }]);
    const cart = await createCart();
    let res = await addLine(cart, a!, 2);
    expect(res.status).toBe(200);
    expect(res.body.cart.version).toBe(2);
    expect(res.body.cart.lines).toHaveLength(1);
    expect(res.body.cart.lines[0]).toMatchObject({ variant_id: a, quantity: 2, unit_price: 1250, subtotal: 2500, total: 2500, available: true });

    // The same variant again adds to its line.
    res = await addLine(cart, a!, 3);
    expect(res.body.cart.lines).toHaveLength(1);
    expect(res.body.cart.lines[0].quantity).toBe(5);
    res = await addLine(cart, b!, 1);
    expect(res.body.cart.lines).toHaveLength(2);
    expect(res.body.cart.subtotal).toBe(5 * 1250 + 399);

    const lineA = res.body.cart.lines[0].id;
    const lineB = res.body.cart.lines[1].id;
    res = await call("PATCH", `/v1/carts/${cart.id}/lines/${lineA}`, { headers: cart.auth, body: { quantity: 1 } });
    expect(res.status).toBe(200);
    expect(res.body.cart.lines[0].quantity).toBe(1);
    res = await call("DELETE", `/v1/carts/${cart.id}/lines/${lineB}`, { headers: cart.auth });
    expect(res.status).toBe(200);
    expect(res.body.cart.lines.map((l: { id: string }) => l.id)).toEqual([lineA]);
    // Quantity 0 removes the line.
    res = await call("PATCH", `/v1/carts/${cart.id}/lines/${lineA}`, { headers: cart.auth, body: { quantity: 0 } });
    expect(res.body.cart.lines).toEqual([]);
    expect(res.body.cart.version).toBe(7);

    await addLine(cart, b!, 2);
    res = await call("DELETE", `/v1/carts/${cart.id}/lines`, { headers: cart.auth });
    expect(res.status).toBe(200);
    expect(res.body.cart.lines).toEqual([]);
    expect(res.body.cart.total).toBe(0);
  });

  it("changes email and country; the country drives tax", async () => {
    await call("PUT", "/admin/api/tax-rates/CA/standard", { headers: { authorization: "Bearer test-admin-token" }, body: { name: "GST", rate_bps: 500 } });
    const v = await createVariant({ prices: { USD: 2000 } });
    const cart = await createCart({ currency: "USD" });
    await addLine(cart, v, 1);
    const res = await call("PATCH", `/v1/carts/${cart.id}`, { headers: cart.auth, body: { email: "bob@example.com", country: "CA" } });
    expect(res.status).toBe(200);
    expect(res.body.cart).toMatchObject({ email: "bob@example.com", country: "CA", subtotal: 2000, tax_total: 100, total: 2100 });
  });

  it("answers 404 variant_not_found for an unknown variant and changes nothing", async () => {
    const cart = await createCart();
    const res = await addLine(cart, "var_doesnotexist", 1);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("variant_not_found");
    expect((await getCart(cart)).version).toBe(1);
  });

  it("limits a line to 99 units (422 quantity_limit) and rejects 0, negative and fractional quantities (400)", async () => {
    const v = await createVariant({ stock: 500 });
    const cart = await createCart();
    let res = await addLine(cart, v, 100);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("quantity_limit");
    await addLine(cart, v, 60);
    res = await addLine(cart, v, 40);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("quantity_limit");
    for (const quantity of [0, -1, 1.5, "2", null]) {
      res = await call("POST", `/v1/carts/${cart.id}/lines`, { headers: cart.auth, body: { variant_id: v, quantity } });
      expect(res.status, `quantity ${JSON.stringify(quantity)}`).toBe(400);
      expect(res.body.error.code).toBe("validation_error");
      expect(res.body.error.details.issues[0].path).toBe("quantity");
    }
    const cartNow = await getCart(cart);
    expect(cartNow.lines[0].quantity).toBe(60);
    expect(cartNow.version).toBe(2);
  });

  it("refuses a missing token (401), another cart's token (403) and an unknown cart (404)", async () => {
    const mine = await createCart();
    const theirs = await createCart();
    expect((await call("GET", `/v1/carts/${mine.id}`)).status).toBe(401);
    expect((await call("GET", `/v1/carts/${mine.id}`, { headers: { authorization: "Basic abc" } })).status).toBe(401);
    const wrong = await call("GET", `/v1/carts/${mine.id}`, { headers: theirs.auth });
    expect(wrong.status).toBe(403);
    expect(wrong.body.error.code).toBe("forbidden");
    const unknown = await call("GET", "/v1/carts/cart_00000000000000000000000000", { headers: mine.auth });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe("not_found");
    const malformed = await call("GET", "/v1/carts/not-a-cart", { headers: mine.auth });
    expect(malformed.status).toBe(404);
  });

  it("rejects an unsupported currency with 400 validation_error", async () => {
    const res = await call("POST", "/v1/carts", { body: { currency: "XYZ" } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("validation_error");
    const lower = await call("POST", "/v1/carts", { body: { currency: "usd" } });
    expect(lower.status).toBe(400);
  });

  it("answers 400 for bad JSON, 415 for another content type, 413 over 64 KiB, and 400 for unknown fields", async () => {
    const cart = await createCart();
    const bad = await call("POST", `/v1/carts/${cart.id}/lines`, { headers: { ...cart.auth, "content-type": "application/json" }, raw: "{not json" });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("validation_error");
    const text = await call("POST", `/v1/carts/${cart.id}/lines`, { headers: { ...cart.auth, "content-type": "text/plain" }, raw: "hi" });
    expect(text.status).toBe(415);
    expect(text.body.error.code).toBe("unsupported_media_type");
    const huge = await call("POST", "/v1/carts", { body: { currency: "USD", email: "x".repeat(70_000) } });
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe("payload_too_large");
    const extra = await call("POST", "/v1/carts", { body: { currency: "USD", admin: true } });
    expect(extra.status).toBe(400);
    expect((await getCart(cart)).version).toBe(1);
  });

  it("answers a repeated cart creation with 409 cart_exists (one cart, its token answered once) and refuses another body with it", async () => {
    const key = `create-${crypto.randomUUID()}`;
    const first = await call("POST", "/v1/carts", { body: { currency: "USD" }, headers: { "idempotency-key": key } });
    const again = await call("POST", "/v1/carts", { body: { currency: "USD" }, headers: { "idempotency-key": key } });
    expect(first.status).toBe(201);
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: "cart_exists", details: { cart_id: first.body.cart.id } });
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    const other = await call("POST", "/v1/carts", { body: { currency: "EUR" }, headers: { "idempotency-key": key } });
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe("idempotency_key_reused");
  });

  it("replays a line add with the same Idempotency-Key instead of adding twice", async () => {
    const v = await createVariant();
    const cart = await createCart();
    const headers = { ...cart.auth, "idempotency-key": "add-once" };
    const first = await call("POST", `/v1/carts/${cart.id}/lines`, { headers, body: { variant_id: v, quantity: 2 } });
    const second = await call("POST", `/v1/carts/${cart.id}/lines`, { headers, body: { variant_id: v, quantity: 2 } });
    expect(second.body).toEqual(first.body);
    expect((await getCart(cart)).lines[0].quantity).toBe(2);
  });
});
