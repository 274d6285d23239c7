/** The webhook events table, newest first, with status and type filters and cursor paging. */
import type { FC } from "hono/jsx";
import { EVENT_STATUSES, EVENT_TYPES } from "../../events/outbox";
import type { EventSummary } from "../../contract/webhook-event";
import { eventStatusClass, time, truncate } from "./format";
import { Badge, Layout, Notice } from "./layout";
import { FilterForm, FilterSelect, listHref, Pager } from "./list-controls";

export interface EventsPageProps {
  events: EventSummary[];
  nextCursor: string | null;
  status: string | null;
  type: string | null;
  firstPage: boolean;
  error: string | null;
  csrf: string;
  who: string | null;
}

const pageLink = (status: string | null, type: string | null, cursor: string | null) => listHref("/admin/events", { status, type, cursor });

/** An id that may wrap after its underscores (a narrow column), and copies as it is. */
const BreakableId: FC<{ id: string }> = ({ id }) => (
  <>
    {id.split("_").map((part, i) => (
      <>
        {i > 0 && (
          <>
            _<wbr />
          </>
        )}
        {part}
      </>
    ))}
  </>
);

export const EventsPage: FC<EventsPageProps> = ({ events, nextCursor, status, type, firstPage, error, csrf, who }) => (
  <Layout title="Webhook events" section="events" csrf={csrf} who={who}>
    <h1>Webhook events</h1>
    <FilterForm action="/admin/events">
      <FilterSelect label="Status" name="status" options={EVENT_STATUSES} selected={status} />
      <FilterSelect label="Type" name="type" options={EVENT_TYPES} selected={type} />
    </FilterForm>
    {error && <Notice kind="fail">{error}</Notice>}
    {events.length === 0 ? (
      <p class="muted">No events match.</p>
    ) : (
      <div class="scroll">
        <table>
          <thead>
            <tr>
              <th>Event</th>
              <th>Status</th>
              <th>Type</th>
              <th class="num">Attempts</th>
              <th>Created</th>
              <th>Last error</th>
            </tr>
          </thead>
          <tbody>
            {events.map((e) => {
              const kind = eventStatusClass(e.status);
              return (
                <tr data-event-id={e.id} class={kind === "warn" || kind === "fail" ? kind : undefined}>
                  <td class="wrap">
                    <a class="mono" href={`/admin/events/${encodeURIComponent(e.id)}`}>
                      <BreakableId id={e.id} />
                    </a>
                  </td>
                  <td>
                    <Badge kind={kind}>{e.status}</Badge>
                  </td>
                  <td>
                    <code>{e.type}</code>
                  </td>
                  <td class="num">{e.attempts}</td>
                  <td>{time(e.created_at)}</td>
                  <td class="wrap" title={e.last_error ?? undefined}>
                    {truncate(e.last_error, 80)}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    )}
    <Pager href={(cursor) => pageLink(status, type, cursor)} firstPage={firstPage} nextCursor={nextCursor} />
  </Layout>
);
