/**
 * Starts the real Worker locally (`wrangler dev`, workerd with local D1, Durable
 * Objects, Queues and Cron) on a free loopback port, with its state persisted to a
 * folder, migrated and optionally seeded. Used by `npm start`, the benchmark, the chaos
 * harness and the browser tests, so they all run the same system.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, existsSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { withDeadline } from "../src/lib/with-deadline.ts";

export const ROOT = path.resolve(import.meta.dirname, "..");
const WRANGLER = path.join(ROOT, "node_modules", ".bin", "wrangler");

export interface LocalServerOptions {
  /** Folder for local state; a new temporary folder when omitted. */
  persistTo?: string;
  port?: number;
  /** Extra `[vars]` for this run (e.g. a short TTL or no rate limit). */
  vars?: Record<string, string>;
  seed?: boolean;
  /** Print the server's output (npm start) instead of keeping it quiet. */
  inheritOutput?: boolean;
  testScheduled?: boolean;
  /**
   * Serve this already-built bundle (from `wrangler deploy --dry-run --outdir`) instead of
   * src/: it runs exactly what would deploy, and edits to src/ cannot restart it mid-run.
   */
  script?: string;
  /** The wrangler config to use with `script` (default: the project's wrangler.toml). */
  config?: string;
}

export interface LocalServer {
  url: string;
  port: number;
  persistTo: string;
  adminToken: string;
  /** The devtools (Chrome DevTools Protocol) port of the running Worker, for profiling. */
  inspectorPort(): number;
  /** Kills the whole process tree at once (SIGKILL), as a crash would. */
  kill(): Promise<void>;
  /** Starts again on the same state and port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
  output(): string;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

function wrangler(args: string[], env: NodeJS.ProcessEnv): void {
  const result = spawnSync(WRANGLER, args, { cwd: ROOT, env, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`wrangler ${args.join(" ")} failed:\n${result.stdout}\n${result.stderr}`);
}

export function baseEnv(): NodeJS.ProcessEnv {
  return { ...process.env, WRANGLER_SEND_METRICS: "false", CI: process.env.CI ?? "true", NO_COLOR: "1" };
}

/** Applies the migrations (and the demo catalog) to the local D1 in `persistTo`. */
export function prepareState(persistTo: string, seed: boolean): void {
  const env = baseEnv();
  wrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo], env);
  if (seed) wrangler(["d1", "execute", "DB", "--local", "--persist-to", persistTo, "--file", path.join(ROOT, "seed", "demo-catalog.sql")], env);
}

/** A process killed by a signal has no exit code, only a signal code. */
const hasExited = (proc: ChildProcess) => proc.exitCode !== null || proc.signalCode !== null;

export const LOCAL_ADMIN_TOKEN = "local-admin-token";

export async function startLocalServer(options: LocalServerOptions = {}): Promise<LocalServer> {
  const persistTo = options.persistTo ?? mkdtempSync(path.join(tmpdir(), "edge-checkout-"));
  const port = options.port ?? (await freePort());
  if (!existsSync(path.join(persistTo, "v3", "d1")) || options.seed) prepareState(persistTo, options.seed ?? false);
  const vars: Record<string, string> = { ADMIN_TOKEN: LOCAL_ADMIN_TOKEN, QUOTE_SIGNING_SECRET: "local-quote-secret", ...options.vars };
  const bundle = options.script ? [options.script, "--no-bundle", "--config", options.config ?? path.join(ROOT, "wrangler.toml")] : [];
  const args = [
    "dev",
    ...bundle,
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--persist-to",
    persistTo,
    "--show-interactive-dev-session=false",
    "--log-level",
    "warn",
  ];
  if (options.testScheduled ?? true) args.push("--test-scheduled");
  for (const [key, value] of Object.entries(vars)) args.push("--var", `${key}:${value}`);
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess | null = null;
  let log = "";
  let inspectorPort = 0;

  const launch = async () => {
    // Its own devtools port too: the default (9229) is taken by any other wrangler dev running.
    inspectorPort = await freePort();
    const inspector = ["--inspector-port", String(inspectorPort)];
    child = spawn(WRANGLER, [...args, ...inspector], {
      cwd: ROOT,
      env: baseEnv(),
      detached: true,
      stdio: options.inheritOutput ? "inherit" : ["ignore", "pipe", "pipe"],
    });
    child.stdout?.on("data", (d) => (log = (log + d).slice(-200_000)));
    child.stderr?.on("data", (d) => (log = (log + d).slice(-200_000)));
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (hasExited(child)) throw new Error(`wrangler dev exited with ${child.exitCode ?? child.signalCode}:\n${log}`);
      try {
        const status = await withDeadline(2_000, "the health check", async (signal) => (await fetch(`${url}/health/checkout`, { signal })).status);
        if (status === 200 || status === 503) return;
      } catch {
        // Not listening yet.
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`wrangler dev did not answer on ${url} within 60 s:\n${log}`);
  };

  const killTree = async (signal: NodeJS.Signals) => {
    const proc = child;
    if (!proc || hasExited(proc) || proc.pid === undefined) return;
    const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
    try {
      process.kill(-proc.pid, signal);
    } catch {
      // Already gone.
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
  };

  await launch();
  return {
    url,
    port,
    persistTo,
    adminToken: vars.ADMIN_TOKEN!,
    inspectorPort: () => inspectorPort,
    kill: () => killTree("SIGKILL"),
    restart: async () => {
      await killTree("SIGKILL");
      await launch();
    },
    stop: () => killTree("SIGTERM"),
    output: () => log,
  };
}
