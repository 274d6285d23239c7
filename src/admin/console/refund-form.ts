/**
 * The console's refund form, read into what the refund API takes. Amounts are typed in
 * the currency's major unit ("12.50") and read with the order's `currency_exponent`, so
 * an amount with more digits than the currency has is refused, never rounded. Pure.
 */
import type { RefundAsk } from "../../orders/refund-plan";

export const REFUND_MODES = ["lines", "amount", "remaining"] as const;
export type RefundMode = (typeof REFUND_MODES)[number];

/** The form as typed, to show again (on the confirmation step, or with an error). */
export interface RefundFormFields {
  mode: RefundMode;
  quantities: Record<string, string>;
  amount: string;
  restock: boolean;
  reason: string;
}

export type RefundFormResult =
  | { ok: true; ask: RefundAsk; restock: boolean; reason: string | null; fields: RefundFormFields }
  | { ok: false; message: string; fields: RefundFormFields };

/** The field of a line's quantity. */
export const quantityField = (lineId: string) => `qty.${lineId}`;

const MAX_REASON = 500;

export function readRefundForm(form: Record<string, unknown>, lineIds: readonly string[], exponent: number): RefundFormResult {
  const text = (name: string) => (typeof form[name] === "string" ? (form[name] as string).trim() : "");
  const mode = (REFUND_MODES as readonly string[]).includes(text("mode")) ? (text("mode") as RefundMode) : "lines";
  const quantities = Object.fromEntries(lineIds.map((id) => [id, text(quantityField(id))]));
  const fields: RefundFormFields = { mode, quantities, amount: text("amount"), restock: text("restock") !== "", reason: text("reason").slice(0, MAX_REASON) };
  const fail = (message: string): RefundFormResult => ({ ok: false, message, fields });
  const restock = mode === "lines" && fields.restock;
  const reason = fields.reason || null;
  if (mode === "remaining") return { ok: true, ask: { kind: "remaining" }, restock: false, reason, fields };
  if (mode === "amount") {
    const amount = minorUnits(fields.amount, exponent);
    if (amount === null)
      return fail(
        `Type the amount in the currency's units, with at most ${exponent} decimal${exponent === 1 ? "" : "s"} (like ${exponent ? `12.${"5".padEnd(exponent, "0")}` : "1250"}).`,
      );
    if (amount === 0) return fail("The amount must be more than zero.");
    return { ok: true, ask: { kind: "amount", amount }, restock: false, reason, fields };
  }
  const lines: Array<{ line_id: string; quantity: number }> = [];
  for (const id of lineIds) {
    const typed = quantities[id]!;
    if (typed === "" || typed === "0") continue;
    if (!/^[0-9]{1,6}$/.test(typed)) return fail("Quantities are whole numbers of units.");
    lines.push({ line_id: id, quantity: Number(typed) });
  }
  if (lines.length === 0) return fail("Choose how many units of which lines to refund.");
  return { ok: true, ask: { kind: "lines", lines }, restock, reason, fields };
}

/** "12.5" with exponent 2 → 1250; null when it is not a plain non-negative number with at most `exponent` decimals. */
export function minorUnits(typed: string, exponent: number): number | null {
  const m = /^([0-9]{1,13})(?:[.,]([0-9]+))?$/.exec(typed.replace(/[\s_]/g, ""));
  if (!m) return null;
  const fraction = m[2] ?? "";
  if (fraction.length > exponent) return null;
  const value = Number(m[1]) * 10 ** exponent + Number(fraction.padEnd(exponent, "0") || "0");
  return Number.isSafeInteger(value) ? value : null;
}
