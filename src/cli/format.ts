/** How the CLI shows values: UTC times, money, durations, shares, and coloured statuses. */
import type { Paint } from "./text-table.ts";

export function time(iso: string | null | undefined): string {
  return iso ? `${iso.slice(0, 10)} ${iso.slice(11, 19)}` : "—";
}

export function money(amount: number | null | undefined, currency: string | null | undefined): string {
  if (amount === null || amount === undefined) return "—";
  if (!currency) return String(amount);
  let digits = 2;
  try {
    digits = new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    // An unknown code: show it with two decimals.
  }
  return `${(amount / 10 ** digits).toFixed(digits)} ${currency}`;
}

export const seconds = (v: number | null | undefined) => (v === null || v === undefined ? "—" : `${v.toFixed(2)} s`);
export const percent = (v: number | null | undefined) => (v === null || v === undefined ? "—" : `${(v * 100).toFixed(1)} %`);
export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** ok / warn / fail of checks. */
export function checkStatus(paint: Paint, s: string): string {
  return s === "ok" ? paint.ok(s) : s === "warn" ? paint.warn(s) : s === "fail" ? paint.fail(s) : s;
}

export function eventStatus(paint: Paint, s: string): string {
  return s === "delivered" ? paint.ok(s) : s === "dead" ? paint.fail(s) : s === "undeliverable" ? paint.warn(s) : s;
}

/** Paints a padded table cell by its trimmed text, keeping the padding. */
export function paintCell(paintText: (s: string) => string): (_row: unknown, cell: string) => string {
  return (_row, cell) => {
    const text = cell.trimEnd();
    return paintText(text) + cell.slice(text.length);
  };
}
