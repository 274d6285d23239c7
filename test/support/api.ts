/**
 * A small client for integration tests: it calls the Worker through its real fetch
 * handler (routing, validation, auth, the cart object, D1) and builds its own catalog
 * through the admin API, as a black-box client would. Every JSON answer is checked
 * against the route's declared response (./contract.ts): drift fails the test.
 */
import { runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { probeOf } from "../../src/cart/saga/probe";
import type { CheckoutPhase } from "../../src/checkout/state-machine";
import { assertDeclared } from "./contract";

export const ADMIN = { authorization: `Bearer ${env.ADMIN_TOKEN}` };

export interface Res<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/**
 * The runtime's clock moves only when I/O completes, and a call into the Worker from a
 * test is no I/O: in a runtime that has run many files, a request (and the checkout it
 * starts, dated from it) could see a time long gone. A timer is I/O: it brings the clock
 * to now before each request.
 */
export const freshClock = () => scheduler.wait(0);

export async function call<T = any>(
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string>; raw?: BodyInit } = {},
): Promise<Res<T>> {
  const { [FAULT_OPTION]: faultPhase, ...headers }: Record<string, string> = { ...options.headers };
  if (faultPhase) await armFault(path, faultPhase as CheckoutPhase);
  let body: BodyInit | undefined = options.raw;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers["content-type"] ??= "application/json";
  }
  await freshClock();
  const response = await exports.default.fetch(new Request(`https://checkout.test${path}`, { method, headers, body }));
  const text = await response.text();
  let parsed: any = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // Non-JSON bodies (HTML pages) are returned as text.
  }
  const res = { status: response.status, body: parsed, headers: response.headers };
  assertDeclared(method, path, res);
  return res;
}

let skuCounter = 0;
export const uniqueSku = (prefix = "SKU") => `${prefix}-${Date.now().toString(36)}-${(skuCounter++).toString(36)}-${Math.random().toString(36).slice(2, 6)}`;

export interface VariantSpec {
  prices?: Record<string, number>;
  stock?: number;
  tax_class?: string;
  title?: string;
}

/** Creates a product with one variant per spec; returns the variant ids in order. */
export async function createProduct(specs: VariantSpec[] = [{}], title = "Test product"): Promise<string[]> {
  const res = await call("POST", "/admin/api/products", {
    headers: ADMIN,
    body: {
      title,
      variants: specs.map((s) => ({
        sku: uniqueSku(),
        title: s.title ?? "Default",
        prices: s.prices ?? { USD: 1000 },
        stock: s.stock ?? 10,
        tax_class: s.tax_class ?? "standard",
      })),
    },
  });
  if (res.status !== 201) throw new Error(`createProduct: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.product.variants.map((v: { id: string }) => v.id);
}

export async function createVariant(spec: VariantSpec = {}): Promise<string> {
  return (await createProduct([spec]))[0]!;
}

export interface TestCart {
  id: string;
  token: string;
  auth: Record<string, string>;
}

export async function createCart(body: Record<string, unknown> = { currency: "USD" }, headers: Record<string, string> = {}): Promise<TestCart> {
  const res = await call("POST", "/v1/carts", { body, headers });
  if (res.status !== 201) throw new Error(`createCart: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.cart.id, token: res.body.token, auth: { authorization: `Bearer ${res.body.token}` } };
}

export async function addLine(cart: TestCart, variantId: string, quantity = 1): Promise<Res> {
  return call("POST", `/v1/carts/${cart.id}/lines`, { headers: cart.auth, body: { variant_id: variantId, quantity } });
}

/** A cart holding the given lines, ready for checkout. */
export async function cartWith(lines: Array<[string, number]>, body: Record<string, unknown> = { currency: "USD" }): Promise<TestCart> {
  const cart = await createCart(body);
  for (const [variantId, quantity] of lines) {
    const res = await addLine(cart, variantId, quantity);
    if (res.status !== 200) throw new Error(`addLine: ${res.status} ${JSON.stringify(res.body)}`);
  }
  return cart;
}

export function startCheckout(cart: TestCart, body: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  return call("POST", `/v1/carts/${cart.id}/checkout`, { headers: { ...cart.auth, ...headers }, body });
}

export function completeCheckout(cart: TestCart, token = "tok_visa", headers: Record<string, string> = {}, extra: Record<string, unknown> = {}) {
  return call("POST", `/v1/carts/${cart.id}/checkout/complete`, {
    headers: { ...cart.auth, ...headers },
    body: { payment: { method: "test", token }, ...extra },
  });
}

export function cancelCheckout(cart: TestCart) {
  return call("POST", `/v1/carts/${cart.id}/checkout/cancel`, { headers: cart.auth });
}

export async function getCart(cart: TestCart) {
  return (await call("GET", `/v1/carts/${cart.id}`, { headers: cart.auth })).body.cart;
}

export async function stockOf(variantId: string): Promise<{ on_hand: number; reserved: number; available: number }> {
  const res = await call("GET", `/admin/api/variants/${variantId}/stock`, { headers: ADMIN });
  if (res.status !== 200) throw new Error(`stockOf: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/**
 * A fault injected into one saga phase of the request it is passed to (with the request's
 * headers): `call` arms it on the cart object's probe before sending, and the next saga
 * step to reach that phase fails there. It never reaches the Worker as a header.
 */
export const fault = (phase: string) => ({ [FAULT_OPTION]: phase });

const FAULT_OPTION = "x-test-fault";

async function armFault(path: string, phase: CheckoutPhase): Promise<void> {
  const cartId = /^\/v1\/carts\/([^/?]+)/.exec(path)?.[1];
  if (!cartId) throw new Error(`A fault needs a cart's path, not ${path}`);
  await runInDurableObject(env.CART.getByName(cartId), (obj) => probeOf(obj).armFault(phase));
}
