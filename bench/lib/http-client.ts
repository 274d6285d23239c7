/**
 * The benchmark's HTTP client: node:http over keep-alive connections (one per virtual
 * user, as a browser or a storefront server holds one), JSON in and out, every status
 * tallied so a scenario can prove it saw no 5xx and no dropped connection.
 *
 * Like the project's typed client, a POST carrying an Idempotency-Key is retried when it
 * got no answer from the Worker: wrangler dev's proxy answers a request whose connection
 * to the Worker dropped with a plain-text 503 ("Your worker restarted mid-request"), a
 * local-dev transport event, not an answer of the Worker. Those retries are counted and
 * reported (`devServerDrops`); a 503 on a request without a key stays a 5xx.
 */
import http from "node:http";
import { performance } from "node:perf_hooks";

const DEV_PROXY_DROP = "Your worker restarted mid-request";
const MAX_RETRIES = 3;

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
  /** Dropped connections between wrangler's dev proxy and the Worker, retried with the same key. */
  devServerDrops = 0;
  /** `409 request_in_progress` answers to such a retry (the first attempt still ran), waited out. */
  inProgressWaits = 0;

  constructor(baseUrl: string, connections: number) {
    this.#url = new URL(baseUrl);
    this.#agent = new http.Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
  }

  get serverErrors(): number {
    let n = 0;
    for (const [status, count] of this.statuses) if (status >= 500) n += count;
    return n;
  }

  async request<T = any>(method: string, path: string, options: RequestOptions = {}): Promise<HttpResult<T>> {
    const retriable = options.headers?.["idempotency-key"] !== undefined;
    const started = performance.now();
    let result = await this.#send<T>(method, path, options, retriable);
    for (let retry = 0; retriable && retry < MAX_RETRIES * 4; retry++) {
      if (result.status === 503 && typeof result.body === "string" && result.body.startsWith(DEV_PROXY_DROP)) this.devServerDrops++;
      else if (retry > 0 && result.status === 409 && (result.body as any)?.error?.code === "request_in_progress") {
        this.inProgressWaits++;
        await new Promise((resolve) => setTimeout(resolve, 200));
      } else break;
      result = await this.#send<T>(method, path, options, retriable);
    }
    // Latency of the whole exchange, retries included: what the shopper waited.
    return { ...result, ms: performance.now() - started };
  }

  #send<T>(method: string, path: string, options: RequestOptions, retriable: boolean): Promise<HttpResult<T>> {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers: Record<string, string> = { accept: "application/json", ...options.headers };
    if (payload !== undefined) {
      headers["content-type"] = "application/json";
      headers["content-length"] = String(Buffer.byteLength(payload));
    }
    this.requests++;
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const req = http.request({ host: this.#url.hostname, port: this.#url.port, path, method, headers, agent: this.#agent, timeout: 60_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const ms = performance.now() - started;
          const status = res.statusCode ?? 0;
          const text = Buffer.concat(chunks).toString("utf8");
          // A retried dev-proxy drop is not an answer of the Worker: counted apart.
          if (!(retriable && status === 503 && text.startsWith(DEV_PROXY_DROP))) this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
          let body: any = text;
          try {
            body = text ? JSON.parse(text) : null;
          } catch {
            // Not JSON: keep the text for the error message.
          }
          resolve({ status, body, ms });
        });
        res.on("error", fail);
      });
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
