/**
 * After the shoppers stop: let the short deadlines pass (the cart objects' alarms
 * expire their checkouts), run the cron job (the safety net for an alarm that never
 * fired), then give every checkout a bounded time to end or rest `locked`.
 */
import type { LocalServer } from "../scripts/local-server.ts";
import { CRON_PATH } from "./admin-actor.ts";
import { restartWithRetry } from "./crash-monkey.ts";
import type { D1File } from "./d1-file.ts";
import { NoAnswer, sleep, type HttpClient } from "./http.ts";

const TERMINAL_SQL = "'completed','failed','cancelled','expired'";
/** Alarms fire a little after their time; the cron run needs a moment too. */
const ALARM_SLACK_MS = 3_000;

export interface SettleLog {
  waitedForDeadlinesMs: number;
  cronRuns: number;
  settledAfterMs: number | null;
}

async function isUp(http: HttpClient): Promise<boolean> {
  try {
    const reply = await http.send("GET", "/health/checkout", { timeoutMs: 5_000 });
    return reply.status === 200 || reply.status === 503;
  } catch (error) {
    if (error instanceof NoAnswer) return false;
    throw error;
  }
}

export async function runCron(http: HttpClient): Promise<boolean> {
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const reply = await http.send("GET", CRON_PATH, { timeoutMs: 60_000 });
      return reply.status < 400;
    } catch (error) {
      if (!(error instanceof NoAnswer)) throw error;
      await sleep(1_000);
    }
  }
  return false;
}

/**
 * A step a crash cut short leaves its checkout in flight in the cart object, maybe with
 * nothing in D1 yet; its alarm (30 s after the step began, src/cart/cart-object.ts)
 * resumes it. The checks wait that long after the last restart, plus slack.
 */
const IN_FLIGHT_RECOVERY_MS = 30_000 + ALARM_SLACK_MS;

export async function settle(
  http: HttpClient,
  server: LocalServer,
  d1: D1File,
  settleMaxMs: number,
  terminalBoundMs: number,
  lastRestartAt: number,
): Promise<SettleLog> {
  if (!(await isUp(http))) await restartWithRetry(server);
  const started = Date.now();
  await sleep(lastRestartAt + IN_FLIGHT_RECOVERY_MS - started);
  const horizon = new Date(started + settleMaxMs).toISOString();
  const [{ last } = { last: null }] = d1.all<{ last: string | null }>(
    `SELECT MAX(expires_at) AS last FROM checkouts WHERE state NOT IN (${TERMINAL_SQL}) AND expires_at <= '${horizon}'`,
  );
  if (last) await sleep(Math.max(0, Date.parse(last) + ALARM_SLACK_MS - Date.now()));
  const waitedForDeadlinesMs = Date.now() - started;

  let cronRuns = 0;
  if (await runCron(http)) cronRuns++;
  const boundStart = Date.now();
  while (Date.now() - boundStart < terminalBoundMs) {
    const now = new Date().toISOString();
    const [open] = d1.all<{ n: number }>(
      `SELECT COUNT(*) AS n FROM checkouts WHERE (state NOT IN (${TERMINAL_SQL}, 'locked')) OR (state NOT IN (${TERMINAL_SQL}) AND expires_at < '${now}')`,
    );
    if (open!.n === 0) return { waitedForDeadlinesMs, cronRuns, settledAfterMs: Date.now() - boundStart };
    await sleep(2_000);
    // Halfway through, the safety net runs again (as the next cron tick would).
    if (cronRuns === 1 && Date.now() - boundStart > terminalBoundMs / 2 && (await runCron(http))) cronRuns++;
  }
  return { waitedForDeadlinesMs, cronRuns, settledAfterMs: null };
}
