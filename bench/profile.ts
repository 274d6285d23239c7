/**
 * Where a drop's refused shopper spends the server's CPU: the Worker served as the bench
 * serves it (`wrangler dev`, a prebuilt bundle, fresh state), a variant sold out, then a
 * CPU profile (Chrome DevTools Protocol on wrangler's inspector port) while refused
 * shoppers run — create a cart, add the sold-out line, start, complete, as the drop does.
 *
 * Prints the CPU of each server process (from /proc) per shopper and per ping, the same
 * for each of the four requests measured step by step, and the profile's samples by
 * module and by function (mapped to src/ and the packages through the bundle's source
 * map), as shares of the Worker runtime's measured CPU. Writes
 * bench/results/profile.cpuprofile (DevTools' Performance panel opens it) and profile.json.
 *
 *   npx tsx bench/profile.ts                          300 refused shoppers, 16 at a time
 *   npx tsx bench/profile.ts --shoppers=500 --concurrency=64
 *   npx tsx bench/profile.ts --bundle=DIR/index.js    another build (its index.js.map beside it)
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { ROOT, startLocalServer, type LocalServer } from "../scripts/local-server.ts";
import { BENCH_VARS, buildBundle, describeBundle } from "./lib/bundle.ts";
import { runPool } from "./lib/closed-loop.ts";
import { type CpuProfile, loadSourceMap, type ProfileSummary, summarizeProfile } from "./lib/cpu-profile.ts";
import { connectDevtools } from "./lib/devtools.ts";
import { BenchClient } from "./lib/http-client.ts";
import { describeLoad } from "./lib/machine.ts";
import { serverCpuByRole } from "./lib/server-cpu.ts";
import { addLine, createCart, createVariants, dropShopper, expectStatus, type Shopper, startCheckout } from "./lib/storefront.ts";

const { values } = parseArgs({
  options: {
    bundle: { type: "string" },
    shoppers: { type: "string", default: "300" },
    units: { type: "string", default: "5" },
    concurrency: { type: "string", default: "16" },
    // Refused shoppers run before measuring, so JIT and the isolate's caches are warm.
    warmup: { type: "string", default: "100" },
    pings: { type: "string", default: "1000" },
    // Sampling interval of the profiler, µs.
    interval: { type: "string", default: "200" },
    top: { type: "string", default: "30" },
    out: { type: "string", default: path.join(ROOT, "bench", "results", "profile") },
  },
});
const count = (name: keyof typeof values) => {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} takes a positive whole number`);
  return n;
};
const shoppers = count("shoppers");
const units = count("units");
const concurrency = count("concurrency");
const top = count("top");

type Roles = Record<string, number>;
const minus = (after: Roles, before: Roles, per: number): Roles =>
  Object.fromEntries(Object.entries(after).map(([role, ms]) => [role, round((ms - (before[role] ?? 0)) / per)]));
const sum = (roles: Roles) => round(Object.values(roles).reduce((a, b) => a + b, 0));
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * The refused shopper's four requests one step at a time, `n` of each (all creates, then
 * all adds…): the CPU of each server process per request of each step.
 */
async function steps(client: BenchClient, variant: string, n: number, cpu: () => Roles): Promise<Record<string, Roles>> {
  const carts: Shopper[] = [];
  const step = async (task: (i: number) => Promise<unknown>) => {
    const before = cpu();
    await runPool(new Array<null>(n).fill(null), concurrency, (_item, i) => task(i).then(() => undefined));
    return minus(cpu(), before, n);
  };
  return {
    "POST /v1/carts": await step(async () => carts.push((await createCart(client)).shopper)),
    "POST …/lines (sold out: 200)": await step((i) => addLine(client, carts[i]!, variant)),
    "POST …/checkout (409)": await step((i) => startCheckout(client, carts[i]!, 409)),
    "POST …/checkout/complete (409)": await step(async (i) =>
      expectStatus(
        "complete checkout",
        await client.request("POST", `/v1/carts/${carts[i]!.cartId}/checkout/complete`, {
          headers: { ...carts[i]!.auth, "idempotency-key": crypto.randomUUID() },
          body: { payment: { method: "test", token: "tok_visa" } },
        }),
        409,
      ),
    ),
  };
}

/** `count` refused shoppers; fails on an order, a 5xx or anything unexpected. */
async function refusedShoppers(client: BenchClient, variant: string, n: number): Promise<void> {
  const unexpected: string[] = [];
  await runPool(new Array<null>(n).fill(null), concurrency, async () => {
    try {
      if ((await dropShopper(client, variant)) === "order") unexpected.push("an order after the sell-out");
    } catch (error) {
      unexpected.push(error instanceof Error ? error.message : String(error));
    }
  });
  if (unexpected.length || client.serverErrors)
    throw new Error(`refused shoppers failed (${client.serverErrors} × 5xx): ${unexpected.slice(0, 3).join(" / ")}`);
}

/**
 * The profile's samples as shares of the Worker runtime's CPU: `cpuMs`, that process's
 * CPU per shopper, measured unprofiled. (Its other isolates, D1's and wrangler's, are
 * not in the profile; a refused shopper touches no D1.)
 */
function weigh(summary: ProfileSummary, cpuMs: number) {
  const ms = (samples: number) => round((samples / summary.busy) * cpuMs, 3);
  const share = (samples: number) => round((100 * samples) / summary.busy, 1);
  return {
    busy_samples: summary.busy,
    idle_samples: summary.samples - summary.busy,
    v8: Object.entries(summary.v8)
      .filter(([entry]) => entry !== "(idle)" && entry !== "(root)")
      .map(([entry, n]) => ({ entry, ms: ms(n), percent: share(n) })),
    by_module: summary.byModule.map((m) => ({ module: m.module, ms: ms(m.self), percent: share(m.self) })),
    by_function: summary.byFunction.map((f) => ({
      name: f.name,
      module: f.module,
      self_ms: ms(f.self),
      total_ms: ms(f.total),
      self_percent: share(f.self),
      total_percent: share(f.total),
      hot_line: f.hotLine,
    })),
  };
}

function printProfile(weighed: ReturnType<typeof weigh>, cpuMs: number): void {
  const cell = (ms: number, percent: number) => `${ms.toFixed(2).padStart(7)} ms ${percent.toFixed(1).padStart(5)} %`;
  console.log(`\nProfile: ${weighed.busy_samples} busy samples (${weighed.idle_samples} idle), as shares of the Worker runtime's ${cpuMs} ms per shopper`);
  for (const v of weighed.v8) console.log(`  ${v.entry.padEnd(60)} ${cell(v.ms, v.percent)}`);
  console.log("\nSelf time by module, per refused shopper:");
  for (const m of weighed.by_module.slice(0, top)) console.log(`  ${m.module.padEnd(60)} ${cell(m.ms, m.percent)}`);
  console.log("\nSelf time by function, per refused shopper (hottest line):");
  for (const f of weighed.by_function.slice(0, top)) {
    console.log(`  ${`${f.name} [${f.module}]`.slice(0, 60).padEnd(60)} ${cell(f.self_ms, f.self_percent)}  ${f.hot_line}`);
  }
  console.log("\nOur functions (src/) by total time (with what they call), per refused shopper:");
  const ours = weighed.by_function.filter((f) => f.module.startsWith("src/")).sort((a, b) => b.total_ms - a.total_ms);
  for (const f of ours.slice(0, top)) console.log(`  ${`${f.name} [${f.module}]`.slice(0, 60).padEnd(60)} ${cell(f.total_ms, f.total_percent)}  ${f.hot_line}`);
}

async function main(): Promise<void> {
  const bundle = values.bundle ? describeBundle(path.resolve(values.bundle)) : buildBundle({ sourceMap: true });
  const mapFile = `${bundle.entry}.map`;
  const sourceMap = existsSync(mapFile) ? loadSourceMap(mapFile) : null;
  if (!sourceMap) console.log(`No source map at ${mapFile}: frames are named by their place in the bundle`);
  console.log(`Serving ${bundle.entry} (${bundle.total_kib} KiB); load average ${describeLoad().join(" ")}`);
  let server: LocalServer | null = null;
  try {
    server = await startLocalServer({ seed: false, script: bundle.entry, config: bundle.config, testScheduled: false, vars: BENCH_VARS });
    const api = new BenchClient(server.url, concurrency);
    const cpu = serverCpuByRole(server.persistTo);

    // A ping's CPU, the unit the drop's goal is given in.
    const pings = count("pings");
    let before = cpu();
    await runPool(new Array<null>(pings).fill(null), concurrency, async () => {
      expectStatus("ping", await api.request("GET", "/v1/ping"), 204);
    });
    const ping = minus(cpu(), before, pings);

    const [variant] = await createVariants(api, server.adminToken, [units], "Profiled drop");
    await runPool(new Array<null>(units).fill(null), concurrency, async () => {
      if ((await dropShopper(api, variant!)) !== "order") throw new Error("a shopper was refused before the sell-out");
    });
    await refusedShoppers(api, variant!, count("warmup"));

    // The same number of shoppers unprofiled, then profiled: the profiler's own cost shows as the difference.
    before = cpu();
    await refusedShoppers(api, variant!, shoppers);
    const plain = minus(cpu(), before, shoppers);
    const byStep = await steps(api, variant!, shoppers, cpu);
    if (api.serverErrors) throw new Error(`${api.serverErrors} answers were 5xx`);

    const devtools = await connectDevtools(server.inspectorPort());
    await devtools.send("Profiler.enable");
    await devtools.send("Profiler.setSamplingInterval", { interval: count("interval") });
    before = cpu();
    await devtools.send("Profiler.start");
    await refusedShoppers(api, variant!, shoppers);
    const { profile } = await devtools.send<{ profile: CpuProfile }>("Profiler.stop");
    const profiled = minus(cpu(), before, shoppers);
    devtools.close();
    api.close();

    console.log(`\nServer CPU, ms per request or shopper (${shoppers} refused shoppers, ${concurrency} at a time):`);
    console.log(`  ${"process".padEnd(32)} ${"ping".padStart(8)} ${"shopper".padStart(8)} ${"profiled".padStart(9)}`);
    for (const role of Object.keys(plain).sort()) {
      console.log(`  ${role.padEnd(32)} ${String(ping[role] ?? 0).padStart(8)} ${String(plain[role]).padStart(8)} ${String(profiled[role] ?? 0).padStart(9)}`);
    }
    console.log(`  ${"all".padEnd(32)} ${String(sum(ping)).padStart(8)} ${String(sum(plain)).padStart(8)} ${String(sum(profiled)).padStart(9)}`);
    console.log(`  = ${round(sum(plain) / sum(ping), 1)} pings per refused shopper (unprofiled)`);
    console.log(`\nServer CPU per request, step by step (${shoppers} of each), ms: all processes (the Worker's runtime; the dev proxy)`);
    for (const [name, roles] of Object.entries({ "GET /v1/ping": ping, ...byStep })) {
      const worker = roles["workerd: the Worker"] ?? 0;
      const proxy = roles["workerd: wrangler's dev proxy"] ?? 0;
      console.log(`  ${name.padEnd(34)} ${String(sum(roles)).padStart(7)} (${worker}; ${proxy})  = ${round(sum(roles) / sum(ping), 1)} pings`);
    }

    const workerCpu = plain["workerd: the Worker"] ?? 0;
    const weighed = weigh(summarizeProfile(profile, sourceMap), workerCpu);
    printProfile(weighed, workerCpu);
    mkdirSync(path.dirname(values.out!), { recursive: true });
    writeFileSync(`${values.out}.cpuprofile`, JSON.stringify(profile));
    const report = {
      command: `npx tsx bench/profile.ts ${process.argv.slice(2).join(" ")}`.trim(),
      at: new Date().toISOString(),
      load_average: describeLoad(),
      shoppers,
      concurrency,
      cpu_ms_per_ping: ping,
      cpu_ms_per_shopper: plain,
      cpu_ms_per_shopper_profiled: profiled,
      cpu_ms_per_request_by_step: byStep,
      pings_per_shopper: round(sum(plain) / sum(ping), 1),
      profile: { ...weighed, by_function: weighed.by_function.slice(0, 300) },
    };
    writeFileSync(`${values.out}.json`, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`\nWrote ${path.relative(process.cwd(), `${values.out}.cpuprofile`)} and ${path.relative(process.cwd(), `${values.out}.json`)}`);
  } finally {
    if (server) {
      const s: LocalServer = server;
      await s.stop();
      rmSync(s.persistTo, { recursive: true, force: true });
    }
    if (!values.bundle) rmSync(bundle.outdir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
