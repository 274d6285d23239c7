/**
 * The admin API as the CLI's unit tests need it: answers by "METHOD /path?query", every
 * request recorded, served through a stubbed global fetch. No server, no Workers runtime.
 */
import { vi } from "vitest";
import { main, type MainIo } from "../../../src/cli/checkout-admin.ts";

export interface Recorded {
  method: string;
  path: string;
  body: unknown;
  headers: Record<string, string>;
}

type Answer = { status?: number; body: unknown; headers?: Record<string, string> };
type Route = Answer | ((request: Recorded) => Answer);

export function fakeAdminApi(routes: Record<string, Route>) {
  const requests: Recorded[] = [];
  vi.stubGlobal("fetch", async (input: URL | string, init: RequestInit = {}) => {
    const url = new URL(String(input));
    const recorded: Recorded = {
      method: init.method ?? "GET",
      path: url.pathname + url.search,
      body: typeof init.body === "string" ? JSON.parse(init.body) : undefined,
      headers: Object.fromEntries(Object.entries((init.headers ?? {}) as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v])),
    };
    requests.push(recorded);
    const route = routes[`${recorded.method} ${recorded.path}`];
    const answer =
      typeof route === "function" ? route(recorded) : (route ?? { status: 404, body: { error: { code: "not_found", message: "No such route." } } });
    return new Response(JSON.stringify(answer.body), { status: answer.status ?? 200, headers: { "content-type": "application/json", ...answer.headers } });
  });
  return requests;
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  progress: string[];
  questions: string[];
}

/**
 * Runs the CLI in-process. `answer`: what the operator types at a prompt (undefined: no
 * terminal). Money is written for LANG=en_US.UTF-8 unless `env` says otherwise.
 */
export async function runCli(argv: string[], answer?: boolean, env: Record<string, string> = {}): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const progress: string[] = [];
  const questions: string[] = [];
  const io: MainIo = {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    progress: (t) => progress.push(t ?? "(cleared)"),
    confirm:
      answer === undefined
        ? null
        : async (q) => {
            questions.push(q);
            return answer;
          },
  };
  const code = await main(argv, { CHECKOUT_ADMIN_URL: "http://admin.test", CHECKOUT_ADMIN_TOKEN: "tok", LANG: "en_US.UTF-8", ...env }, io, false);
  return { code, stdout: out.join("\n"), stderr: err.join("\n"), progress, questions };
}
