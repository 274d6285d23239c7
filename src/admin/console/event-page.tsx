/** One webhook event: summary, Redeliver, the body its receiver gets, every delivery attempt. */
import type { FC } from "hono/jsx";
import type { OutboxStatus } from "../../events/outbox";
import { REDELIVERABLE_STATUSES, type readEventDetail } from "../webhook-events";
import { eventStatusClass, millis, time } from "./format";
import { Badge, Layout, Notice } from "./layout";

/** What a redirect after a Redeliver may announce (only these keys are shown). */
export const REDELIVER_NOTICES: Record<string, { kind: "ok" | "warn" | "fail"; text: string }> = {
  enqueued: { kind: "ok", text: "Sent again: enqueued. The receiver gets it with the same webhook-id." },
  sent: { kind: "ok", text: "Sent again: the queue took it and its consumer has already handled it (see the status and attempts)." },
  event_in_flight: { kind: "warn", text: "Not sent again: this event is already on its way (pending or enqueued): there is nothing to redeliver." },
  unavailable: { kind: "fail", text: "Not sent again: the events queue did not accept the event. It is pending now: the next cleanup run sends it." },
  csrf: { kind: "fail", text: "Not sent again: the form was stale or not sent from this console. Try again." },
  error: { kind: "fail", text: "Not sent again: something went wrong. Try again." },
};

export type EventDetail = NonNullable<Awaited<ReturnType<typeof readEventDetail>>>;

export interface EventPageProps {
  detail: EventDetail;
  notice: string | null;
  csrf: string;
  who: string | null;
}

export const EventPage: FC<EventPageProps> = ({ detail, notice, csrf, who }) => {
  const { event: e, deliveries } = detail;
  const redeliverable = (REDELIVERABLE_STATUSES as readonly OutboxStatus[]).includes(e.status);
  const shown = notice ? REDELIVER_NOTICES[notice] : undefined;
  return (
    <Layout title={e.id} section="events" csrf={csrf} who={who}>
      <p>
        <a href="/admin/events">« All events</a>
      </p>
      <h1>
        Event <span class="mono">{e.id}</span>
      </h1>
      {shown && <Notice kind={shown.kind}>{shown.text}</Notice>}
      <section class="card" aria-label="Summary">
        <h3>Summary</h3>
        <dl class="facts">
          <dt>Type</dt>
          <dd>
            <code>{e.type}</code>
          </dd>
          <dt>Status</dt>
          <dd>
            <Badge kind={eventStatusClass(e.status)}>{e.status}</Badge>
          </dd>
          <dt>Attempts</dt>
          <dd>{e.attempts}</dd>
          <dt>Created</dt>
          <dd>{time(e.created_at)}</dd>
          <dt>Enqueued</dt>
          <dd>{time(e.enqueued_at)}</dd>
          <dt>Delivered</dt>
          <dd>{time(e.delivered_at)}</dd>
          {e.last_error && (
            <>
              <dt>Last error</dt>
              <dd>{e.last_error}</dd>
            </>
          )}
        </dl>
        {redeliverable && (
          <form method="post" action={`/admin/events/${encodeURIComponent(e.id)}/redeliver`}>
            <input type="hidden" name="csrf" value={csrf} />
            <p class="muted">Redeliver sends this event to the webhook receiver again now, with the same webhook-id: receivers deduplicate by it.</p>
            <button class="primary" type="submit">
              Redeliver
            </button>
          </form>
        )}
      </section>

      <h2>Delivery attempts</h2>
      {deliveries.length === 0 ? (
        <p class="muted">No delivery attempted yet.</p>
      ) : (
        <div class="scroll">
          <table>
            <thead>
              <tr>
                <th class="num">#</th>
                <th>At</th>
                <th>HTTP status</th>
                <th>OK</th>
                <th class="num">Duration</th>
                <th>Error</th>
              </tr>
            </thead>
            <tbody>
              {deliveries.map((d) => (
                <tr data-attempt={d.attempt}>
                  <td class="num">{d.attempt}</td>
                  <td>{time(d.at)}</td>
                  <td>{d.status ?? "no answer"}</td>
                  <td>
                    <Badge kind={d.ok ? "ok" : "fail"}>{d.ok ? "yes" : "no"}</Badge>
                  </td>
                  <td class="num">{millis(d.duration_ms)}</td>
                  <td class="wrap">{d.error ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h2>Payload</h2>
      <p class="muted">The body the receiver gets.</p>
      <pre class="card">{JSON.stringify(e.payload, null, 2)}</pre>
    </Layout>
  );
};
