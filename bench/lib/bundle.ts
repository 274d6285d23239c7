/**
 * The Worker as it would deploy: `wrangler deploy --dry-run --outdir` builds the bundle
 * and prints its upload size (raw and gzipped — what a cold start loads and parses).
 * The benchmark then serves this very bundle, so it measures what ships and an edit to
 * src/ during a run cannot restart the server under load.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { tmpdir } from "node:os";
import path from "node:path";
import { ROOT, baseEnv } from "../../scripts/local-server.ts";

/** The `[vars]` the benchmark serves the Worker with: no per-cart rate limit (one client sends everything), no logging. */
export const BENCH_VARS = { CHECKOUT_RATE_LIMIT_PER_MINUTE: "0", CHECKOUT_LOGGING_ENABLED: "false" };

export interface BuiltBundle {
  outdir: string;
  entry: string;
  /** wrangler.toml without its [build] step, for serving the built bundle. */
  config: string;
  total_kib: number;
  gzip_kib: number;
}

/** `sourceMap`: also write index.js.map (the profiler maps the bundle's frames back to src/ and the packages). */
export function buildBundle(options: { sourceMap?: boolean } = {}): BuiltBundle {
  const outdir = mkdtempSync(path.join(tmpdir(), "edge-checkout-bundle-"));
  const maps = options.sourceMap ? ["--upload-source-maps"] : [];
  const run = spawnSync(path.join(ROOT, "node_modules", ".bin", "wrangler"), ["deploy", "--dry-run", "--outdir", outdir, ...maps], {
    cwd: ROOT,
    env: baseEnv(),
    encoding: "utf8",
  });
  const output = run.stdout + run.stderr;
  const match = /Total Upload:\s*([\d.]+)\s*KiB\s*\/\s*gzip:\s*([\d.]+)\s*KiB/.exec(output);
  const entry = path.join(outdir, "index.js");
  if (run.status !== 0 || !match || !existsSync(entry)) throw new Error(`wrangler deploy --dry-run failed (exit ${run.status}):\n${output.slice(-2_000)}`);
  return { outdir, entry, config: servingConfig(outdir), total_kib: Number(match[1]), gzip_kib: Number(match[2]) };
}

/**
 * The project's wrangler.toml minus its `[build]` table: that step already ran for the
 * bundle, and wrangler dev would otherwise re-run it and restart the Worker (503 "Your
 * worker restarted mid-request") whenever a file in its watch_dir changes during a run.
 */
function servingConfig(outdir: string): string {
  const source = readFileSync(path.join(ROOT, "wrangler.toml"), "utf8");
  const kept: string[] = [];
  let inBuild = false;
  let inAssets = false;
  for (const line of source.split("\n")) {
    const header = /^\s*\[{1,2}([^\]]+)\]{1,2}\s*$/.exec(line);
    if (header) {
      inBuild = header[1]!.trim() === "build";
      inAssets = header[1]!.trim() === "assets";
    }
    // The config now lives beside the bundle: the assets folder stays the project's.
    const directory = inAssets ? /^\s*directory\s*=\s*"([^"]+)"/.exec(line) : null;
    if (directory) kept.push(`directory = ${JSON.stringify(path.resolve(ROOT, directory[1]!))}`);
    else if (!inBuild) kept.push(line);
  }
  const config = path.join(outdir, "wrangler.bench.toml");
  writeFileSync(config, kept.join("\n"));
  return config;
}

/** A bundle built elsewhere (e.g. from another commit): its size, gzipped here as wrangler does. */
export function describeBundle(entry: string): BuiltBundle {
  const code = readFileSync(entry);
  const kib = (bytes: number) => Math.round((bytes / 1024) * 100) / 100;
  return { outdir: path.dirname(entry), entry, config: servingConfig(path.dirname(entry)), total_kib: kib(code.length), gzip_kib: kib(gzipSync(code).length) };
}
