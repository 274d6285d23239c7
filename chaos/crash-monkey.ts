/**
 * Kills the whole server process tree with SIGKILL at the plan's moments — wherever
 * the saga happens to be — and starts it again on the same state, as a crashed host
 * would come back. Every planned crash happens (a slow restart delays the next one,
 * and the shoppers keep going until the last), so a run always has its crashes.
 */
import type { LocalServer } from "../scripts/local-server.ts";
import { sleep } from "./http.ts";
import type { Observations } from "./observations.ts";

export interface CrashLog {
  at: number;
  downMs: number;
}

export async function runCrashMonkey(server: LocalServer, crashesAtMs: number[], startedAt: number, observations: Observations): Promise<CrashLog[]> {
  const log: CrashLog[] = [];
  for (const at of crashesAtMs) {
    const wait = startedAt + at - Date.now();
    if (wait > 0) await sleep(wait);
    const killedAt = Date.now();
    observations.crashEpoch++;
    await server.kill();
    await restartWithRetry(server);
    log.push({ at: killedAt - startedAt, downMs: Date.now() - killedAt });
  }
  return log;
}

export async function restartWithRetry(server: LocalServer): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await server.restart();
      return;
    } catch (error) {
      if (attempt >= 3) throw error;
      await sleep(1_000);
    }
  }
}
