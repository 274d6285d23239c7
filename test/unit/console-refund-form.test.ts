/** The console's refund form: amounts typed in the currency's units, read exactly with its exponent; lines by quantity. */
import { describe, expect, it } from "vitest";
import { minorUnits, readRefundForm } from "../../src/admin/console/refund-form";

describe("console refund form", () => {
  it("reads an amount in major units with the currency's exponent, never rounding", () => {
    expect(minorUnits("12.5", 2)).toBe(1250);
    expect(minorUnits("12,05", 2)).toBe(1205);
    expect(minorUnits("1 000", 0)).toBe(1000);
    expect(minorUnits("0.125", 3)).toBe(125);
    expect(minorUnits("7", 3)).toBe(7000);
    expect(minorUnits("1.005", 2)).toBeNull();
    expect(minorUnits("1.5", 0)).toBeNull();
    expect(minorUnits("-1", 2)).toBeNull();
    expect(minorUnits("1e3", 2)).toBeNull();
    expect(minorUnits("", 2)).toBeNull();
  });

  it("turns the chosen mode into the refund API's ask; restock only with lines", () => {
    const lines = ["line_a", "line_b"];
    expect(readRefundForm({ mode: "lines", "qty.line_a": "2", "qty.line_b": "0", restock: "on", reason: " broken " }, lines, 2)).toMatchObject({
      ok: true,
      ask: { kind: "lines", lines: [{ line_id: "line_a", quantity: 2 }] },
      restock: true,
      reason: "broken",
    });
    expect(readRefundForm({ mode: "amount", amount: "3.10", restock: "on" }, lines, 2)).toMatchObject({
      ok: true,
      ask: { kind: "amount", amount: 310 },
      restock: false,
      reason: null,
    });
    expect(readRefundForm({ mode: "remaining" }, lines, 2)).toMatchObject({ ok: true, ask: { kind: "remaining" } });
    expect(readRefundForm({ mode: "lines", "qty.line_a": "1.5" }, lines, 2)).toMatchObject({ ok: false, message: "Quantities are whole numbers of units." });
    expect(readRefundForm({ mode: "lines" }, lines, 2)).toMatchObject({ ok: false });
    expect(readRefundForm({ mode: "amount", amount: "0" }, lines, 2)).toMatchObject({ ok: false, message: "The amount must be more than zero." });
    // A line id the order does not have is not read at all.
    expect(readRefundForm({ mode: "lines", "qty.line_z": "1" }, lines, 2)).toMatchObject({ ok: false });
  });
});
