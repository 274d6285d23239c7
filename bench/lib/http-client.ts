/**
 * The benchmark's HTTP client: node:http over keep-alive connections (one per virtual
 * user, as a browser or a storefront server holds one), JSON in and out, every status
 * tallied so a scenario can prove it saw no 5xx and no dropped connection.
 */
import http from "node:http";
import { performance } from "node:perf_hooks";

export interface HttpResult<T = any> {
  status: number;
  body: T;
  /** Time from sending the request to the last byte of the answer. */
  ms: number;
}

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
}

export class BenchClient {
  readonly #agent: http.Agent;
  readonly #url: URL;
  /** Answers by status code. */
  readonly statuses = new Map<number, number>();
  /** Requests that never got an answer (refused, reset, timed out). */
  networkErrors = 0;
  requests = 0;

  constructor(baseUrl: string, connections: number) {
    this.#url = new URL(baseUrl);
    this.#agent = new http.Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
  }

  get serverErrors(): number {
    let n = 0;
    for (const [status, count] of this.statuses) if (status >= 500) n += count;
    return n;
  }

  request<T = any>(method: string, path: string, options: RequestOptions = {}): Promise<HttpResult<T>> {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers: Record<string, string> = { accept: "application/json", ...options.headers };
    if (payload !== undefined) {
      headers["content-type"] = "application/json";
      headers["content-length"] = String(Buffer.byteLength(payload));
    }
    this.requests++;
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const req = http.request(
        { host: this.#url.hostname, port: this.#url.port, path, method, headers, agent: this.#agent, timeout: 60_000 },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () => {
            const ms = performance.now() - started;
            const status = res.statusCode ?? 0;
            this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
            const text = Buffer.concat(chunks).toString("utf8");
            let body: any = text;
            try {
              body = text ? JSON.parse(text) : null;
            } catch {
              // Not JSON: keep the text for the error message.
            }
            resolve({ status, body, ms });
          });
          res.on("error", fail);
        },
      );
      function fail(error: Error) {
        reject(error);
      }
      req.on("timeout", () => req.destroy(new Error(`${method} ${path} timed out`)));
      req.on("error", (error) => {
        this.networkErrors++;
        fail(error);
      });
      req.end(payload);
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}
