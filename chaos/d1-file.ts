/**
 * Reads the local D1 database straight from its SQLite file under the server's
 * persist folder (`v3/d1/miniflare-D1DatabaseObject/<hash>.sqlite`), read-only, so the
 * invariants are checked on the stored truth rather than on what the API reports.
 * Uses Debian's `sqlite3` CLI (installed with apt-get when missing and we are root);
 * otherwise `wrangler d1 execute --local`, slower but needing nothing else.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import path from "node:path";
import { ROOT } from "../scripts/local-server.ts";

export interface D1File {
  /** How it is read, for the report. */
  via: string;
  all<T = Record<string, unknown>>(sql: string): T[];
}

export function findD1File(persistTo: string): string {
  const dir = path.join(persistTo, "v3", "d1", "miniflare-D1DatabaseObject");
  const files = readdirSync(dir).filter((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite");
  if (files.length !== 1) throw new Error(`Expected one D1 database in ${dir}, found: ${files.join(", ") || "none"}`);
  return path.join(dir, files[0]!);
}

function hasSqliteCli(): boolean {
  return spawnSync("sqlite3", ["-version"], { encoding: "utf8" }).status === 0;
}

/** One apt-get install (after an update if the package lists are empty), as the e2e runner does for chromium. */
function installSqliteCli(log: (message: string) => void): boolean {
  if (process.platform !== "linux" || process.getuid?.() !== 0 || spawnSync("apt-get", ["--version"]).status !== 0) return false;
  log("installing Debian's sqlite3 CLI to read the D1 file…");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const install = () => spawnSync("apt-get", ["install", "-y", "--no-install-recommends", "sqlite3"], { env, encoding: "utf8" }).status === 0;
  if (!install()) {
    spawnSync("apt-get", ["update"], { env, encoding: "utf8" });
    install();
  }
  return hasSqliteCli();
}

export function openD1File(persistTo: string, log: (message: string) => void = () => {}): D1File {
  const file = findD1File(persistTo);
  if (hasSqliteCli() || installSqliteCli(log)) {
    return {
      via: `sqlite3 -readonly ${path.basename(file)}`,
      all: <T>(sql: string) => {
        const out = execFileSync("sqlite3", ["-readonly", "-json", "-cmd", ".timeout 5000", file, sql], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
        return (out.trim() ? JSON.parse(out) : []) as T[];
      },
    };
  }
  const wrangler = path.join(ROOT, "node_modules", ".bin", "wrangler");
  return {
    via: "wrangler d1 execute --local",
    all: <T>(sql: string) => {
      const out = execFileSync(wrangler, ["d1", "execute", "DB", "--local", "--persist-to", persistTo, "--json", "--command", sql], {
        cwd: ROOT,
        encoding: "utf8",
        maxBuffer: 256 * 1024 * 1024,
        env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
      });
      const parsed = JSON.parse(out) as Array<{ results: T[] }>;
      return parsed.flatMap((r) => r.results);
    },
  };
}
