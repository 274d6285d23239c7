/** How the console writes money, times and durations. Pure. */
import { formatAmountOf, type MoneyCurrency } from "../../client/money-format";

/** An amount of `of`'s currency with the catalog's exponent, for the admin's locale (from Accept-Language). */
export function money(amount: number | null | undefined, of: MoneyCurrency, locale: string | undefined): string {
  if (amount === null || amount === undefined) return "—";
  return formatAmountOf(amount, of, locale);
}

/** "2026-11-22 10:30:05 UTC" */
export function time(iso: string | null | undefined): string {
  if (!iso) return "—";
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

export function relative(iso: string | null | undefined, now: number): string {
  if (!iso) return "";
  const delta = Date.parse(iso) - now;
  const abs = Math.abs(delta);
  const text =
    abs < 60_000
      ? `${Math.round(abs / 1000)} s`
      : abs < 3_600_000
        ? `${Math.round(abs / 60_000)} min`
        : abs < 172_800_000
          ? `${Math.round(abs / 3_600_000)} h`
          : `${Math.round(abs / 86_400_000)} d`;
  return delta >= 0 ? `in ${text}` : `${text} ago`;
}

export function seconds(value: number | null | undefined): string {
  if (value === null || value === undefined) return "—";
  return value < 60 ? `${value.toFixed(value < 10 ? 2 : 1)} s` : `${(value / 60).toFixed(1)} min`;
}

/** A duration given in milliseconds: "35 ms", "1.20 s". */
export function millis(value: number | null | undefined): string {
  if (value === null || value === undefined) return "—";
  return value < 1000 ? `${Math.round(value)} ms` : seconds(value / 1000);
}

export function percent(rate: number | null | undefined): string {
  return rate === null || rate === undefined ? "—" : `${(rate * 100).toFixed(1)} %`;
}

/** The CSS class of a state's badge: terminal states by name, everything else `active`. */
export function stateClass(state: string): string {
  return ["completed", "failed", "cancelled", "expired"].includes(state) ? state : "active";
}

/** The CSS class of a webhook event status: delivered ok, undeliverable warn, dead fail, on its way `active`. */
export function eventStatusClass(status: string): string {
  return status === "delivered" ? "ok" : status === "undeliverable" ? "warn" : status === "dead" ? "fail" : "active";
}

/** At most `max` characters, an ellipsis marking a cut. */
export function truncate(text: string | null | undefined, max: number): string {
  if (!text) return "";
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function compactJson(value: unknown): string {
  if (value === null || value === undefined) return "";
  return JSON.stringify(value);
}

/** The CSS class of an order status's badge: paid ok, partly refunded warn, refunded and cancelled grey. */
export function orderStatusClass(status: string): string {
  return status === "paid" ? "ok" : status === "partially_refunded" ? "warn" : "cancelled";
}

/** The CSS class of a refund status's badge. */
export function refundStatusClass(status: string): string {
  return status === "succeeded" ? "ok" : status === "failed" ? "fail" : "active";
}
