/**
 * Checks the package as its users get it (`npm test` runs this): builds it, packs it with
 * npm, unpacks the tarball into a scratch project's node_modules, and there
 * - runs `npx checkout-admin --version` and `--help` (plain Node: no tsx, no source);
 * - checks the CLI bundle holds no package and none of the server: its answers are typed
 *   from src/contract by type-only imports, which leave nothing in the JavaScript;
 * - imports `edge-checkout/client` from a plain Node ES module (no bundler) and calls it;
 * - type-checks a consumer against the built `.d.ts` with Node's ESM resolution and no
 *   other package in reach: an import of hono, drizzle or zod from the client's types
 *   would fail to resolve.
 *
 *   tsx scripts/check-package.ts
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { buildCliWithInputs, buildClient } from "./build-package.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { name: string; version: string };
const TSC = path.join(ROOT, "node_modules", "typescript", "bin", "tsc");

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
}

function fail(message: string): never {
  throw new Error(`package check: ${message}`);
}

const CONSUMER_TS = `import { CheckoutApiError, createCheckoutClient, DEFAULT_TIMEOUT_MS, isCartLocked, type Cart, type CheckoutClient } from "${pkg.name}/client";

const client: CheckoutClient = createCheckoutClient({ baseUrl: "https://checkout.example", timeoutMs: DEFAULT_TIMEOUT_MS });
export async function total(id: string, token: string): Promise<number> {
  const { cart }: { cart: Cart } = await client.cart({ id, token }).get();
  if (isCartLocked(cart.checkout)) return cart.total;
  return cart.lines.reduce((sum, line) => sum + line.total, 0);
}
export function quote(error: unknown): string | null {
  if (error instanceof CheckoutApiError && error.is("cart_locked")) return error.details.expires_at;
  return error instanceof CheckoutApiError ? error.requestId : null;
}
// @ts-expect-error a typo in a field is a type error: the types are the API's, not any
export const wrong = (cart: Cart) => cart.totl;
`;

const CONSUMER_RUN = `import { CheckoutApiError, createCheckoutClient } from "${pkg.name}/client";
const answers = [
  Response.json({ cart: { id: "cart_1" }, token: "t" }, { status: 201 }),
  Response.json({ error: { code: "internal_error", message: "Something went wrong on our side.", request_id: "req-1" } }, { status: 500, headers: { "x-request-id": "req-1" } }),
];
const client = createCheckoutClient({ baseUrl: "https://checkout.example", fetch: async () => answers.shift(), retry: { maxAttempts: 1 } });
const created = await client.createCart({ currency: "USD" });
const error = await client.cart({ id: "cart_1", token: "t" }).get().catch((e) => e);
if (created.token !== "t" || !(error instanceof CheckoutApiError) || error.requestId !== "req-1") throw new Error("the built client misbehaved");
console.log("client ok");
`;

async function main(): Promise<void> {
  const cli = await buildCliWithInputs();
  // What the CLI may run: its own modules, the client's money formatter, a timer helper and the package's version.
  const serverSide = cli.inputs.filter((f) => !/^(src\/cli\/|src\/client\/money-format\.ts$|src\/lib\/with-deadline\.ts$|package\.json$)/.test(f));
  if (serverSide.length) fail(`the CLI bundle carries code beyond the CLI: ${serverSide.join(", ")}`);
  await buildClient();
  const scratch = mkdtempSync(path.join(tmpdir(), "edge-checkout-package-"));
  try {
    // What npm would publish: the file list, then the tarball unpacked as an install would.
    const [packed] = JSON.parse(run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", scratch], ROOT)) as Array<{
      filename: string;
      files: Array<{ path: string }>;
    }>;
    const files = packed!.files.map((f) => f.path);
    for (const needed of [
      "bin/checkout-admin.mjs",
      "build/cli/checkout-admin.mjs",
      "build/client/index.js",
      "build/client/index.d.ts",
      "build/client/api-types.d.ts",
    ]) {
      if (!files.includes(needed)) fail(`the tarball lacks ${needed} (has ${files.join(", ")})`);
    }
    const stray = files.filter((f) => f.startsWith("src/") || f.startsWith("test/"));
    if (stray.length) fail(`the tarball ships sources: ${stray.slice(0, 5).join(", ")}`);

    const consumer = path.join(scratch, "consumer");
    const installed = path.join(consumer, "node_modules", pkg.name);
    mkdirSync(installed, { recursive: true });
    run("tar", ["-xzf", path.join(scratch, packed!.filename), "-C", installed, "--strip-components=1"], scratch);
    mkdirSync(path.join(consumer, "node_modules", ".bin"));
    symlinkSync(path.join("..", pkg.name, "bin", "checkout-admin.mjs"), path.join(consumer, "node_modules", ".bin", "checkout-admin"));
    writeFileSync(path.join(consumer, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));

    // The CLI, as `npx checkout-admin` runs it there.
    const version = run("npx", ["--no-install", "checkout-admin", "--version"], consumer).trim();
    if (version !== pkg.version) fail(`npx checkout-admin --version printed "${version}", not ${pkg.version}`);
    const help = run("npx", ["--no-install", "checkout-admin", "locks", "--help"], consumer);
    if (!help.startsWith("Usage: checkout-admin locks")) fail(`npx checkout-admin locks --help printed:\n${help}`);

    // The client's types: no import leaves the package, and a strict Node ESM consumer compiles.
    const declarations = readdirSync(path.join(installed, "build", "client")).filter((f) => f.endsWith(".d.ts"));
    for (const file of declarations) {
      const text = readFileSync(path.join(installed, "build", "client", file), "utf8").replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, ""); // not the comments' examples
      const outside = [...text.matchAll(/(?:from|import)\s*\(?\s*["']([^"']+)["']/g)].map((m) => m[1]!).filter((s) => !s.startsWith("./"));
      if (outside.length) fail(`build/client/${file} imports ${outside.join(", ")}`);
    }
    writeFileSync(path.join(consumer, "consumer.ts"), CONSUMER_TS);
    writeFileSync(
      path.join(consumer, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          lib: ["ES2022", "DOM"],
          types: [],
          strict: true,
          noEmit: true,
          skipLibCheck: false,
        },
        files: ["consumer.ts"],
      }),
    );
    try {
      run(process.execPath, [TSC, "-p", consumer], consumer);
    } catch (error) {
      fail(`a consumer does not type-check against the built client:\n${(error as { stdout?: string }).stdout ?? error}`);
    }

    // The client's JavaScript from plain Node, without a bundler.
    writeFileSync(path.join(consumer, "run.mjs"), CONSUMER_RUN);
    if (run(process.execPath, ["run.mjs"], consumer).trim() !== "client ok") fail("the built client did not run");
    console.log(
      `package ok: ${files.length} files; npx checkout-admin ${version}; edge-checkout/client imports and type-checks (NodeNext, no server dependencies)`,
    );
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
