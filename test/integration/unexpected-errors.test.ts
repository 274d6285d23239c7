/**
 * The one error path: a bug answers 500 internal_error with its stack in the log and
 * nothing of it in the answer; the runtime's own interruptions keep 503 unavailable with
 * Retry-After (retrying is safe); refusals take their status from the error catalogue.
 */
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { CartLine } from "../../src/cart/cart-state";
import { createApp } from "../../src/app";
import { ERROR_CATALOGUE } from "../../src/lib/error-catalogue";
import { AppError } from "../../src/lib/errors";
import { call, createCart } from "../support/api";
import { inCartObject } from "../support/saga";

afterEach(() => vi.restoreAllMocks());

function loggedErrors(spy: { mock: { calls: unknown[][] } }): Array<Record<string, unknown>> {
  return spy.mock.calls.map((args) => JSON.parse(String(args[0])) as Record<string, unknown>);
}

describe("an exception that is not a refusal", () => {
  it("from the cart object (corrupted state) is 500 internal_error, its stack logged and never sent", async () => {
    const cart = await createCart();
    // A state no code path writes: reading the cart throws a TypeError inside the object.
    await inCartObject(cart, (obj) => obj.saveCart({ ...obj.cart(), lines: null as unknown as CartLine[] }));
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});

    const res = await call("GET", `/v1/carts/${cart.id}`, { headers: cart.auth });

    expect(res.status).toBe(500);
    // The request id is the one thing to quote: the same in the header, the body and the log.
    const requestId = res.headers.get("x-request-id");
    expect(requestId).toBeTruthy();
    expect(res.body).toEqual({ error: { code: "internal_error", message: ERROR_CATALOGUE.internal_error.message, request_id: requestId } });
    expect(res.headers.get("retry-after")).toBeNull();
    expect(JSON.stringify(res.body)).not.toMatch(/TypeError|lines|at /);
    const line = loggedErrors(logged).find((l) => l.event === "http.unhandled_error");
    expect(line).toMatchObject({ level: "error", method: "GET", path: `/v1/carts/${cart.id}`, error_name: "TypeError", request_id: requestId });
    expect(String(line!.stack)).toContain("TypeError");
  });

  it("from a route is 500 internal_error too", async () => {
    const app = createApp();
    app.get("/v1/test-bug", () => {
      throw new RangeError("index out of range");
    });
    vi.spyOn(console, "error").mockImplementation(() => {});
    const res = await app.request("/v1/test-bug", {}, env);
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({
      error: { code: "internal_error", message: ERROR_CATALOGUE.internal_error.message, request_id: res.headers.get("x-request-id") },
    });
  });
});

describe("the runtime's own interruption", () => {
  it.each([["retryable"], ["overloaded"]])("an error marked %s keeps 503 unavailable with Retry-After", async (flag) => {
    const app = createApp();
    app.get("/v1/test-interrupted", () => {
      throw Object.assign(new Error("Durable Object reset because its code was updated."), { [flag]: true, remote: true });
    });
    const res = await app.request("/v1/test-interrupted", {}, env);
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("1");
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("unavailable");
  });
});

describe("the error catalogue", () => {
  it("gives every AppError its status and default message", () => {
    const error = new AppError("cart_locked");
    expect(error.status).toBe(423);
    expect(error.toBody()).toEqual({ error: { code: "cart_locked", message: ERROR_CATALOGUE.cart_locked.message } });
    expect(new AppError("purchase_limit", "Limit reached.", { variant_id: "var_1", limit: 1, already: 1 }).toOutcome()).toEqual({
      status: 409,
      body: { error: { code: "purchase_limit", message: "Limit reached.", details: { variant_id: "var_1", limit: 1, already: 1 } } },
    });
    // @ts-expect-error: a code outside the catalogue does not compile.
    expect(() => new AppError("unknown_code")).toThrow();
  });

  it("answers a refusal through the Worker with the catalogue's status", async () => {
    const res = await call("GET", "/v1/carts/cart_nope", { headers: { authorization: "Bearer nope" } });
    expect(res.status).toBe(ERROR_CATALOGUE.not_found.status);
    expect(res.body.error.code).toBe("not_found");
  });
});
