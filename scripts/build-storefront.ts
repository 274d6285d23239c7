/**
 * Bundles the demo storefront's browser script (src/storefront/browser, which uses the
 * typed client in src/client) into one ES module that the Worker imports as text and
 * serves at /storefront/app.js.
 *
 * Why a generated file: a browser cannot run TypeScript, and wrangler bundles only the
 * Worker. So this runs before every bundle of the Worker:
 * - `wrangler dev` and `wrangler deploy` (also --dry-run): wrangler.toml `[build]`;
 * - the Workers test pool, which skips custom builds: vitest.config.ts calls it.
 * The output is gitignored (src/storefront/generated/.gitignore) and imported through the
 * wrangler.toml Text rule for `*.bundle.js`, which both wrangler and the pool honour.
 *
 * esbuild is the one wrangler itself bundles with (a dependency of wrangler).
 */
import { build } from "esbuild";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const ROOT = path.resolve(import.meta.dirname, "..");
const ENTRY = path.join(ROOT, "src", "storefront", "browser", "storefront-app.tsx");
export const STOREFRONT_BUNDLE = path.join(ROOT, "src", "storefront", "generated", "storefront-app.bundle.js");

export async function buildStorefrontBundle(): Promise<{ bytes: number; changed: boolean }> {
  const result = await build({
    entryPoints: [ENTRY],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: ["es2022", "chrome110", "firefox115", "safari16"],
    jsx: "automatic",
    jsxImportSource: "hono/jsx/dom",
    minify: true,
    legalComments: "none",
    write: false,
    logLevel: "silent",
  });
  const code = result.outputFiles[0]!.text;
  let previous: string | null = null;
  try {
    previous = readFileSync(STOREFRONT_BUNDLE, "utf8");
  } catch {
    // First build.
  }
  // Several `wrangler dev` may start at once (tests, benchmarks): write only a change, atomically.
  if (previous !== code) {
    mkdirSync(path.dirname(STOREFRONT_BUNDLE), { recursive: true });
    const temporary = `${STOREFRONT_BUNDLE}.${process.pid}.tmp`;
    writeFileSync(temporary, code);
    renameSync(temporary, STOREFRONT_BUNDLE);
  }
  return { bytes: Buffer.byteLength(code), changed: previous !== code };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { bytes, changed } = await buildStorefrontBundle();
  console.log(`storefront bundle: ${(bytes / 1024).toFixed(1)} KiB${changed ? "" : " (unchanged)"}`);
}
