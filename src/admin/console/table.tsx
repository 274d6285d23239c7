/** A console table: its heading row over the rows given, scrolling sideways when wider than the screen. */
import type { Child, FC } from "hono/jsx";

/** A column's heading; `{ num }` is a numeric column, aligned right. */
export type Column = string | { num: string };

export const Table: FC<{ columns: Column[]; children?: Child }> = ({ columns, children }) => (
  <div class="scroll">
    <table>
      <thead>
        <tr>{columns.map((c) => (typeof c === "string" ? <th>{c}</th> : <th class="num">{c.num}</th>))}</tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  </div>
);
