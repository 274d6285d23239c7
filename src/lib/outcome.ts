/** What an entry point answers, over RPC or from a domain call: the HTTP status, body and headers. */
export interface Outcome {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}
