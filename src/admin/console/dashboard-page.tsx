/** The dashboard: statistics for 1 h / 24 h / 7 d, failures by phase, checkouts over time. */
import type { FC } from "hono/jsx";
import type { CheckoutStatistics } from "../checkout-statistics";
import { CheckoutsChart } from "./checkouts-chart";
import { percent, seconds, time } from "./format";
import { Layout, Notice } from "./layout";

export interface DashboardProps {
  windows: Array<{ label: string; stats: CheckoutStatistics }>;
  /** The window whose failures and series are shown in detail (24 h). */
  detail: CheckoutStatistics;
  csrf: string;
  who: string | null;
}

const WindowCard: FC<{ label: string; s: CheckoutStatistics }> = ({ label, s }) => (
  <section class="card" aria-label={`Last ${label}`}>
    <h3>Last {label}</h3>
    <div class="big">{s.total}</div>
    <div class="muted">checkouts started</div>
    <dl class="facts">
      <dt>Success rate</dt>
      <dd>{percent(s.success_rate)}</dd>
      <dt>Completed</dt>
      <dd>{s.by_state.completed}</dd>
      <dt>Failed</dt>
      <dd>{s.by_state.failed}</dd>
      <dt>Expired</dt>
      <dd>{s.by_state.expired}</dd>
      <dt>Cancelled</dt>
      <dd>{s.by_state.cancelled}</dd>
      <dt>Duration p50 / p95</dt>
      <dd>
        {seconds(s.p50_duration_seconds)} / {seconds(s.p95_duration_seconds)}
      </dd>
    </dl>
  </section>
);

export const DashboardPage: FC<DashboardProps> = ({ windows, detail, csrf, who }) => {
  const failures = Object.entries(detail.failures_by_phase);
  const maxFailures = Math.max(1, ...failures.map(([, n]) => n));
  return (
    <Layout title="Dashboard" section="dashboard" csrf={csrf} who={who}>
      <h1>Dashboard</h1>
      {detail.expired_pending_cleanup > 0 && (
        <Notice kind="warn">
          {detail.expired_pending_cleanup} active checkout(s) are past their deadline. Their alarms or the cleanup job expire them; if the number stays, run{" "}
          <code>npx checkout-admin cleanup</code> and check <a href="/admin/diagnostics">diagnostics</a>.
        </Notice>
      )}
      <div class="grid">
        <section class="card" aria-label="Now">
          <h3>Now</h3>
          <div class="big">{detail.active}</div>
          <div class="muted">active checkout locks</div>
          <dl class="facts">
            <dt>Past deadline</dt>
            <dd>{detail.expired_pending_cleanup}</dd>
            <dt>As of</dt>
            <dd>{time(detail.generated_at)}</dd>
          </dl>
          <p>
            <a href="/admin/locks?state=active">See active locks</a>
          </p>
        </section>
        {windows.map((w) => (
          <WindowCard label={w.label} s={w.stats} />
        ))}
      </div>

      <h2>Checkouts over the last 24 hours</h2>
      <CheckoutsChart points={detail.series.points} bucket={detail.series.bucket} />

      <h2>Failures by phase (24 h)</h2>
      <div class="scroll">
        <table>
          <thead>
            <tr>
              <th>Phase</th>
              <th class="num">Failed</th>
              <th>Share</th>
            </tr>
          </thead>
          <tbody>
            {failures.map(([phase, n]) => (
              <tr>
                <td>
                  <code>{phase}</code>
                </td>
                <td class="num">{n}</td>
                <td>
                  <progress max={maxFailures} value={n} aria-label={`${n} failures in ${phase}`} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {Object.keys(detail.failures_by_code).length > 0 && (
        <p class="muted">
          By cause:{" "}
          {Object.entries(detail.failures_by_code)
            .map(([code, n]) => `${code} ${n}`)
            .join(" · ")}
        </p>
      )}
      <p class="muted">
        Figures are cached for 10 seconds. Stuck locks are expired by the cron job every few minutes; run it now with <code>npx checkout-admin cleanup</code>.
      </p>
    </Layout>
  );
};
