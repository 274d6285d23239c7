/**
 * `npm run chaos -- --seconds 120 [--seed N] [--profile short]`
 *
 * Starts the real Worker locally (wrangler dev, state in a temporary folder), builds a
 * catalog through the admin API, runs a flash sale, then plays the seeded plan for a
 * bounded time — concurrent shoppers on a few hot variants and many cold ones, codes
 * with usage limits, declines, gateway errors, capture declines, cancels, short TTLs,
 * duplicate submissions and impatient retries, admin price changes, releases and stock
 * top-ups — while the server is SIGKILLed and restarted at the plan's moments. Then it
 * lets the deadlines pass, runs the cron job, and checks every invariant of docs/architecture.md on
 * the D1 SQLite file and through the API. Exit code: 0 clean, 1 violations, 2 the
 * harness itself failed. See README, "Proving it: chaos, fuzzing, properties".
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ROOT, startLocalServer, type LocalServer } from "../scripts/local-server.ts";
import { runAdmin } from "./admin-actor.ts";
import { checkThroughApi } from "./api-checks.ts";
import { buildCatalog } from "./catalog.ts";
import { runCrashMonkey, type CrashLog } from "./crash-monkey.ts";
import { openD1File } from "./d1-file.ts";
import { runFlashSale } from "./flash-sale.ts";
import { HttpClient, sleep } from "./http.ts";
import { selfTestChecker } from "./checker-self-test.ts";
import { checkInvariants } from "./invariants.ts";
import { Observations } from "./observations.ts";
import { parseOptions, type Profile } from "./options.ts";
import { buildPlan, planDigest } from "./plan.ts";
import { buildReport, printReport } from "./report.ts";
import { settle } from "./settle.ts";
import { runShopper, type ShopperContext } from "./shopper.ts";

/** After the shoppers' stop, requests already under way get this long to be answered. */
const RETRY_GRACE_MS = 45_000;
/** The flash sale's own bound (its shoppers stop retrying after it). */
const FLASH_BOUND_MS = 120_000;

/**
 * The whole run's bound, well above a slow machine's run: past it the harness prints
 * what it is waiting on and exits 2, so a stalled run fails CI with evidence instead of
 * hanging it.
 */
export function runLimitMs(profile: Profile): number {
  return FLASH_BOUND_MS + 2 * profile.seconds * 1_000 + RETRY_GRACE_MS + (profile.settleMaxSeconds + profile.terminalBoundSeconds) * 1_000 + 180_000;
}

let closingLine: string | null = null;

const log = (message: string) => console.log(`[chaos ${new Date().toISOString().slice(11, 19)}] ${message}`);

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const { profile, seed } = options;
  const plan = buildPlan(seed, profile);
  const digest = planDigest(plan);
  log(`seed ${seed} · plan ${digest} · profile ${profile.name} · ${profile.seconds} s · ${profile.concurrency} shoppers at once · ${profile.crashes} crashes`);
  if (options.planOnly) {
    console.log(JSON.stringify({ seed, digest, shoppers: plan.shoppers.slice(0, 3), crashes_at_ms: plan.crashesAtMs, admin: plan.admin.slice(0, 3) }, null, 2));
    return 0;
  }

  const startedAt = Date.now();
  const outDir = path.join(ROOT, ".chaos", `${new Date(startedAt).toISOString().replace(/[:.]/g, "-")}-seed-${seed}`);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path.join(outDir, "plan.json"), JSON.stringify(plan, null, 2));

  log("starting the local server (wrangler dev, fresh state)…");
  const server: LocalServer = await startLocalServer({ vars: { CHECKOUT_RATE_LIMIT_PER_MINUTE: "0", CHECKOUT_LOGGING_ENABLED: "false" } });
  log(`server on ${server.url}, state in ${server.persistTo}`);
  const http = new HttpClient(server.url);
  let phase = "building the catalog";
  let monkey = "not started";
  const limitMs = runLimitMs(profile);
  const watchdog = setTimeout(
    () => {
      console.error(`[chaos] the run passed its ${limitMs / 1_000} s bound while ${phase}; crash monkey: ${monkey}`);
      console.error(`[chaos] requests waited on: ${http.stalled(0).join("; ") || "none"}`);
      console.error(`[chaos] server output (last 4,000 characters):\n${server.output().slice(-4_000)}`);
      writeFileSync(path.join(outDir, "server.log"), server.output());
      void server.kill().finally(() => process.exit(2));
    },
    limitMs - (Date.now() - startedAt),
  );
  let violationsFound = true;
  try {
    const observations = new Observations();
    const catalog = await buildCatalog(http, server.adminToken, plan);
    log(`catalog: ${plan.variants.length} variants, ${plan.discounts.length} codes`);

    const ctx: ShopperContext = {
      http,
      observations,
      catalog,
      runId: `chaos-${seed.toString(36)}`,
      stopAt: Infinity,
      hardDeadline: Date.now() + FLASH_BOUND_MS,
    };
    phase = "running the flash sale";
    await runFlashSale(ctx, catalog.variantIds.flash!, plan.flash);
    log(
      `flash sale: ${observations.flash.filter((f) => f.status === 201).length} orders for ${plan.flash.shoppers} buyers of ${profile.flashUnits} units, at most ${plan.flash.limit} per customer (${observations.flash.filter((f) => f.attempts > 1).length} waited for held units)`,
    );

    // Shoppers run for the profile's time and until the last planned crash is done.
    const runStart = Date.now();
    ctx.stopAt = Infinity;
    ctx.hardDeadline = Infinity;
    log(`shoppers for ${profile.seconds} s, crashes at ${plan.crashesAtMs.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(", ")}`);
    let next = 0;
    const shopperLoop = async () => {
      while (Date.now() < ctx.stopAt && next < plan.shoppers.length) await runShopper(ctx, plan.shoppers[next++]!);
    };
    phase = "shopping";
    const progress = setInterval(() => {
      const stalled = http.stalled(30_000);
      log(`… ${observations.shoppers.length} shoppers, ${http.stats.requests} requests (${http.inFlight.size} under way), crash monkey ${monkey}`);
      if (stalled.length > 0) log(`  waiting over 30 s on ${stalled.length}: ${stalled.slice(0, 5).join("; ")}`);
    }, 15_000);
    const stop = Promise.all([
      runCrashMonkey(server, plan.crashesAtMs, runStart, observations, (doing) => (monkey = doing)),
      sleep(profile.seconds * 1_000),
    ]).then(([log]) => {
      ctx.stopAt = Date.now();
      ctx.hardDeadline = ctx.stopAt + RETRY_GRACE_MS;
      phase = "finishing the shoppers under way";
      return log;
    });
    let crashes: CrashLog[];
    try {
      [crashes] = await Promise.all([stop, runAdmin(ctx, plan, catalog, runStart), Promise.all(Array.from({ length: profile.concurrency }, shopperLoop))]);
    } finally {
      clearInterval(progress);
    }
    const shoppingSeconds = (ctx.stopAt - runStart) / 1_000;
    log(`shoppers stopped after ${shoppingSeconds.toFixed(1)} s: ${observations.shoppers.length} run, ${crashes.length} crashes injected`);

    const d1 = openD1File(server.persistTo, log);
    log("settling: short deadlines pass, cron runs, every checkout ends or rests locked…");
    phase = "settling";
    const lastRestartAt = Math.max(runStart, ...crashes.map((c) => runStart + c.at + c.downMs));
    const settled = await settle(http, server, d1, profile.settleMaxSeconds * 1_000, profile.terminalBoundSeconds * 1_000, lastRestartAt);

    log("checking the invariants…");
    phase = "checking the invariants";
    const api = await checkThroughApi(http, d1, observations, catalog);
    const stock = { initial: new Map(plan.variants.map((v) => [catalog.variantIds[v.key]!, v.stock])), changes: observations.stockChanges };
    const invariants = checkInvariants({
      d1,
      observations,
      overdueGraceMs: profile.terminalBoundSeconds * 1_000,
      flash: {
        variantId: catalog.variantIds.flash!,
        shoppers: plan.flash.shoppers,
        units: profile.flashUnits,
        limit: plan.flash.limit,
        emails: plan.flash.emails,
      },
      stock,
    });
    const violations = [...observations.violations, ...invariants.violations, ...api.violations];
    // The checker itself must catch planted corruptions of this run's data (needs sqlite3 to
    // write copies). A checker nobody tested proves nothing: not running it is a violation.
    const selfTest = d1.via.startsWith("sqlite3") ? selfTestChecker(server.persistTo, stock) : null;
    if (!selfTest)
      violations.push({
        invariant: "harness",
        message: "The invariant checker's self-test could not run (no sqlite3 CLI to plant corruptions): install sqlite3.",
        evidence: { d1_via: d1.via },
      });
    for (const missed of selfTest?.missed ?? [])
      violations.push({ invariant: "harness", message: `The invariant checker missed a planted corruption: ${missed.name}.`, evidence: missed });
    for (const error of http.stats.internalErrors)
      violations.push({ invariant: "never a 500", message: "The Worker answered 500 (an unhandled error).", evidence: error });
    if (crashes.length < 5) violations.push({ invariant: "harness", message: "Fewer than 5 crashes were injected.", evidence: { crashes } });
    if (settled.settledAfterMs === null)
      violations.push({
        invariant: "5. every checkout ends",
        message: "Not every checkout ended or rested locked within the bound after the deadlines and the cron run.",
        evidence: settled,
      });

    const report = buildReport({
      plan,
      digest,
      observations,
      counts: invariants.counts,
      crashes,
      http: http.stats,
      settle: settled,
      d1Via: d1.via,
      checks: [...invariants.checked, ...api.checked, "never a 500 from the Worker", "at least 5 crashes injected"],
      violations,
      startedAt,
      shoppingSeconds,
      selfTest,
    });
    printReport(report);
    writeFileSync(path.join(outDir, "report.json"), JSON.stringify({ ...report, shoppers_detail: observations.shoppers }, null, 2));
    violationsFound = violations.length > 0;
    if (violationsFound) writeFileSync(path.join(outDir, "server.log"), server.output());
    log(`report: ${path.relative(ROOT, path.join(outDir, "report.json"))}`);
    // One closing line in the plain "N passed, N failed" form CI runners read.
    const failed = new Set(violations.map((v) => v.invariant)).size;
    closingLine = `chaos: ${Math.max(0, report.checks.length - failed)} passed, ${failed} failed`;
    return violationsFound ? 1 : 0;
  } finally {
    clearTimeout(watchdog);
    await server.stop();
    if (violationsFound || options.keep) log(`server state kept in ${server.persistTo}`);
    else rmSync(server.persistTo, { recursive: true, force: true });
  }
}

main().then(
  (code) => {
    if (closingLine) console.log(closingLine);
    process.exit(code);
  },
  (error) => {
    console.error(`[chaos] the harness failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(2);
  },
);
