/** The health of the service: statistics (monitor), invariant checks (diagnostics), the cleanup job. */
import type { CheckoutStatistics } from "../../contract/checkout-statistics.ts";
import type { CleanupResult } from "../../contract/cleanup-result.ts";
import type { Diagnostics } from "../../contract/diagnostics.ts";
import { ApiError, ConnectionError } from "../admin-client.ts";
import { flag, intOption, stringOption } from "../cli-args.ts";
import { EXIT, type Command } from "../command.ts";
import { checkStatus, paintCell, percent, seconds, time } from "../format.ts";
import { keyValues, table, type Paint } from "../text-table.ts";

export function formatStatistics(s: CheckoutStatistics, paint: Paint): string {
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

const monitor: Command = {
  name: "monitor",
  summary: "checkout statistics over a window (default 24 h) as tables; --watch N refreshes every N s",
  usage: "[--hours H] [--watch SECONDS]",
  args: [0, 0],
  options: {
    hours: { type: "string", value: "H", help: "the window in hours (1-2160, default 24)" },
    watch: { type: "string", value: "SECONDS", help: "refresh every SECONDS (1-3600) until interrupted" },
  },
  examples: ["checkout-admin monitor --hours 1", "checkout-admin monitor --watch 10"],
  async run({ client, options, io, json }) {
    const hours = intOption(options, "hours", 1, 24 * 90) ?? 24;
    const watch = intOption(options, "watch", 1, 3600);
    for (;;) {
      const s = await client.get<CheckoutStatistics>(`/admin/api/checkout-locks/statistics?hours=${hours}`);
      if (json) io.out(JSON.stringify(s, null, 2));
      else io.out((watch ? "\x1b[2J\x1b[H" : "") + formatStatistics(s, io.paint));
      if (!watch) return EXIT.ok;
      await new Promise((r) => setTimeout(r, watch * 1000));
    }
  },
};

const diagnostics: Command = {
  name: "diagnostics",
  summary: "invariant checks (exit 1 when one fails); --lock-id explains one checkout",
  usage: "[--lock-id ID] [--fail-on-warn]",
  args: [0, 0],
  options: {
    "lock-id": { type: "string", value: "ID", help: "explain one checkout (chk_…) and check it alone" },
    "fail-on-warn": { type: "boolean", help: "exit 1 on a warning too" },
  },
  examples: ["checkout-admin diagnostics", "checkout-admin diagnostics --lock-id chk_…"],
  async run({ client, options, io, json }) {
    const lockId = stringOption(options, "lock-id");
    const report = await client.get<Diagnostics>(`/admin/api/diagnostics${lockId ? `?lock_id=${encodeURIComponent(lockId)}` : ""}`);
    if (json) io.out(JSON.stringify(report, null, 2));
    else {
      const lines = [io.paint.bold(`Diagnostics${lockId ? ` of ${lockId}` : ""}: `) + checkStatus(io.paint, report.status)];
      if (report.explanation) lines.push("", report.explanation);
      lines.push(
        "",
        table(report.checks, [
          { title: "CHECK", value: (c) => c.name },
          { title: "STATUS", value: (c) => c.status, paint: paintCell((s) => checkStatus(io.paint, s)) },
          { title: "FINDING", value: (c) => c.details.summary, max: 110 },
        ]),
      );
      if (report.checks.some((c) => c.status !== "ok")) lines.push("", io.paint.dim("Evidence: run with --json, or open /admin/diagnostics in the console."));
      io.out(lines.join("\n"));
    }
    if (report.status === "fail") return EXIT.failed;
    if (report.status === "warn" && flag(options, "fail-on-warn")) return EXIT.failed;
    return EXIT.ok;
  },
};

const cleanup: Command = {
  name: "cleanup",
  summary: "run the cleanup job now (expire overdue checkouts, release orphaned stock, relay events)",
  usage: "",
  args: [0, 0],
  options: {},
  async run({ client, io, json }) {
    let result: CleanupResult;
    try {
      result = await client.post<CleanupResult>("/admin/api/cleanup");
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) throw new ConnectionError("This server has no cleanup endpoint (POST /admin/api/cleanup).");
      throw error;
    }
    if (json) io.out(JSON.stringify(result, null, 2));
    else {
      const entries = Object.entries(result).map(([k, v]) => [k, typeof v === "object" ? JSON.stringify(v) : String(v)] as [string, string]);
      io.out(
        [io.paint.bold("Cleanup"), keyValues(entries), ...(result.done === false ? ["", "More work is left (done: false): run cleanup again."] : [])].join(
          "\n",
        ),
      );
    }
    const errors = result.errors + result.captured_without_order;
    return errors > 0 ? EXIT.failed : EXIT.ok;
  },
};

export const healthCommands: Command[] = [monitor, diagnostics, cleanup];
