/**
 * Writes the OpenAPI document the Worker serves at /openapi.json to a file, from the app
 * itself in Node (no network, no runtime): `npm run openapi:write [-- out.json]`
 * (default build/openapi.json).
 */
import { mkdir, writeFile } from "node:fs/promises";
import { register } from "node:module";
import path from "node:path";

// The Worker imports its storefront bundle as text (wrangler's Text rule): so does Node here.
register("./text-module-hooks.mjs", import.meta.url);
// Imported by a computed name: the app is typed for the Workers runtime (tsconfig.json), not Node's.
const appModule = "../src/app.ts";
const { createApp } = (await import(appModule)) as { createApp: () => { request(path: string): Promise<Response> } };

const out = path.resolve(process.argv[2] ?? "build/openapi.json");
const response = await createApp().request("/openapi.json");
if (response.status !== 200) throw new Error(`/openapi.json answered ${response.status}: ${await response.text()}`);
await mkdir(path.dirname(out), { recursive: true });
await writeFile(out, `${JSON.stringify(await response.json(), null, 2)}\n`);
console.log(`OpenAPI document: ${path.relative(process.cwd(), out)}`);
