/** The machine and the software a run measured, so two results can be compared honestly. */
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ROOT } from "../../scripts/local-server.ts";

function versionOf(pkg: string, under: string[] = []): string | null {
  try {
    return JSON.parse(readFileSync(path.join(ROOT, "node_modules", ...under.flatMap((p) => [p, "node_modules"]), pkg, "package.json"), "utf8")).version;
  } catch {
    return null;
  }
}

/** A package as wrangler resolves it: its own nested copy first (wrangler pins its runtime). */
const wranglersOwn = (pkg: string) => versionOf(pkg, ["wrangler"]) ?? versionOf(pkg);

export function describeMachine() {
  const cpus = os.cpus();
  return {
    os: `${os.type()} ${os.release()} (${os.platform()}/${os.arch()})`,
    cpus: cpus.length,
    cpu_model: cpus[0]?.model ?? "unknown",
    memory_gib: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
  };
}

export function describeVersions() {
  return {
    wrangler: versionOf("wrangler"),
    // What `wrangler dev` runs (the benchmark); the test pool has its own copy.
    workerd: wranglersOwn("workerd"),
    miniflare: wranglersOwn("miniflare"),
    "workerd (vitest pool)": versionOf("workerd"),
    hono: versionOf("hono"),
    "drizzle-orm": versionOf("drizzle-orm"),
    zod: versionOf("zod"),
  };
}

/** 1, 5 and 15 minute load averages: above the core count, the run shared the CPUs. */
export function describeLoad(): number[] {
  return os.loadavg().map((l) => Math.round(l * 100) / 100);
}
