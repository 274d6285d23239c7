/** A timeline as a table: when, what happened (with the checkout's state and phase, where the entries carry them) and its detail. */
import type { FC } from "hono/jsx";
import { compactJson, time } from "./format";
import { Table } from "./table";

export interface TimelineEntry {
  at: string;
  event: string;
  state?: string;
  phase?: string;
  detail: unknown;
}

export const TimelineTable: FC<{ entries: TimelineEntry[]; withState?: boolean }> = ({ entries, withState = false }) => (
  <Table columns={withState ? ["At", "Event", "State", "Phase", "Detail"] : ["At", "Event", "Detail"]}>
    {entries.map((t) => (
      <tr>
        <td>{time(t.at)}</td>
        <td>
          <code>{t.event}</code>
        </td>
        {withState && (
          <>
            <td>{t.state}</td>
            <td>
              <code>{t.phase}</code>
            </td>
          </>
        )}
        <td class="wrap mono">{compactJson(t.detail)}</td>
      </tr>
    ))}
  </Table>
);
