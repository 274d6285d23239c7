/** Plain-text tables for the terminal: aligned columns, numbers to the right, optional colour. */

export interface Column<T> {
  title: string;
  value: (row: T) => string;
  align?: "left" | "right";
  /** Colours a cell (already padded) when the output is a terminal. */
  paint?: (row: T, cell: string) => string;
  /** Longer cells are cut with an ellipsis. */
  max?: number;
}

// Colour codes are not counted in column widths.
// biome-ignore lint/suspicious/noControlCharactersInRegex: ESC is the start of the colour codes this strips.
const visible = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, "");

export function table<T>(rows: T[], columns: Column<T>[]): string {
  const cells = rows.map((row) =>
    columns.map((c) => {
      const text = c.value(row).replace(/\s+/g, " ");
      return c.max && text.length > c.max ? `${text.slice(0, c.max - 1)}…` : text;
    }),
  );
  const widths = columns.map((c, i) => Math.max(c.title.length, ...cells.map((r) => visible(r[i]!).length)));
  const pad = (text: string, i: number) => {
    const gap = " ".repeat(widths[i]! - visible(text).length);
    return columns[i]!.align === "right" ? gap + text : text + gap;
  };
  const lines = [
    columns
      .map((c, i) => pad(c.title, i))
      .join("  ")
      .trimEnd(),
    widths.map((w) => "─".repeat(w)).join("  "),
  ];
  rows.forEach((row, r) => {
    lines.push(
      columns
        .map((c, i) => {
          const cell = pad(cells[r]![i]!, i);
          return c.paint ? c.paint(row, cell) : cell;
        })
        .join("  ")
        .trimEnd(),
    );
  });
  return lines.join("\n");
}

/** Two columns: a name and a value, for one object. */
export function keyValues(entries: Array<[string, string]>): string {
  const width = Math.max(...entries.map(([k]) => k.length));
  return entries.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join("\n");
}

export interface Paint {
  ok(s: string): string;
  warn(s: string): string;
  fail(s: string): string;
  bold(s: string): string;
  dim(s: string): string;
}

export function painter(enabled: boolean): Paint {
  const wrap = (code: string) => (s: string) => (enabled ? `\x1b[${code}m${s}\x1b[0m` : s);
  return { ok: wrap("32"), warn: wrap("33"), fail: wrap("31"), bold: wrap("1"), dim: wrap("2") };
}
