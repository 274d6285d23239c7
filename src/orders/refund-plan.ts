/**
 * What a refund gives back, computed from the order and what its refunds already took.
 * Pure: plain data in, plain data out.
 *
 * A line's units are refunded at their exact share of the line's total (its discount and
 * tax included): k of the r units a line still has take the largest-remainder share of
 * the money the line still has, and the last units take exactly what is left. So
 * refunding every unit of every line refunds exactly the sum of the line totals, which
 * is the order's total, whatever the order and grouping of the refunds.
 */
import { allocateLargestRemainder } from "../checkout/money";

export interface PlanLine {
  line_id: string;
  variant_id: string;
  quantity: number;
  total: number;
}

/** What a line's pending and succeeded refunds already took. */
export interface LineTaken {
  units: number;
  amount: number;
}

export interface RefundState {
  /** What was captured for the order (the most that can ever be refunded). */
  captured: number;
  /** The sum of the order's pending and succeeded refunds. */
  taken: number;
  lines: PlanLine[];
  /** By line id; a line missing here took nothing. */
  lineTaken: ReadonlyMap<string, LineTaken>;
}

export type RefundAsk =
  | { kind: "lines"; lines: Array<{ line_id: string; quantity: number }> }
  | { kind: "amount"; amount: number }
  /** Everything not yet refunded (a refund without lines or amount, and a cancellation). */
  | { kind: "remaining" };

export interface PlannedLine {
  line_id: string;
  variant_id: string;
  quantity: number;
  amount: number;
  units_before: number;
  amount_before: number;
}

export interface RefundPlan {
  amount: number;
  lines: PlannedLine[];
}

export type PlanResult =
  | { ok: true; plan: RefundPlan }
  | { ok: false; code: "invalid_refund"; message: string; details?: Record<string, unknown> }
  | { ok: false; code: "refund_exceeds_captured"; refundable: number };

export function refundable(state: RefundState): number {
  return Math.max(0, state.captured - state.taken);
}

/** The share of `line`'s total for `quantity` more of its units. */
export function lineShare(line: PlanLine, taken: LineTaken, quantity: number): number {
  const units = line.quantity - taken.units;
  const money = line.total - taken.amount;
  if (quantity === units) return money;
  return allocateLargestRemainder(money, [quantity, units - quantity])[0]!;
}

export function planRefund(state: RefundState, ask: RefundAsk): PlanResult {
  const left = refundable(state);
  if (ask.kind === "amount") {
    if (ask.amount > left) return { ok: false, code: "refund_exceeds_captured", refundable: left };
    return { ok: true, plan: { amount: ask.amount, lines: [] } };
  }
  if (ask.kind === "lines") {
    const seen = new Set<string>();
    const lines: PlannedLine[] = [];
    for (const wanted of ask.lines) {
      const line = state.lines.find((l) => l.line_id === wanted.line_id);
      if (!line) return invalid(`The order has no line ${wanted.line_id}.`, { line_id: wanted.line_id });
      if (seen.has(line.line_id)) return invalid(`Line ${line.line_id} is named twice.`, { line_id: line.line_id });
      seen.add(line.line_id);
      const taken = takenOf(state, line.line_id);
      const remaining = line.quantity - taken.units;
      if (wanted.quantity > remaining) {
        return invalid(`Line ${line.line_id} has ${remaining} unit(s) left to refund.`, { line_id: line.line_id, requested: wanted.quantity, remaining });
      }
      lines.push(planned(line, taken, wanted.quantity, lineShare(line, taken, wanted.quantity)));
    }
    const amount = lines.reduce((sum, l) => sum + l.amount, 0);
    if (amount > left) return { ok: false, code: "refund_exceeds_captured", refundable: left };
    return { ok: true, plan: { amount, lines } };
  }
  // Everything that remains: every unit not yet refunded, and all the money not yet refunded.
  const open = state.lines.flatMap((line) => {
    const taken = takenOf(state, line.line_id);
    const units = line.quantity - taken.units;
    return units > 0 ? [{ line, taken, units, share: lineShare(line, taken, units) }] : [];
  });
  const shares = open.map((o) => o.share);
  const shareSum = shares.reduce((a, b) => a + b, 0);
  // Money-only refunds took money without units: the units then share what is left,
  // in proportion to their shares (or their counts when every share is 0).
  const amounts = shareSum === left ? shares : allocateLargestRemainder(left, shareSum > 0 ? shares : open.map((o) => o.units));
  return { ok: true, plan: { amount: left, lines: open.map((o, i) => planned(o.line, o.taken, o.units, amounts[i]!)) } };
}

function takenOf(state: RefundState, lineId: string): LineTaken {
  return state.lineTaken.get(lineId) ?? { units: 0, amount: 0 };
}

function planned(line: PlanLine, taken: LineTaken, quantity: number, amount: number): PlannedLine {
  return { line_id: line.line_id, variant_id: line.variant_id, quantity, amount, units_before: taken.units, amount_before: taken.amount };
}

function invalid(message: string, details?: Record<string, unknown>): PlanResult {
  return { ok: false, code: "invalid_refund", message, ...(details ? { details } : {}) };
}
