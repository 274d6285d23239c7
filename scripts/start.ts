/**
 * `npm start`: the whole system locally. Copies .dev.vars.example to .dev.vars on first
 * run, migrates the local D1 and seeds the demo catalog (both idempotent), then runs
 * `wrangler dev` on 127.0.0.1:8787 with --test-scheduled.
 */
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { prepareState, ROOT, baseEnv } from "./local-server.ts";

const PERSIST = path.join(ROOT, ".wrangler", "state");
const devVars = path.join(ROOT, ".dev.vars");
if (!existsSync(devVars)) copyFileSync(path.join(ROOT, ".dev.vars.example"), devVars);
const adminToken = /^ADMIN_TOKEN=(.*)$/m.exec(readFileSync(devVars, "utf8"))?.[1]?.trim() ?? "(not set: admin is disabled)";

console.log("Applying migrations and seeding the demo catalog...");
prepareState(PERSIST, true);

const port = process.env.PORT ?? "8787";
console.log(`
Edge Checkout is starting on http://127.0.0.1:${port}
  storefront demo   http://127.0.0.1:${port}/
  admin console     http://127.0.0.1:${port}/admin   (token: ${adminToken})
  API document      http://127.0.0.1:${port}/openapi.json   (readable: http://127.0.0.1:${port}/docs)
  run the cron job  curl "http://127.0.0.1:${port}/__scheduled?cron=*/5+*+*+*+*"
`);
const child = spawn(
  path.join(ROOT, "node_modules", ".bin", "wrangler"),
  ["dev", "--ip", "127.0.0.1", "--port", port, "--persist-to", PERSIST, "--test-scheduled"],
  { cwd: ROOT, env: baseEnv(), stdio: "inherit" },
);
const stop = () => child.kill("SIGINT");
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
child.on("exit", (code) => process.exit(code ?? 0));
