/**
 * The end-to-end runner (`npm run test:e2e`): the real Worker under `wrangler dev`
 * (scripts/local-server.ts, seeded demo catalog) driven by a real headless Chromium.
 *
 * Contract for test modules — every `test/e2e/*.e2e.ts` file:
 *
 *   import type { E2eContext } from "./run.ts";
 *   export default async function (ctx: E2eContext): Promise<void> { ... }
 *
 * The function throws (e.g. `node:assert/strict`) to fail. `ctx.browser` is shared:
 * open your own `browser.newContext()` and close it. Write screenshots to
 * `ctx.screenshotDir` (e2e-artifacts/, gitignored). All modules share one server and
 * its state, so create your own carts and products rather than counting globals.
 *
 * Usage: npm run test:e2e [-- name-filter]. Chromium comes from Debian
 * (/usr/bin/chromium); when it is missing the runner installs it with apt-get (as root).
 * The last line printed is "N passed, N failed"; the exit code is non-zero on failure.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type Browser } from "playwright-core";
import { ROOT, startLocalServer, type LocalServer } from "../../scripts/local-server.ts";
import { withDeadline } from "../../src/lib/with-deadline.ts";

export interface E2eContext {
  /** The Worker's origin, e.g. http://127.0.0.1:41234 (no trailing slash). */
  baseUrl: string;
  /** ADMIN_TOKEN of this server. */
  adminToken: string;
  browser: Browser;
  /** Where to write screenshots (exists). */
  screenshotDir: string;
}

export const CHROMIUM_PATH = "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const MODULE_TIMEOUT_MS = 180_000;
const E2E_DIR = path.join(ROOT, "test", "e2e");
const SCREENSHOT_DIR = path.join(ROOT, "e2e-artifacts");

function ensureChromium(): void {
  if (existsSync(CHROMIUM_PATH)) return;
  if (process.getuid?.() !== 0) throw new Error(`${CHROMIUM_PATH} is missing; install it with: sudo apt-get update && sudo apt-get install -y chromium`);
  console.log("Installing chromium with apt-get (Debian package)...");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  for (const args of [["update"], ["install", "-y", "chromium"]]) {
    const result = spawnSync("apt-get", args, { stdio: "inherit", env });
    if (result.status !== 0) throw new Error(`apt-get ${args.join(" ")} failed with ${result.status}`);
  }
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`apt-get installed chromium, but ${CHROMIUM_PATH} is still missing`);
}

function testModules(filter: string | undefined): string[] {
  return readdirSync(E2E_DIR)
    .filter((f) => f.endsWith(".e2e.ts") && (!filter || f.includes(filter)))
    .sort()
    .map((f) => path.join(E2E_DIR, f));
}

async function main(): Promise<number> {
  const filter = process.argv[2];
  const modules = testModules(filter);
  if (modules.length === 0) {
    console.log(`No test/e2e/*.e2e.ts module matches ${filter ?? "(all)"}.`);
    console.log("0 passed, 0 failed");
    return 1;
  }
  ensureChromium();
  mkdirSync(SCREENSHOT_DIR, { recursive: true });

  let server: LocalServer | null = null;
  let browser: Browser | null = null;
  const stop = async () => {
    await browser?.close().catch(() => undefined);
    await server?.stop().catch(() => undefined);
    await server?.kill().catch(() => undefined);
  };
  process.once("SIGINT", () => void stop().then(() => process.exit(130)));
  process.once("SIGTERM", () => void stop().then(() => process.exit(143)));

  let passed = 0;
  let failed = 0;
  try {
    console.log("Starting the Worker (wrangler dev, seeded demo catalog)...");
    server = await startLocalServer({ seed: true });
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
    const ctx: E2eContext = { baseUrl: server.url, adminToken: server.adminToken, browser, screenshotDir: SCREENSHOT_DIR };
    console.log(`Server ${server.url}, Chromium ${browser.version()}, screenshots in ${path.relative(ROOT, SCREENSHOT_DIR)}/\n`);

    for (const file of modules) {
      const name = path.basename(file, ".e2e.ts");
      const started = Date.now();
      try {
        const mod = (await import(pathToFileURL(file).href)) as { default?: (ctx: E2eContext) => Promise<void> };
        const run = mod.default;
        if (typeof run !== "function") throw new Error("the module has no default export function (see the contract in test/e2e/run.ts)");
        await withDeadline(MODULE_TIMEOUT_MS, name, () => run(ctx));
        passed++;
        console.log(`✓ ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      } catch (error) {
        failed++;
        console.log(
          `✗ ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)\n  ${error instanceof Error ? (error.stack ?? error.message).replace(/\n/g, "\n  ") : String(error)}`,
        );
      }
    }
    if (failed > 0) console.log(`\nLast server output:\n${server.output().slice(-4_000)}`);
  } catch (error) {
    failed++;
    console.log(`✗ setup: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await stop();
  }
  console.log(`\n${passed} passed, ${failed} failed`);
  return failed > 0 ? 1 : 0;
}

// Only when run (npm run test:e2e), not when a module imports the E2eContext type.
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  process.exitCode = await main();
}
