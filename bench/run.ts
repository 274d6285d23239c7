/**
 * `npm run bench`: the real Worker (`wrangler dev`, workerd with local D1 and Durable
 * Objects) on a free loopback port with fresh state, a catalog built through the admin
 * API, and six scenarios driven by closed-loop Node clients:
 *
 *   baseline    GET /v1/ping — the runtime's requests/s ceiling on this machine
 *   cart        cart reads and line adds
 *   checkout    16 shoppers doing full checkouts for a fixed time
 *   flash-sale  1,000 shoppers racing for 100 units (exactly 100 orders, or the run fails)
 *   scaling     checkout latency and D1 round trips for 1, 10, 50 and 100 lines
 *   efficiency  (checkouts/s × requests per checkout) ÷ baseline requests/s
 *   drop        10,000 shoppers (64 at a time) for 100 units: cart, line, start, complete;
 *               exactly 100 orders, CPU per shopper in pings, D1 per refused shopper
 *
 * Prints a table and writes bench/results/latest.json (machine, versions, every
 * figure). Exits non-zero on any 5xx, dropped request, failed step or wrong order count.
 *
 *   npm run bench                  full run (about 2–3 minutes on 2 cores)
 *   npm run bench -- --quick       a fast smoke (short windows, fewer samples)
 *   npm run bench -- --only=baseline,checkout
 *   npm run bench -- --seconds=30            measured seconds of each timed scenario
 *   npm run bench -- --bundle=DIR/index.js   serve a prebuilt bundle (before/after comparisons)
 *   npm run bench -- --only=drop --shoppers=2000 --units=20   a smaller drop
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { ROOT, startLocalServer, type LocalServer } from "../scripts/local-server.ts";
import { BENCH_VARS, buildBundle, describeBundle, type BuiltBundle } from "./lib/bundle.ts";
import { describeLoad, describeMachine, describeVersions } from "./lib/machine.ts";
import { formatTable } from "./lib/report.ts";
import { serverCpuReader } from "./lib/server-cpu.ts";
import { DROP_COST_TEST, measureDropCost, measureRoundTrips, ROUND_TRIP_TEST, type DropCostReport, type RoundTripReport } from "./lib/round-trip-report.ts";
import type { BenchContext, ScenarioResult, TableRow } from "./lib/scenario.ts";
import { baseline } from "./scenarios/baseline.ts";
import { cart } from "./scenarios/cart.ts";
import { checkout } from "./scenarios/checkout.ts";
import { efficiency } from "./scenarios/efficiency.ts";
import { drop, DROP_DEFAULTS } from "./scenarios/drop.ts";
import { flashSale } from "./scenarios/flash-sale.ts";
import { scaling } from "./scenarios/scaling.ts";

const SCENARIOS = ["baseline", "cart", "checkout", "flash-sale", "scaling", "efficiency", "drop"] as const;
type ScenarioName = (typeof SCENARIOS)[number];

/** Measured seconds per timed scenario (a warm-up runs before each and is not measured). */
const WINDOWS = {
  full: { warmup: 2, baseline: 10, cart: 15, checkout: 20 },
  quick: { warmup: 1, baseline: 3, cart: 5, checkout: 8 },
} as const;

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    out: { type: "string", default: path.join(ROOT, "bench", "results", "latest.json") },
    // Serve another prebuilt bundle (its index.js) instead of building src/: before/after comparisons.
    bundle: { type: "string" },
    // Measured seconds of every timed scenario (overrides the defaults below).
    seconds: { type: "string" },
    // The drop's size (defaults: 10,000 shoppers for 100 units).
    shoppers: { type: "string" },
    units: { type: "string" },
  },
});
const quick = values.quick ?? false;
const only = new Set(
  (values.only
    ?.split(",")
    .map((s) => s.trim())
    .filter(Boolean) ?? SCENARIOS) as ScenarioName[],
);
for (const name of only) if (!SCENARIOS.includes(name)) throw new Error(`Unknown scenario '${name}'; choose from ${SCENARIOS.join(", ")}`);
// Efficiency is a ratio of two measurements: it needs both.
if (only.has("efficiency")) {
  only.add("baseline");
  only.add("checkout");
}
// The drop's CPU is given in pings of the same run.
if (only.has("drop")) only.add("baseline");
const dropSize = { shoppers: Number(values.shoppers ?? DROP_DEFAULTS.shoppers), units: Number(values.units ?? DROP_DEFAULTS.units) };
if (!Number.isInteger(dropSize.shoppers) || !Number.isInteger(dropSize.units) || dropSize.units < 1 || dropSize.shoppers < dropSize.units) {
  throw new Error("--shoppers and --units take whole numbers, with at least one unit and as many shoppers as units");
}

const log = (message: string) => console.log(message);
const seconds = values.seconds === undefined ? null : Number(values.seconds);
if (seconds !== null && !(seconds > 0)) throw new Error("--seconds takes a positive number");
const windows =
  seconds === null ? (quick ? WINDOWS.quick : WINDOWS.full) : { warmup: WINDOWS.full.warmup, baseline: seconds, cart: seconds, checkout: seconds };

async function main(): Promise<number> {
  const startedAt = new Date();
  const loadBefore = describeLoad();
  log(`Edge Checkout benchmark (${quick ? "quick" : "full"} run), ${startedAt.toISOString()}`);
  const machine = describeMachine();
  const versions = describeVersions();
  log(
    `  ${machine.os}, ${machine.cpus} × ${machine.cpu_model}, ${machine.memory_gib} GiB, Node ${machine.node}, wrangler ${versions.wrangler}, workerd ${versions.workerd}`,
  );

  // Counted before the server starts, so neither competes with the load for the 2 cores.
  let roundTrips: RoundTripReport = { passed: true, costs: [] };
  if (only.has("scaling")) {
    log(`Counting D1 round trips per checkout (${ROUND_TRIP_TEST})...`);
    roundTrips = measureRoundTrips();
  }
  let dropCost: DropCostReport = { source: DROP_COST_TEST, passed: false, cost: null };
  if (only.has("drop")) {
    log(`Counting D1 round trips per refused shopper and per order (${DROP_COST_TEST})...`);
    dropCost = measureDropCost();
  }
  log(values.bundle ? `Serving the prebuilt bundle ${values.bundle}` : "Building the bundle (wrangler deploy --dry-run)...");
  let bundle: BuiltBundle;
  try {
    bundle = values.bundle ? describeBundle(path.resolve(values.bundle)) : buildBundle();
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    return 1;
  }
  log(`  ${bundle.total_kib} KiB, ${bundle.gzip_kib} KiB gzipped`);

  log("Starting the Worker (wrangler dev serving that bundle, fresh local state)...");
  let server: LocalServer | null = null;
  let serverOutput = "";
  const stopServer = async () => {
    if (!server) return;
    const s = server;
    server = null;
    serverOutput = s.output();
    await s.stop();
    rmSync(s.persistTo, { recursive: true, force: true });
  };
  const interrupt = () => void stopServer().finally(() => process.exit(130));
  process.once("SIGINT", interrupt);
  process.once("SIGTERM", interrupt);

  const results: ScenarioResult[] = [];
  try {
    server = await startLocalServer({
      seed: false,
      script: bundle.entry,
      config: bundle.config,
      testScheduled: false,
      vars: BENCH_VARS,
    });
    log(`  listening on ${server.url}`);
    const ctx: BenchContext = {
      url: server.url,
      adminToken: server.adminToken,
      quick,
      window: (scenario) => ({ warmupMs: windows.warmup * 1000, durationMs: (windows[scenario as keyof typeof windows] ?? 5) * 1000 }),
      log,
      serverCpu: serverCpuReader(server.persistTo),
    };
    const run = async (name: ScenarioName, fn: () => Promise<ScenarioResult>) => {
      if (!only.has(name)) return;
      log(`Running ${name}...`);
      const began = Date.now();
      try {
        results.push(await fn());
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        results.push({
          name,
          figures: {},
          rows: [{ scenario: name, measure: "failed", note: message.slice(0, 200) }],
          http: { requests: 0, statuses: {}, serverErrors: 0, networkErrors: 0, devServerDrops: 0 },
          failures: [message],
        });
      }
      log(`  ${name} done in ${((Date.now() - began) / 1000).toFixed(1)} s`);
    };
    await run("baseline", () => baseline(ctx));
    await run("cart", () => cart(ctx));
    await run("checkout", () => checkout(ctx));
    await run("flash-sale", () => flashSale(ctx));
    await run("scaling", () => scaling(ctx, roundTrips));
    if (only.has("efficiency")) results.push(efficiency(results));
    const pingCpuMs = (results.find((r) => r.name === "baseline")?.figures.server_cpu_ms_per_request as number | null | undefined) ?? null;
    await run("drop", () => drop(ctx, { ...dropSize, pingCpuMs, costs: dropCost }));
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    if (server) console.error((server as LocalServer).output().slice(-3_000));
    await stopServer();
    return 1;
  } finally {
    await stopServer();
    if (!values.bundle) rmSync(bundle.outdir, { recursive: true, force: true });
  }
  const loadAfter = describeLoad();

  const rows: TableRow[] = results.flatMap((r) => r.rows);
  rows.push({ scenario: "bundle", measure: "wrangler deploy --dry-run", rate: `${bundle.gzip_kib} KiB gzip`, note: `${bundle.total_kib} KiB before gzip` });
  const failures = results.flatMap((r) => r.failures.map((f) => `${r.name}: ${f}`));

  log("");
  log(formatTable(rows));
  log("");
  for (const r of results) {
    const statuses = Object.entries(r.http.statuses)
      .map(([s, n]) => `${s}×${n}`)
      .join(" ");
    if (r.http.requests) {
      const drops = r.http.devServerDrops ? `; dev-proxy drops retried with their Idempotency-Key: ${r.http.devServerDrops}` : "";
      log(`  ${r.name}: ${r.http.requests} requests (${statuses}); 5xx: ${r.http.serverErrors}; no answer: ${r.http.networkErrors}${drops}`);
    }
  }

  const finishedAt = new Date();
  const output = {
    command: `npm run bench -- ${process.argv.slice(2).join(" ")}`.trim().replace(/ --$/, ""),
    started_at: startedAt.toISOString(),
    finished_at: finishedAt.toISOString(),
    duration_seconds: Math.round((finishedAt.getTime() - startedAt.getTime()) / 100) / 10,
    mode: quick ? "quick" : "full",
    windows_seconds: windows,
    machine,
    // Other work on the machine skews every figure: compare runs only at a similar load.
    load_average: { before: loadBefore, after: loadAfter },
    versions,
    bundle: { total_kib: bundle.total_kib, gzip_kib: bundle.gzip_kib },
    d1_round_trips: { source: ROUND_TRIP_TEST, passed: roundTrips.passed, per_checkout: roundTrips.costs },
    scenarios: Object.fromEntries(results.map((r) => [r.name, { ...r.figures, http: r.http, failures: r.failures }])),
    table: rows,
    passed: failures.length === 0,
    failures,
  };
  mkdirSync(path.dirname(values.out!), { recursive: true });
  writeFileSync(values.out!, `${JSON.stringify(output, null, 2)}\n`);
  // What the server printed (warnings, errors), to explain a failed run.
  writeFileSync(`${values.out!.replace(/\.json$/, "")}.server.log`, serverOutput);
  log(
    `Load average (1 min) before ${loadBefore[0]}, after ${loadAfter[0]} on ${machine.cpus} cores${loadBefore[0]! > machine.cpus ? " — the machine was busy, figures are depressed" : ""}`,
  );
  log(`Results: ${path.relative(process.cwd(), values.out!)} (${output.duration_seconds} s in all)`);
  if (failures.length) {
    console.error(`\nBENCH FAILED:\n  ${failures.join("\n  ")}`);
    return 1;
  }
  log(`Every scenario passed: no 5xx, no dropped request${only.has("flash-sale") ? ", exactly 100 flash-sale orders" : ""}.`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
