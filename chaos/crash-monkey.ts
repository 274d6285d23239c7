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

/** What the monkey is doing, for the progress line and the stall report. */
export type MonkeyStatus = (doing: string) => void;

export async function runCrashMonkey(
  server: LocalServer,
  crashesAtMs: number[],
  startedAt: number,
  observations: Observations,
  status: MonkeyStatus = () => {},
): Promise<CrashLog[]> {
  const log: CrashLog[] = [];
  for (const [i, at] of crashesAtMs.entries()) {
    const wait = startedAt + at - Date.now();
    status(`waiting for crash ${i + 1} at ${(at / 1_000).toFixed(1)} s`);
    if (wait > 0) await sleep(wait);
    const killedAt = Date.now();
    observations.crashEpoch++;
    status(`killing for crash ${i + 1}`);
    await server.kill();
    status(`restarting after crash ${i + 1}`);
    await restartWithRetry(server);
    log.push({ at: killedAt - startedAt, downMs: Date.now() - killedAt });
  }
  status(`done: ${log.length} crashes`);
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
