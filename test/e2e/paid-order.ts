/** A paid order made the way a storefront makes one, of a product of its own (the server is shared by every e2e module). */
import assert from "node:assert/strict";

export interface PaidOrder {
  id: string;
  number: number;
  status: string;
  total: number;
  email: string;
  currency: string;
  lines: Array<{ line_id: string; sku: string; quantity: number; total: number; variant_id: string }>;
}

async function json(res: Response, what: string): Promise<any> {
  const body = await res.json();
  assert.ok(res.ok, `${what}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

/** Two units of a 12.00 item and one of a 4.50 item (USD), paid with the test gateway's `token`. */
export async function paidOrder(baseUrl: string, adminToken: string, token = "tok_visa"): Promise<PaidOrder> {
  const unique = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`.toUpperCase();
  const admin = { "content-type": "application/json", authorization: `Bearer ${adminToken}` };
  const product = await json(
    await fetch(`${baseUrl}/admin/api/products`, {
      method: "POST",
      headers: admin,
      body: JSON.stringify({
        title: `E2E order ${unique}`,
        variants: [
          { sku: `E2E-BIG-${unique}`, title: "Big", prices: { USD: 1200 }, stock: 20, tax_class: "standard" },
          { sku: `E2E-SMALL-${unique}`, title: "Small", prices: { USD: 450 }, stock: 20, tax_class: "standard" },
        ],
      }),
    }),
    "create product",
  );
  const [big, small] = product.product.variants.map((v: { id: string }) => v.id);
  const email = `e2e-${unique.toLowerCase()}@example.com`;
  const post = async (p: string, body: unknown, auth?: string) =>
    json(
      await fetch(`${baseUrl}${p}`, {
        method: "POST",
        headers: { "content-type": "application/json", "idempotency-key": crypto.randomUUID(), ...(auth ? { authorization: `Bearer ${auth}` } : {}) },
        body: JSON.stringify(body),
      }),
      p,
    );
  const { cart, token: cartToken } = await post("/v1/carts", { currency: "USD", email });
  await post(`/v1/carts/${cart.id}/lines`, { variant_id: big, quantity: 2 }, cartToken);
  await post(`/v1/carts/${cart.id}/lines`, { variant_id: small, quantity: 1 }, cartToken);
  await post(`/v1/carts/${cart.id}/checkout`, {}, cartToken);
  const { order } = await post(`/v1/carts/${cart.id}/checkout/complete`, { payment: { method: "test", token } }, cartToken);
  assert.equal(order.status, "paid");
  return order;
}

/** GET of the admin API, as JSON. */
export async function adminGet(baseUrl: string, adminToken: string, path: string): Promise<any> {
  return json(await fetch(`${baseUrl}${path}`, { headers: { authorization: `Bearer ${adminToken}` } }), path);
}
