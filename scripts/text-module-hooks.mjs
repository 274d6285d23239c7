/**
 * Node module hooks that load `*.bundle.js` as a string, as wrangler's Text rule does for
 * the Worker, so scripts can import the app in Node. A bundle not built yet loads as "".
 */
import { readFile } from "node:fs/promises";

export async function load(url, context, nextLoad) {
  if (!url.endsWith(".bundle.js")) return nextLoad(url, context);
  const text = await readFile(new URL(url), "utf8").catch(() => "");
  return { format: "module", source: `export default ${JSON.stringify(text)};`, shortCircuit: true };
}
