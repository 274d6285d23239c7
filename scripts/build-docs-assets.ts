/**
 * Copies the API reference's renderer (Swagger UI, from the swagger-ui-dist package) into
 * build/assets/docs, the Workers static assets directory (wrangler.toml [assets]) the
 * Worker serves /docs/* from: nothing is fetched from a CDN, by the page or by a build.
 * Runs before every bundle of the Worker, as the storefront's bundle does (wrangler.toml
 * [build]; the test pool: vitest.config.ts).
 */
import { copyFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const ROOT = path.resolve(import.meta.dirname, "..");
const SOURCE = path.join(ROOT, "node_modules", "swagger-ui-dist");
export const DOCS_ASSETS = path.join(ROOT, "build", "assets", "docs");
/** The two files the page loads, and the licence that travels with them. */
export const DOCS_ASSET_FILES = ["swagger-ui-bundle.js", "swagger-ui.css", "LICENSE"] as const;

export function buildDocsAssets(): void {
  mkdirSync(DOCS_ASSETS, { recursive: true });
  for (const file of DOCS_ASSET_FILES) copyFileSync(path.join(SOURCE, file), path.join(DOCS_ASSETS, file));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  buildDocsAssets();
  console.log(`API reference assets: ${path.relative(ROOT, DOCS_ASSETS)}`);
}
