/**
 * The harness's HTTP client: JSON in and out, a timeout per request, and counters the
 * report prints. A request that gets no answer (server killed, connection refused,
 * client-side timeout) throws NoAnswer: the caller decides whether to retry.
 */

import { withDeadline } from "../src/lib/with-deadline.ts";

export interface Reply {
  status: number;
  body: any;
  headers: Headers;
}

export class NoAnswer extends Error {
  constructor(
    readonly reason: "timeout" | "connection",
    message: string,
  ) {
    super(message);
  }
}

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export interface HttpStats {
  requests: number;
  noAnswer: { timeout: number; connection: number };
  byStatus: Record<string, number>;
  /** Every 500: an unhandled error in the Worker is a defect, whatever else happened. */
  internalErrors: Array<{ method: string; path: string; body: unknown }>;
}

export const DEFAULT_TIMEOUT_MS = 15_000;

/** One request the harness is waiting on, for the stall report. */
export interface InFlight {
  method: string;
  path: string;
  since: number;
}

export class HttpClient {
  readonly stats: HttpStats = { requests: 0, noAnswer: { timeout: 0, connection: 0 }, byStatus: {}, internalErrors: [] };
  readonly inFlight = new Set<InFlight>();

  constructor(readonly baseUrl: string) {}

  async send(method: string, path: string, options: RequestOptions = {}): Promise<Reply> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.body !== undefined) headers["content-type"] = "application/json";
    this.stats.requests++;
    const entry: InFlight = { method, path, since: Date.now() };
    this.inFlight.add(entry);
    let response: Response;
    let text: string;
    try {
      [response, text] = await withDeadline(options.timeoutMs ?? DEFAULT_TIMEOUT_MS, `${method} ${path}`, async (signal) => {
        const res = await fetch(this.baseUrl + path, {
          method,
          headers,
          body: options.body === undefined ? undefined : JSON.stringify(options.body),
          signal,
        });
        return [res, await res.text()] as const;
      });
    } catch (error) {
      const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
      this.stats.noAnswer[timedOut ? "timeout" : "connection"]++;
      throw new NoAnswer(
        timedOut ? "timeout" : "connection",
        `${method} ${path}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
      );
    } finally {
      this.inFlight.delete(entry);
    }
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // Not JSON (e.g. a proxy's error page): kept as text for the evidence.
    }
    const key = String(response.status);
    this.stats.byStatus[key] = (this.stats.byStatus[key] ?? 0) + 1;
    if (response.status === 500) this.stats.internalErrors.push({ method, path, body });
    return { status: response.status, body, headers: response.headers };
  }

  /** The requests waited on for longer than `ms`, oldest first. */
  stalled(ms: number): string[] {
    const now = Date.now();
    return [...this.inFlight].filter((r) => now - r.since > ms).map((r) => `${r.method} ${r.path} (${((now - r.since) / 1_000).toFixed(0)} s)`);
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The docs/contract.md error code of a reply, if it is an error envelope. */
export function errorCode(reply: Reply): string | null {
  return typeof reply.body === "object" && reply.body !== null && typeof reply.body.error?.code === "string" ? reply.body.error.code : null;
}
