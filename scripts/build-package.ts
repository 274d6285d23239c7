/**
 * Builds what the package ships, into build/ (gitignored):
 * - build/cli/checkout-admin.mjs: the CLI as one plain JavaScript file, so
 *   `npx checkout-admin` runs from an installed package on Node alone (no tsx);
 * - build/client/: `edge-checkout/client`, one ES module (index.js) and its `.d.ts`
 *   files, importable without a bundler and typed without the server's dependencies.
 * Runs at `npm pack` / install time (package.json `prepare`) and in `npm test`
 * (scripts/check-package.ts checks the result as a consumer would use it).
 *
 *   tsx scripts/build-package.ts
 */
import { build } from "esbuild";
import { rmSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { emitClientDeclarations } from "./client-declarations.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
export const BUILD_DIR = path.join(ROOT, "build");
export const BUILT_CLI = path.join(BUILD_DIR, "cli", "checkout-admin.mjs");
export const BUILT_CLIENT_DIR = path.join(BUILD_DIR, "client");

/** The CLI and everything it imports in one ES module for Node (only node: built-ins stay imports). */
export async function buildCli(): Promise<string> {
  return (await buildCliWithInputs()).file;
}

/** `buildCli`, and the files the bundle was made of (relative to the root), for scripts/check-package.ts. */
export async function buildCliWithInputs(): Promise<{ file: string; inputs: string[] }> {
  const result = await build({
    entryPoints: [path.join(ROOT, "src", "cli", "bin.ts")],
    outfile: BUILT_CLI,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    packages: "bundle",
    legalComments: "none",
    banner: { js: "#!/usr/bin/env node\n// Built from src/cli by scripts/build-package.ts: do not edit." },
    logLevel: "warning",
    metafile: true,
  });
  return { file: BUILT_CLI, inputs: Object.keys(result.metafile.inputs) };
}

/** The client as one ES module for browsers, Workers and Node (its types in separate `.d.ts` files). */
export async function buildClient(): Promise<string[]> {
  rmSync(BUILT_CLIENT_DIR, { recursive: true, force: true });
  await build({
    entryPoints: [path.join(ROOT, "src", "client", "index.ts")],
    outfile: path.join(BUILT_CLIENT_DIR, "index.js"),
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    legalComments: "none",
    banner: { js: "// edge-checkout/client, built from src/client by scripts/build-package.ts: do not edit." },
    logLevel: "warning",
  });
  return [path.join(BUILT_CLIENT_DIR, "index.js"), ...emitClientDeclarations(BUILT_CLIENT_DIR)];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const built = [await buildCli(), ...(await buildClient())];
  console.log(`Built ${built.map((f) => path.relative(ROOT, f)).join(", ")}`);
}
