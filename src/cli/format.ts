/** How the CLI shows values: UTC times, money, durations, shares, and coloured statuses. */
import { formatAmountOf, type MoneyCurrency } from "../client/money-format.ts";
import type { Paint } from "./text-table.ts";

export function time(iso: string | null | undefined): string {
  return iso ? `${iso.slice(0, 10)} ${iso.slice(11, 19)}` : "—";
}

/**
 * An amount of `of`'s currency, from the exponent the API sent with it (never Intl's own
 * digits: a store may give HUF two), written for `locale` (see locale.ts).
 */
export function money(amount: number | null | undefined, of: MoneyCurrency | null | undefined, locale: string | undefined): string {
  if (amount === null || amount === undefined) return "—";
  return of ? formatAmountOf(amount, of, locale) : String(amount);
}

/** An amount the API sent without its currency's exponent (the catalog's echoes), as typed: USD=1999. */
export const minorUnits = (amount: number | null | undefined, currency: string | null | undefined) =>
  amount === null || amount === undefined ? "—" : `${currency ?? "?"}=${amount}`;

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
