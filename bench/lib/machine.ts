/** The machine and the software a run measured, so two results can be compared honestly. */
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ROOT } from "../../scripts/local-server.ts";

function versionOf(pkg: string): string | null {
  try {
    return JSON.parse(readFileSync(path.join(ROOT, "node_modules", pkg, "package.json"), "utf8")).version;
  } catch {
    return null;
  }
}

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
    workerd: versionOf("workerd"),
    miniflare: versionOf("miniflare"),
    hono: versionOf("hono"),
    "drizzle-orm": versionOf("drizzle-orm"),
    zod: versionOf("zod"),
  };
}

/** 1, 5 and 15 minute load averages: above the core count, the run shared the CPUs. */
export function describeLoad(): number[] {
  return os.loadavg().map((l) => Math.round(l * 100) / 100);
}
