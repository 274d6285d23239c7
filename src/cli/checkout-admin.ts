/**
 * `checkout-admin`: the operators' CLI for the admin API (run with tsx, no build step).
 *
 *   checkout-admin monitor [--hours 24] [--watch SECONDS]
 *   checkout-admin diagnostics [--lock-id ID] [--fail-on-warn]
 *   checkout-admin cleanup
 *   checkout-admin locks [--state S] [--cart-id ID] [--limit N] [--cursor C]
 *   checkout-admin release ID
 *   checkout-admin events [--status S] [--type T] [--limit N] [--cursor C]
 *   checkout-admin redeliver ID
 *   checkout-admin redeliver --dead|--undeliverable [--limit N]
 *
 * Every command takes --url and --token (or CHECKOUT_ADMIN_URL / CHECKOUT_ADMIN_TOKEN)
 * and --json for the raw answer. Exit codes, for scripts:
 *   0 ok · 1 the check or action failed (diagnostics fail, release or redeliver
 *   refused, cleanup errors) · 2 usage error · 3 cannot talk to the admin API (URL,
 *   token, server down).
 */
import { ApiError, ConnectionError, createAdminClient, type AdminClient } from "./admin-client.ts";
import { GLOBAL_SWITCHES, intFlag, parseArgs, stringFlag, UsageError, type ParsedArgs } from "./cli-args.ts";
import { keyValues, painter, table, type Column, type Paint } from "./text-table.ts";

export const EXIT = { ok: 0, failed: 1, usage: 2, unreachable: 3 } as const;

const DEFAULT_URL = "http://127.0.0.1:8787";
const COMMON_FLAGS = ["url", "token"];
/** `switches`: flags without a value that only this command takes. */
const COMMANDS: Record<string, { flags: string[]; switches?: string[]; summary: string }> = {
  monitor: { flags: ["hours", "watch"], summary: "checkout statistics over a window (default 24 h) as tables; --watch N refreshes every N s" },
  diagnostics: { flags: ["lock-id"], summary: "invariant checks (exit 1 when one fails); --lock-id explains one checkout" },
  cleanup: { flags: [], summary: "run the cleanup job now (expire overdue checkouts, release orphaned stock, relay events)" },
  locks: { flags: ["state", "cart-id", "limit", "cursor"], summary: "checkout locks, newest first; --state active|locked|completed|…" },
  release: { flags: [], summary: "release an active checkout (cancelled, reason admin_release)" },
  events: { flags: ["status", "type", "limit", "cursor"], summary: "webhook events, newest first; --status dead|undeliverable|delivered|pending|enqueued, --type" },
  redeliver: { flags: ["limit"], switches: ["dead", "undeliverable"], summary: "send an event again now (ID), or the oldest dead / undeliverable ones (--dead, --undeliverable; --limit, default 100)" },
};
/** Commands that take a positional argument (an id). */
const WITH_ARGUMENT = new Set(["release", "redeliver"]);

const HELP = `Usage: checkout-admin <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`)
  .join("\n")}

Options:
  --url URL       the Worker (default $CHECKOUT_ADMIN_URL or ${DEFAULT_URL})
  --token TOKEN   the admin token (default $CHECKOUT_ADMIN_TOKEN; npm start prints the local one)
  --json          print the API's JSON instead of tables
  --no-color      no colours (also when NO_COLOR is set or output is not a terminal)
  --help          this text

Exit codes: 0 ok, 1 check/action failed, 2 usage error, 3 admin API unreachable or token refused.

Examples:
  checkout-admin monitor --hours 1
  checkout-admin diagnostics --lock-id chk_…
  checkout-admin locks --state active
  checkout-admin release chk_…
  checkout-admin events --status dead
  checkout-admin redeliver evt_checkout_completed_chk_…
  checkout-admin redeliver --dead`;

interface Io {
  out(text: string): void;
  err(text: string): void;
  paint: Paint;
}

// ------------------------------------------------------------- formatting

function time(iso: string | null | undefined): string {
  return iso ? `${iso.slice(0, 10)} ${iso.slice(11, 19)}` : "—";
}

function money(amount: number | null | undefined, currency: string): string {
  if (amount === null || amount === undefined) return "—";
  let digits = 2;
  try {
    digits = new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    // An unknown code: show it with two decimals.
  }
  return `${(amount / 10 ** digits).toFixed(digits)} ${currency}`;
}

const seconds = (v: number | null | undefined) => (v === null || v === undefined ? "—" : `${v.toFixed(2)} s`);
const percent = (v: number | null | undefined) => (v === null || v === undefined ? "—" : `${(v * 100).toFixed(1)} %`);

function status(paint: Paint, s: string): string {
  return s === "ok" ? paint.ok(s) : s === "warn" ? paint.warn(s) : s === "fail" ? paint.fail(s) : s;
}

// ----------------------------------------------------------------- commands

interface Statistics {
  window_hours: number;
  since: string;
  generated_at: string;
  total: number;
  by_state: Record<string, number>;
  success_rate: number | null;
  failures_by_phase: Record<string, number>;
  failures_by_code: Record<string, number>;
  avg_duration_seconds: number | null;
  p50_duration_seconds: number | null;
  p95_duration_seconds: number | null;
  active: number;
  expired_pending_cleanup: number;
}

export function formatStatistics(s: Statistics, paint: Paint): string {
  const summary = keyValues([
    ["Window", `last ${s.window_hours} h (since ${time(s.since)} UTC)`],
    ["Checkouts", String(s.total)],
    ["Success rate", percent(s.success_rate)],
    ["Active now", String(s.active)],
    ["Past deadline", s.expired_pending_cleanup > 0 ? paint.warn(String(s.expired_pending_cleanup)) : "0"],
    ["Duration avg", seconds(s.avg_duration_seconds)],
    ["Duration p50", seconds(s.p50_duration_seconds)],
    ["Duration p95", seconds(s.p95_duration_seconds)],
    ["As of", `${time(s.generated_at)} UTC`],
  ]);
  const states = Object.entries(s.by_state).filter(([, n]) => n > 0);
  const byState = states.length
    ? table(states, [
        { title: "STATE", value: ([k]) => k },
        { title: "COUNT", value: ([, n]) => String(n), align: "right" },
        { title: "SHARE", value: ([, n]) => percent(s.total ? n / s.total : null), align: "right" },
      ])
    : "(no checkouts in this window)";
  const failures = table(Object.entries(s.failures_by_phase), [
    { title: "FAILED IN PHASE", value: ([k]) => k },
    { title: "COUNT", value: ([, n]) => String(n), align: "right", paint: ([, n], cell) => (n > 0 ? paint.fail(cell) : cell) },
  ]);
  const codes = Object.entries(s.failures_by_code);
  return [
    paint.bold("Checkout statistics"),
    summary,
    "",
    byState,
    "",
    failures,
    ...(codes.length ? ["", `Causes: ${codes.map(([c, n]) => `${c} ${n}`).join(", ")}`] : []),
  ].join("\n");
}

async function monitor(client: AdminClient, args: ParsedArgs, io: Io, json: boolean): Promise<number> {
  const hours = intFlag(args, "hours", 1, 24 * 90) ?? 24;
  const watch = intFlag(args, "watch", 1, 3600);
  for (;;) {
    const s = await client.get<Statistics>(`/admin/api/checkout-locks/statistics?hours=${hours}`);
    if (json) io.out(JSON.stringify(s, null, 2));
    else io.out((watch ? "\x1b[2J\x1b[H" : "") + formatStatistics(s, io.paint));
    if (!watch) return EXIT.ok;
    await new Promise((r) => setTimeout(r, watch * 1000));
  }
}

interface Check {
  name: string;
  status: string;
  details: { summary: string } & Record<string, unknown>;
}

async function diagnostics(client: AdminClient, args: ParsedArgs, io: Io, json: boolean): Promise<number> {
  const lockId = stringFlag(args, "lock-id");
  const report = await client.get<{ status: string; checks: Check[]; explanation?: string; checkout_id?: string }>(
    `/admin/api/diagnostics${lockId ? `?lock_id=${encodeURIComponent(lockId)}` : ""}`,
  );
  if (json) io.out(JSON.stringify(report, null, 2));
  else {
    const lines = [io.paint.bold(`Diagnostics${lockId ? ` of ${lockId}` : ""}: `) + status(io.paint, report.status)];
    if (report.explanation) lines.push("", report.explanation);
    lines.push(
      "",
      table(report.checks, [
        { title: "CHECK", value: (c) => c.name },
        { title: "STATUS", value: (c) => c.status, paint: (c, cell) => status(io.paint, cell.trimEnd()) + cell.slice(c.status.length) },
        { title: "FINDING", value: (c) => c.details.summary, max: 110 },
      ]),
    );
    const failing = report.checks.filter((c) => c.status !== "ok");
    if (failing.length) lines.push("", io.paint.dim("Evidence: run with --json, or open /admin/diagnostics in the console."));
    io.out(lines.join("\n"));
  }
  if (report.status === "fail") return EXIT.failed;
  if (report.status === "warn" && args.flags.has("fail-on-warn")) return EXIT.failed;
  return EXIT.ok;
}


async function cleanup(client: AdminClient, _args: ParsedArgs, io: Io, json: boolean): Promise<number> {
  let result: Record<string, unknown>;
  try {
    result = await client.post<Record<string, unknown>>("/admin/api/cleanup");
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) throw new ConnectionError("This server has no cleanup endpoint (POST /admin/api/cleanup).");
    throw error;
  }
  if (json) io.out(JSON.stringify(result, null, 2));
  else {
    const entries = Object.entries(result).map(([k, v]) => [k, typeof v === "object" ? JSON.stringify(v) : String(v)] as [string, string]);
    io.out([io.paint.bold("Cleanup"), keyValues(entries), ...(result.done === false ? ["", "More work is left (done: false): run cleanup again."] : [])].join("\n"));
  }
  const errors = Number(result.errors ?? 0) + Number(result.captured_without_order ?? 0);
  return errors > 0 ? EXIT.failed : EXIT.ok;
}

interface LockSummary {
  id: string;
  cart_id: string;
  state: string;
  phase: string;
  currency: string;
  total: number | null;
  active: boolean;
  overdue: boolean;
  created_at: string;
  expires_at: string;
  ended_at: string | null;
}

async function locks(client: AdminClient, args: ParsedArgs, io: Io, json: boolean): Promise<number> {
  return printPage<LockSummary>(client, args, io, json, {
    command: "locks",
    path: "/admin/api/checkout-locks",
    filters: { state: "state", cart_id: "cart-id" },
    empty: "No checkout locks match.",
    columns: [
      { title: "ID", value: (l) => l.id },
      { title: "STATE", value: (l) => `${l.state}${l.overdue ? " (overdue)" : ""}` },
      { title: "PHASE", value: (l) => l.phase },
      { title: "TOTAL", value: (l) => money(l.total, l.currency), align: "right" },
      { title: "CREATED (UTC)", value: (l) => time(l.created_at) },
      { title: "EXPIRES / ENDED (UTC)", value: (l) => (l.active ? time(l.expires_at) : time(l.ended_at)) },
      { title: "CART", value: (l) => l.cart_id },
    ],
  });
}

/**
 * A paged list: its filters (API query name → flag), --cursor and --limit, a table, and
 * the command line that prints the next page.
 */
async function printPage<T>(
  client: AdminClient,
  args: ParsedArgs,
  io: Io,
  json: boolean,
  list: { command: string; path: string; filters: Record<string, string>; empty: string; columns: Column<T>[] },
): Promise<number> {
  const query = new URLSearchParams();
  const again = [list.command];
  for (const [param, flag] of Object.entries(list.filters)) {
    const value = stringFlag(args, flag);
    if (!value) continue;
    query.set(param, value);
    again.push(`--${flag} ${value}`);
  }
  const cursor = stringFlag(args, "cursor");
  const limit = intFlag(args, "limit", 1, 200);
  if (cursor) query.set("cursor", cursor);
  if (limit) query.set("limit", String(limit));
  const page = await client.get<{ data: T[]; next_cursor: string | null }>(`${list.path}${query.size ? `?${query}` : ""}`);
  if (json) {
    io.out(JSON.stringify(page, null, 2));
    return EXIT.ok;
  }
  io.out(page.data.length === 0 ? list.empty : table(page.data, list.columns));
  if (page.next_cursor) io.out(`\nMore: checkout-admin ${again.join(" ")} --cursor ${page.next_cursor}`);
  return EXIT.ok;
}

async function release(client: AdminClient, args: ParsedArgs, io: Io, json: boolean): Promise<number> {
  const id = args.positionals[0];
  if (!id || args.positionals.length > 1) throw new UsageError("release takes one checkout id: checkout-admin release chk_…");
  try {
    const result = await client.post<{ checkout: { id: string; state: string; cancel_reason?: string } }>(`/admin/api/checkout-locks/${encodeURIComponent(id)}/release`);
    if (json) io.out(JSON.stringify(result, null, 2));
    else io.out(`${io.paint.ok("Released")} ${result.checkout.id}: ${result.checkout.state} (${result.checkout.cancel_reason ?? "admin_release"}); stock, quote and discounts given back.`);
    return EXIT.ok;
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (error.status === 404) io.err(`No checkout ${id}.`);
    else if (error.status === 409) io.err(`Not released: ${error.message}`);
    else throw error;
    return EXIT.failed;
  }
}

interface EventSummary {
  id: string;
  type: string;
  status: string;
  attempts: number;
  last_error: string | null;
  created_at: string;
  enqueued_at: string | null;
  delivered_at: string | null;
}

function eventStatus(paint: Paint, s: string): string {
  return s === "delivered" ? paint.ok(s) : s === "dead" ? paint.fail(s) : s === "undeliverable" ? paint.warn(s) : s;
}

async function events(client: AdminClient, args: ParsedArgs, io: Io, json: boolean): Promise<number> {
  return printPage<EventSummary>(client, args, io, json, {
    command: "events",
    path: "/admin/api/events",
    filters: { status: "status", type: "type" },
    empty: "No events match.",
    columns: [
      { title: "ID", value: (e) => e.id },
      { title: "TYPE", value: (e) => e.type },
      { title: "STATUS", value: (e) => e.status, paint: (e, cell) => eventStatus(io.paint, cell.trimEnd()) + cell.slice(e.status.length) },
      { title: "ATTEMPTS", value: (e) => String(e.attempts), align: "right" },
      { title: "CREATED (UTC)", value: (e) => time(e.created_at) },
      { title: "LAST ERROR", value: (e) => e.last_error ?? "", max: 60 },
    ],
  });
}

async function redeliver(client: AdminClient, args: ParsedArgs, io: Io, json: boolean): Promise<number> {
  const id = args.positionals[0];
  const bulk = (["dead", "undeliverable"] as const).filter((s) => args.flags.has(s));
  const limit = intFlag(args, "limit", 1, 500);
  if (args.positionals.length > 1 || bulk.length > 1 || (id === undefined) === (bulk.length === 0)) {
    throw new UsageError("redeliver takes one event id, or --dead (or --undeliverable) for the oldest of them: checkout-admin redeliver evt_… | checkout-admin redeliver --dead");
  }
  if (id !== undefined && limit !== undefined) throw new UsageError("--limit goes with --dead or --undeliverable, not with an event id.");
  if (bulk[0]) {
    const status = bulk[0];
    const result = await client.post<{ redelivered: number; more: boolean }>("/admin/api/events/redeliver", { status, ...(limit ? { limit } : {}) });
    if (json) io.out(JSON.stringify(result, null, 2));
    else {
      io.out(result.redelivered === 0 ? `No ${status} events to redeliver.` : `${io.paint.ok("Redelivered")} ${result.redelivered} ${status} event${result.redelivered === 1 ? "" : "s"}: enqueued now.`);
      if (result.more) io.out(`More ${status} events are left: run checkout-admin redeliver --${status} again.`);
    }
    return EXIT.ok;
  }
  try {
    const result = await client.post<{ event: EventSummary }>(`/admin/api/events/${encodeURIComponent(id!)}/redeliver`);
    if (json) io.out(JSON.stringify(result, null, 2));
    else io.out(`${io.paint.ok("Redelivered")} ${result.event.id}: ${result.event.status} (same webhook-id; ${result.event.attempts} attempt${result.event.attempts === 1 ? "" : "s"} before this one).`);
    return EXIT.ok;
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (error.status === 404) io.err(`No event ${id}.`);
    else if (error.status === 409) io.err(`Not redelivered: ${error.message}`);
    else throw error;
    return EXIT.failed;
  }
}

const RUN: Record<string, (client: AdminClient, args: ParsedArgs, io: Io, json: boolean) => Promise<number>> = { monitor, diagnostics, cleanup, locks, release, events, redeliver };

// --------------------------------------------------------------------- main

export async function main(argv: string[], env: NodeJS.ProcessEnv, io: Omit<Io, "paint">, colour: boolean): Promise<number> {
  let args: ParsedArgs;
  const allFlags = new Set([...COMMON_FLAGS, ...Object.values(COMMANDS).flatMap((c) => c.flags)]);
  try {
    args = parseArgs(argv, allFlags, new Set(Object.values(COMMANDS).flatMap((c) => c.switches ?? [])));
    if (args.flags.has("help") || args.command === "help") {
      io.out(HELP);
      return EXIT.ok;
    }
    if (!args.command) throw new UsageError("Name a command.");
    const command = COMMANDS[args.command];
    if (!command) throw new UsageError(`Unknown command "${args.command}".`);
    const allowed = new Set([...COMMON_FLAGS, ...command.flags, ...(command.switches ?? [])]);
    for (const name of args.flags.keys()) {
      if (!allowed.has(name) && !GLOBAL_SWITCHES.has(name)) throw new UsageError(`${args.command} takes no --${name}.`);
    }
    if (!WITH_ARGUMENT.has(args.command) && args.positionals.length) throw new UsageError(`${args.command} takes no argument "${args.positionals[0]}".`);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`${error.message}\n\n${HELP}`);
    return EXIT.usage;
  }

  const url = stringFlag(args, "url") ?? env.CHECKOUT_ADMIN_URL ?? DEFAULT_URL;
  const token = stringFlag(args, "token") ?? env.CHECKOUT_ADMIN_TOKEN;
  const full: Io = { ...io, paint: painter(colour && !args.flags.has("no-color")) };
  try {
    if (!token) throw new UsageError("No admin token: pass --token or set CHECKOUT_ADMIN_TOKEN (npm start prints the local one).");
    const client = createAdminClient(url, token);
    return await RUN[args.command!]!(client, args, full, args.flags.has("json"));
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(error.message);
      return EXIT.usage;
    }
    if (error instanceof ConnectionError) {
      io.err(`checkout-admin: ${error.message}`);
      return EXIT.unreachable;
    }
    if (error instanceof ApiError) {
      io.err(`checkout-admin: ${error.status} ${error.code}: ${error.message}`);
      return error.status === 400 ? EXIT.usage : EXIT.failed;
    }
    throw error;
  }
}

// Run when executed (bin/checkout-admin.mjs or `npm run checkout-admin`), not when imported.
const invokedAs = process.argv[1] ?? "";
if (/checkout-admin(\.ts|\.mjs)?$/.test(invokedAs)) {
  const colour = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
  main(process.argv.slice(2), process.env, { out: (t) => console.log(t), err: (t) => console.error(t) }, colour).then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      console.error(`checkout-admin: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      process.exitCode = EXIT.failed;
    },
  );
}
