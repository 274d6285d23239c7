/**
 * What the scenarios do to the store, as a storefront and an admin would: the admin
 * API builds the catalog, the storefront API runs carts and checkouts. Every call
 * checks its status, so a benchmark never counts an error as speed. Every storefront
 * POST carries its own Idempotency-Key, as the project's typed client sends them.
 */
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import type { BenchClient, HttpResult } from "./http-client.ts";

export interface Shopper {
  cartId: string;
  auth: Record<string, string>;
}

export class UnexpectedResponse extends Error {
  constructor(
    what: string,
    readonly result: HttpResult,
  ) {
    super(`${what}: HTTP ${result.status} ${JSON.stringify(result.body).slice(0, 400)}`);
  }
}

export function expectStatus(what: string, result: HttpResult, ...statuses: number[]): HttpResult {
  if (!statuses.includes(result.status)) throw new UnexpectedResponse(what, result);
  return result;
}

/** A fresh Idempotency-Key: one logical operation, reused only by its own retries. */
const once = () => ({ "idempotency-key": randomUUID() });

let skuCounter = 0;

/** One product with a variant per stock figure; returns the variant ids in order. */
export async function createVariants(client: BenchClient, adminToken: string, stocks: number[], title = "Bench product"): Promise<string[]> {
  const run = `${Date.now().toString(36)}-${(skuCounter++).toString(36)}`;
  const res = await client.request("POST", "/admin/api/products", {
    headers: { authorization: `Bearer ${adminToken}` },
    body: {
      title,
      variants: stocks.map((stock, i) => ({ sku: `BENCH-${run}-${i}`, title: `Size ${i}`, prices: { USD: 1000 + i }, stock, tax_class: "standard" })),
    },
  });
  expectStatus("create product", res, 201);
  return res.body.product.variants.map((v: { id: string }) => v.id);
}

export async function readStock(client: BenchClient, adminToken: string, variantId: string): Promise<{ on_hand: number; reserved: number; available: number }> {
  const res = await client.request("GET", `/admin/api/variants/${variantId}/stock`, { headers: { authorization: `Bearer ${adminToken}` } });
  return expectStatus("read stock", res, 200).body;
}

export async function createCart(client: BenchClient): Promise<{ shopper: Shopper; result: HttpResult }> {
  const create = () => client.request("POST", "/v1/carts", { headers: once(), body: { currency: "USD", country: "US", email: "bench@example.com" } });
  let answer = await create();
  // A create whose answer was lost and retried under its key is answered 409 cart_exists,
  // never with the token (the cart made is left to lapse): like the typed client, start
  // again under a new key.
  for (let attempt = 1; attempt < 3 && answer.status === 409 && answer.body?.error?.code === "cart_exists"; attempt++) answer = await create();
  const result = expectStatus("create cart", answer, 201);
  return { shopper: { cartId: result.body.cart.id, auth: { authorization: `Bearer ${result.body.token}` } }, result };
}

export async function addLine(client: BenchClient, shopper: Shopper, variantId: string, quantity = 1): Promise<HttpResult> {
  return expectStatus(
    "add line",
    await client.request("POST", `/v1/carts/${shopper.cartId}/lines`, { headers: { ...shopper.auth, ...once() }, body: { variant_id: variantId, quantity } }),
    200,
  );
}

export async function readCart(client: BenchClient, shopper: Shopper): Promise<HttpResult> {
  return expectStatus("read cart", await client.request("GET", `/v1/carts/${shopper.cartId}`, { headers: shopper.auth }), 200);
}

/** Start checkout; `allowed` lists the statuses the scenario expects besides 201. */
export async function startCheckout(client: BenchClient, shopper: Shopper, ...allowed: number[]): Promise<HttpResult> {
  return expectStatus(
    "start checkout",
    await client.request("POST", `/v1/carts/${shopper.cartId}/checkout`, { headers: { ...shopper.auth, ...once() }, body: {} }),
    201,
    ...allowed,
  );
}

export async function completeCheckout(client: BenchClient, shopper: Shopper): Promise<HttpResult> {
  return expectStatus(
    "complete checkout",
    await client.request("POST", `/v1/carts/${shopper.cartId}/checkout/complete`, {
      headers: { ...shopper.auth, ...once() },
      body: { payment: { method: "test", token: "tok_visa" } },
    }),
    201,
  );
}

/** A shopper with a cart of `lines` (variant, quantity), ready for checkout. */
export async function shopperWith(client: BenchClient, lines: Array<[string, number]>): Promise<Shopper> {
  const { shopper } = await createCart(client);
  for (const [variantId, quantity] of lines) await addLine(client, shopper, variantId, quantity);
  return shopper;
}

/**
 * A drop's shopper: create a cart, add the line, start checkout and complete it (a
 * refused start is followed by the complete all the same, as an impatient storefront
 * would send). An order, a refusal for want of stock, or an error for anything else.
 */
export async function dropShopper(client: BenchClient, variantId: string): Promise<"order" | "refused"> {
  const { shopper } = await createCart(client);
  await addLine(client, shopper, variantId);
  await startCheckout(client, shopper, 409);
  const paid = expectStatus(
    "complete checkout",
    await client.request("POST", `/v1/carts/${shopper.cartId}/checkout/complete`, {
      headers: { ...shopper.auth, ...once() },
      body: { payment: { method: "test", token: "tok_visa" } },
    }),
    201,
    409,
  );
  if (paid.status === 201) return "order";
  if (paid.body?.error?.code !== "insufficient_stock") throw new Error(`409 ${paid.body?.error?.code}`);
  return "refused";
}

export const now = () => performance.now();
