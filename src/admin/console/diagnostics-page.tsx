/** Diagnostics: every invariant check with its evidence, or the checks of one lock. */
import type { FC } from "hono/jsx";
import type { CheckStatus, DiagnosticCheck } from "../diagnostic-check";
import { time } from "./format";
import { Badge, Layout, Notice } from "./layout";

export interface DiagnosticsPageProps {
  status: CheckStatus;
  generatedAt: string;
  checks: DiagnosticCheck[];
  lockId: string | null;
  explanation: string | null;
  error: string | null;
  csrf: string;
  who: string | null;
}

export const DiagnosticsPage: FC<DiagnosticsPageProps> = ({ status, generatedAt, checks, lockId, explanation, error, csrf, who }) => (
  <Layout title="Diagnostics" section="diagnostics" csrf={csrf} who={who}>
    <h1>
      Diagnostics
      {lockId && (
        <>
          {" "}
          of <span class="mono">{lockId}</span>
        </>
      )}
    </h1>
    <form class="inline" method="get" action="/admin/diagnostics">
      <label>
        Checkout id (optional)
        <input type="search" name="lock_id" value={lockId ?? ""} placeholder="chk_…" maxlength={64} />
      </label>
      <button class="primary" type="submit">
        Check
      </button>
      {lockId && <a href="/admin/diagnostics">Whole system</a>}
    </form>
    {error ? (
      <Notice kind="fail">{error}</Notice>
    ) : (
      <>
        <p>
          Overall <Badge kind={status}>{status}</Badge> <span class="muted">as of {time(generatedAt)}</span>
          {lockId && (
            <>
              {" "}
              · <a href={`/admin/locks/${encodeURIComponent(lockId)}`}>the lock</a>
            </>
          )}
        </p>
        {explanation && <p class="card">{explanation}</p>}
        <div class="scroll">
          <table>
            <thead>
              <tr>
                <th>Check</th>
                <th>Status</th>
                <th>Finding</th>
              </tr>
            </thead>
            <tbody>
              {checks.map((k) => {
                const { summary, ...evidence } = k.details;
                return (
                  <tr data-check={k.name}>
                    <td>
                      <code>{k.name}</code>
                    </td>
                    <td>
                      <Badge kind={k.status}>{k.status}</Badge>
                    </td>
                    <td class="wrap">
                      {summary}
                      {Object.keys(evidence).length > 0 && (
                        <details>
                          <summary>Evidence</summary>
                          <pre>{JSON.stringify(evidence, null, 2)}</pre>
                        </details>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </>
    )}
  </Layout>
);
