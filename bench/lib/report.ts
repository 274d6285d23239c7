/** The printed table: one row per figure, latencies in milliseconds. */
import type { TableRow } from "./scenario.ts";

const HEADERS = ["scenario", "measure", "throughput", "p50 ms", "p95 ms", "p99 ms", "notes"];

function cells(row: TableRow): string[] {
  const ms = (v: number | undefined) => (v === undefined ? "" : v >= 100 ? v.toFixed(0) : v.toFixed(1));
  return [row.scenario, row.measure, row.rate ?? "", ms(row.latency?.p50), ms(row.latency?.p95), ms(row.latency?.p99), row.note ?? ""];
}

/** A plain-text table (also valid Markdown, for the README). */
export function formatTable(rows: TableRow[]): string {
  const body = rows.map(cells);
  const widths = HEADERS.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((c, i) => (i >= 2 && i <= 5 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(" | ")} |`;
  const rule = `| ${widths.map((w, i) => (i >= 2 && i <= 5 ? `${"-".repeat(w - 1)}:` : "-".repeat(w))).join(" | ")} |`;
  return [line(HEADERS), rule, ...body.map(line)].join("\n");
}
