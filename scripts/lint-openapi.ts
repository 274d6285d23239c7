/**
 * Lints the API document with Redocly's `recommended` rules (redocly.yaml), offline:
 * `npm run lint:openapi` writes it from the app (as `npm run openapi:write` does) and lints
 * that file; `npm run lint:openapi -- http://127.0.0.1:8787/openapi.json` lints the one a
 * running Worker serves (npm start, or a deployment's own URL).
 */
import { execFileSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";

const source = process.argv[2];
let file = path.resolve("build/openapi.json");
if (source?.startsWith("http")) {
  const response = await fetch(source);
  if (response.status !== 200) throw new Error(`${source} answered ${response.status}`);
  file = path.resolve("build/openapi.served.json");
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(await response.json(), null, 2)}\n`);
} else {
  execFileSync(process.execPath, ["--import", "tsx", "scripts/write-openapi.ts", file], { stdio: "inherit" });
}

// No usage data and no update check: the lint needs no network.
const env = { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" };
try {
  execFileSync(path.resolve("node_modules/.bin/redocly"), ["lint", path.relative(process.cwd(), file), "--max-problems=50"], { stdio: "inherit", env });
} catch {
  process.exit(1);
}
