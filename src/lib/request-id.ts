/**
 * Request ids: every answer carries `X-Request-Id`, every log line written while the
 * request is handled carries `request_id`, and a 5xx error envelope names it
 * (`error.request_id`), so "something went wrong" comes with something to quote.
 *
 * The id is the caller's own `X-Request-Id` when it is a plain token (a proxy or a
 * client tracing its calls), else Cloudflare's `CF-Ray` (what Cloudflare's dashboard
 * and support know the request by), else a fresh UUID.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { MiddlewareHandler } from "hono";

export const REQUEST_ID_HEADER = "X-Request-Id";

/** Letters, digits and . _ : - only, so an id can never forge a log field or a header. */
const PLAIN_TOKEN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

const current = new AsyncLocalStorage<string>();

export function requestIdOf(headers: Headers, newId: () => string = () => crypto.randomUUID()): string {
  for (const name of [REQUEST_ID_HEADER, "cf-ray"]) {
    const value = headers.get(name)?.trim();
    if (value && PLAIN_TOKEN.test(value)) return value;
  }
  return newId();
}

/** The id of the request being handled, for log lines (undefined outside a request). */
export function currentRequestId(): string | undefined {
  return current.getStore();
}

/**
 * Runs `work` as part of request `id`: for the cart object, which serves the request in
 * its own context (the id comes over RPC; anything but a plain token is ignored).
 */
export function withRequestId<T>(id: string | undefined, work: () => T): T {
  return id !== undefined && PLAIN_TOKEN.test(id) ? current.run(id, work) : work();
}

/** The first middleware: picks the id, runs the request with it, and stamps the answer. */
export const requestIdMiddleware: MiddlewareHandler = async (c, next) => {
  const id = requestIdOf(c.req.raw.headers);
  await current.run(id, next);
  if (c.res.status >= 500) c.res = await withRequestIdInEnvelope(c.res, id);
  try {
    c.res.headers.set(REQUEST_ID_HEADER, id);
  } catch {
    // A response with immutable headers (one passed through from a fetch): copy it.
    c.res = new Response(c.res.body, c.res);
    c.res.headers.set(REQUEST_ID_HEADER, id);
  }
};

/** A 5xx with the error envelope gets `error.request_id`; any other body is left as it is. */
async function withRequestIdInEnvelope(response: Response, id: string): Promise<Response> {
  if (!response.headers.get("content-type")?.includes("application/json")) return response;
  let body: unknown;
  try {
    body = await response.clone().json();
  } catch {
    return response;
  }
  const envelope = body as { error?: unknown } | null;
  const error = envelope?.error;
  if (typeof error !== "object" || error === null || Array.isArray(error)) return response;
  const headers = new Headers(response.headers);
  headers.delete("content-length");
  return new Response(JSON.stringify({ ...envelope, error: { ...error, request_id: id } }), {
    status: response.status,
    statusText: response.statusText,
    headers,
  });
}
