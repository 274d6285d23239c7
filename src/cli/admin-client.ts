/**
 * The admin API as the CLI calls it: Bearer token, JSON, a timeout, and errors turned
 * into sentences an operator can act on (wrong URL, wrong token, server down).
 */

import { withDeadline } from "../lib/with-deadline.ts";

export const REQUEST_TIMEOUT_MS = 15_000;

/** A failure to talk to the admin API at all (network, auth, not our server, 5xx). */
export class ConnectionError extends Error {}

/** The API answered with its error envelope (e.g. 404 not_found, 409 checkout_not_active). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> | undefined,
  ) {
    super(message);
  }
}

export interface AdminClient {
  get<T>(path: string): Promise<T>;
  /** With `body`, sent as JSON; `headers` e.g. an Idempotency-Key. */
  post<T>(path: string, body?: unknown, headers?: Record<string, string>): Promise<T>;
  put<T>(path: string, body: unknown): Promise<T>;
}

export function createAdminClient(baseUrl: string, token: string): AdminClient {
  let base: URL;
  try {
    base = new URL(baseUrl);
    if (base.protocol !== "http:" && base.protocol !== "https:") throw new Error("not http");
  } catch {
    throw new ConnectionError(`"${baseUrl}" is not an http(s) URL. Pass --url http://127.0.0.1:8787 (or set CHECKOUT_ADMIN_URL).`);
  }
  const request = async <T>(method: string, path: string, payload?: unknown, extraHeaders: Record<string, string> = {}): Promise<T> => {
    // A base with a path (a Worker mounted under a prefix) keeps it.
    const url = new URL(base.pathname.replace(/\/+$/, "") + path, base.origin);
    let response: Response;
    let text: string;
    try {
      // A plain timer bounds the whole exchange: Node's fetch can stay pending forever when the server dies under it.
      [response, text] = await withDeadline(REQUEST_TIMEOUT_MS, `${method} ${path}`, async (signal) => {
        const headers: Record<string, string> = {
          ...extraHeaders,
          authorization: `Bearer ${token}`,
          accept: "application/json",
          "user-agent": "checkout-admin",
        };
        if (payload !== undefined) headers["content-type"] = "application/json";
        const res = await fetch(url, { method, headers, body: payload === undefined ? undefined : JSON.stringify(payload), signal });
        return [res, await res.text()] as const;
      });
    } catch (error) {
      throw new ConnectionError(networkMessage(base, error));
    }
    const type = response.headers.get("content-type") ?? "";
    let body: unknown = null;
    if (type.includes("application/json")) {
      try {
        body = JSON.parse(text);
      } catch {
        body = null;
      }
    }
    if (body === null) {
      throw new ConnectionError(
        `${base.origin} answered ${response.status} with ${type || "no content type"}, not the Edge Checkout admin API. Check --url (or CHECKOUT_ADMIN_URL).`,
      );
    }
    if (response.ok) return body as T;
    const error = (body as { error?: unknown }).error as { code?: string; message?: string; details?: Record<string, unknown> } | undefined;
    if (response.status === 401)
      throw new ConnectionError(`The admin token was refused (401 ${error?.code ?? "unauthorized"}). Check --token (or CHECKOUT_ADMIN_TOKEN).`);
    if (response.status === 503 && error?.code === "admin_disabled")
      throw new ConnectionError("Admin is disabled on that server: it has no ADMIN_TOKEN configured.");
    // A payment gateway's failure is the server's answer about one action (nothing was done; retrying is safe), not an unreachable server.
    if (response.status >= 500 && error?.code !== "payment_gateway_error")
      throw new ConnectionError(`The server failed (${response.status} ${error?.code ?? ""}): ${error?.message ?? text.slice(0, 200)}`);
    // Our own app's answer for an unknown route: the URL points somewhere else than the Worker's root.
    if (response.status === 404 && error?.message === "No such route.")
      throw new ConnectionError(`${url.origin}${url.pathname} is not an admin API route. Check --url (or CHECKOUT_ADMIN_URL): it is the Worker's root.`);
    const issues = (error?.details?.issues as Array<{ path: string; message: string }> | undefined)
      ?.map((i) => `${i.path || "request"}: ${i.message}`)
      .join("; ");
    throw new ApiError(response.status, error?.code ?? "error", `${error?.message ?? `HTTP ${response.status}`}${issues ? ` ${issues}` : ""}`, error?.details);
  };
  return {
    get: (path) => request("GET", path),
    post: (path, body, headers) => request("POST", path, body, headers),
    put: (path, body) => request("PUT", path, body),
  };
}

function networkMessage(base: URL, error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  const code = cause?.code ?? (error as { name?: string })?.name;
  switch (code) {
    case "ECONNREFUSED":
      return `Cannot reach ${base.origin}: connection refused. Is the server running (npm start)? Check --url (or CHECKOUT_ADMIN_URL).`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `Cannot reach ${base.origin}: unknown host ${base.hostname}. Check --url (or CHECKOUT_ADMIN_URL).`;
    case "TimeoutError":
      return `${base.origin} did not answer within ${REQUEST_TIMEOUT_MS / 1000} s.`;
    default:
      return `Cannot reach ${base.origin}: ${cause?.message ?? (error as Error)?.message ?? String(error)}. Check --url (or CHECKOUT_ADMIN_URL).`;
  }
}
