/** One checkout lock: summary, diagnosis, Release, quote, timeline, reservations, payments, order. */
import type { FC } from "hono/jsx";
import type { Quote } from "../../checkout/quote";
import { isPastPivot, type CheckoutState } from "../../checkout/state-machine";
import type { LockDetail } from "../../contract/checkout-lock";
import type { LockDiagnostics } from "../lock-diagnostics";
import { money, relative, stateClass, time } from "./format";
import { Badge, Layout, Notice } from "./layout";
import { Table } from "./table";
import { TimelineTable } from "./timeline-table";

/** What a redirect after a Release may announce (only these keys are shown). */
export const RELEASE_NOTICES: Record<string, { kind: "ok" | "warn" | "fail"; text: string }> = {
  released: { kind: "ok", text: "Released: the checkout was cancelled (admin_release) and its stock, quote and discounts were given back." },
  checkout_not_active: { kind: "warn", text: "Nothing to release: this checkout already ended." },
  checkout_in_progress: { kind: "warn", text: "Not released: its payment was captured, so the order is being completed." },
  no_active_checkout: { kind: "warn", text: "Nothing to release: this checkout already ended." },
  csrf: { kind: "fail", text: "Not released: the form was stale or not sent from this console. Try again." },
  error: { kind: "fail", text: "Not released: the cart object did not answer. Try again." },
};

export interface LockPageProps {
  lock: LockDetail;
  diagnosis: LockDiagnostics | null;
  notice: string | null;
  now: number;
  csrf: string;
  who: string | null;
  /** The admin's locale for amounts (from Accept-Language). */
  locale: string | undefined;
}

export const LockPage: FC<LockPageProps> = ({ lock, diagnosis, notice, now, csrf, who, locale }) => {
  const c = lock.checkout;
  const quote = c.quote as Quote | null;
  const releasable = c.active && !isPastPivot(c.state as CheckoutState);
  const shown = notice ? RELEASE_NOTICES[notice] : undefined;
  return (
    <Layout title={c.id} section="locks" csrf={csrf} who={who}>
      <p>
        <a href="/admin/locks">« All locks</a>
      </p>
      <h1>
        Checkout <span class="mono">{c.id}</span>
      </h1>
      {shown && <Notice kind={shown.kind}>{shown.text}</Notice>}
      <div class="grid">
        <section class="card" aria-label="Summary">
          <h3>Summary</h3>
          <dl class="facts">
            <dt>State</dt>
            <dd>
              <Badge kind={stateClass(c.state)}>{c.state}</Badge> <code>{c.phase}</code>
            </dd>
            <dt>Cart</dt>
            <dd class="mono">{c.cart_id}</dd>
            <dt>Total</dt>
            <dd>{money(c.total, c, locale)}</dd>
            <dt>Created</dt>
            <dd>{time(c.created_at)}</dd>
            <dt>Locked</dt>
            <dd>{time(c.locked_at)}</dd>
            <dt>Deadline</dt>
            <dd>
              {time(c.expires_at)} {c.active && `(${relative(c.expires_at, now)})`}
            </dd>
            <dt>Ended</dt>
            <dd>{time(c.ended_at)}</dd>
            {c.failure && (
              <>
                <dt>Failure</dt>
                <dd>
                  <code>{c.failure.phase}</code> {c.failure.code}: {c.failure.message}
                </dd>
              </>
            )}
            {c.cancel_reason && (
              <>
                <dt>Cancel reason</dt>
                <dd>
                  <code>{c.cancel_reason}</code>
                </dd>
              </>
            )}
          </dl>
        </section>
        <section class="card" aria-label="Diagnosis">
          <h3>Diagnosis</h3>
          {diagnosis ? (
            <>
              <p>
                <Badge kind={diagnosis.status}>{diagnosis.status}</Badge> {diagnosis.explanation}
              </p>
              <ul>
                {diagnosis.checks
                  .filter((k) => k.status !== "ok")
                  .map((k) => (
                    <li>
                      <Badge kind={k.status}>{k.status}</Badge> <code>{k.name}</code>: {k.details.summary}
                    </li>
                  ))}
              </ul>
              <a href={`/admin/diagnostics?lock_id=${encodeURIComponent(c.id)}`}>All checks of this lock</a>
            </>
          ) : (
            <p class="muted">Not available.</p>
          )}
          {releasable && (
            <form method="post" action={`/admin/locks/${encodeURIComponent(c.id)}/release`}>
              <input type="hidden" name="csrf" value={csrf} />
              <p class="muted">Release cancels this checkout (reason admin_release), voids any authorization and gives stock, quote and discounts back.</p>
              <button class="danger" type="submit">
                Release this lock
              </button>
            </form>
          )}
        </section>
      </div>

      <h2>Quote</h2>
      {quote ? (
        <>
          <Table columns={["SKU", "Item", { num: "Qty" }, { num: "Unit" }, { num: "Subtotal" }, { num: "Discount" }, { num: "Tax" }, { num: "Total" }]}>
            {quote.lines.map((l) => (
              <tr>
                <td class="mono">{l.sku}</td>
                <td class="wrap">{l.title}</td>
                <td class="num">{l.quantity}</td>
                <td class="num">{money(l.unit_price, quote, locale)}</td>
                <td class="num">{money(l.subtotal, quote, locale)}</td>
                <td class="num">{money(l.discount_total, quote, locale)}</td>
                <td class="num">{money(l.tax_total, quote, locale)}</td>
                <td class="num">{money(l.total, quote, locale)}</td>
              </tr>
            ))}
            <tr>
              <th colspan={4}>Cart</th>
              <th class="num">{money(quote.subtotal, quote, locale)}</th>
              <th class="num">{money(quote.discount_total, quote, locale)}</th>
              <th class="num">{money(quote.tax_total, quote, locale)}</th>
              <th class="num">{money(quote.total, quote, locale)}</th>
            </tr>
          </Table>
          <p class="muted">
            Quote <span class="mono">{quote.id}</span> ({lock.quote_status}), exchange rate {quote.exchange_rate}
            {quote.discount_codes?.length ? `, codes ${quote.discount_codes.join(", ")}` : ""}, signature{" "}
            <span class="mono">{quote.signature.slice(0, 24)}…</span>
          </p>
        </>
      ) : (
        <p class="muted">No quote (the checkout ended before its price lock).</p>
      )}

      <h2>Timeline</h2>
      <TimelineTable entries={lock.timeline} withState />

      <h2>Reservations</h2>
      {lock.reservations.length === 0 ? (
        <p class="muted">None.</p>
      ) : (
        <Table columns={["SKU", "Variant", { num: "Qty" }, "Status", "Updated"]}>
          {lock.reservations.map((r) => (
            <tr>
              <td class="mono">{r.sku ?? "—"}</td>
              <td class="mono">{r.variant_id}</td>
              <td class="num">{r.quantity}</td>
              <td>{r.status}</td>
              <td>{time(r.updated_at)}</td>
            </tr>
          ))}
        </Table>
      )}

      <h2>Payments</h2>
      {lock.payments.length === 0 ? (
        <p class="muted">No payment attempted.</p>
      ) : (
        <Table columns={[{ num: "#" }, "Provider", "Status", { num: "Amount" }, { num: "Captured" }, "Decline", "Reference", "Updated"]}>
          {lock.payments.map((p) => (
            <tr>
              <td class="num">{p.attempt}</td>
              <td>{p.provider}</td>
              <td>{p.status}</td>
              <td class="num">{money(p.amount, { currency: p.currency, currency_exponent: c.currency_exponent }, locale)}</td>
              <td class="num">{money(p.captured_amount, { currency: p.currency, currency_exponent: c.currency_exponent }, locale)}</td>
              <td>{p.decline_code ?? ""}</td>
              <td class="mono">{p.reference ?? ""}</td>
              <td>{time(p.updated_at)}</td>
            </tr>
          ))}
        </Table>
      )}

      <h2>Order</h2>
      {lock.order ? (
        <dl class="facts card">
          <dt>Order</dt>
          <dd>
            <a href={`/admin/orders/${encodeURIComponent(lock.order.id)}`}>#{lock.order.number}</a> <span class="mono">{lock.order.id}</span>
          </dd>
          <dt>Status</dt>
          <dd>{lock.order.status}</dd>
          <dt>Total</dt>
          <dd>{money(lock.order.total, lock.order, locale)}</dd>
          <dt>Payment</dt>
          <dd>
            {lock.order.payment
              ? `${lock.order.payment.provider} ${lock.order.payment.status} ${money(lock.order.payment.amount, lock.order, locale)}`
              : "none captured"}
          </dd>
          <dt>Email</dt>
          <dd>{lock.order.email ?? "—"}</dd>
          <dt>Created</dt>
          <dd>{time(lock.order.created_at)}</dd>
        </dl>
      ) : (
        <p class="muted">No order.</p>
      )}
    </Layout>
  );
};
