/** One order: summary, lines (with what was refunded of each), refunds, timeline, and the refund and cancel forms. */
import type { FC } from "hono/jsx";
import type { OrderDetail } from "../orders";
import type { OrderJson } from "../../orders/order-view";
import { money, orderStatusClass, refundStatusClass, time } from "./format";
import { Badge, Layout, Notice } from "./layout";
import { Table } from "./table";
import { TimelineTable } from "./timeline-table";
import { quantityField, type RefundFormFields } from "./refund-form";

type NoticeText = { kind: "ok" | "warn" | "fail"; text: string };

/** What a redirect after a refund or a cancellation may announce (only these keys are shown). */
export const ORDER_NOTICES: Record<string, NoticeText> = {
  refunded: { kind: "ok", text: "Refunded: the gateway confirmed the refund." },
  refund_pending: { kind: "warn", text: "The gateway took the refund but has not confirmed it yet: it counts as refunded once it does." },
  cancelled: { kind: "ok", text: "Cancelled: everything that remained was refunded." },
  cancel_pending: { kind: "warn", text: "Cancelling: the gateway has not yet confirmed the refund of what remained." },
  refund_exceeds_captured: { kind: "fail", text: "Not refunded: that is more than remains to refund." },
  invalid_refund: { kind: "fail", text: "Not refunded: those lines or that amount cannot be refunded any more." },
  order_not_refundable: { kind: "fail", text: "Not done: this order can no longer be refunded or cancelled." },
  payment_gateway_error: { kind: "fail", text: "Not refunded: the gateway refused it or did not answer. Nothing was refunded; try again." },
  request_in_progress: { kind: "warn", text: "Not cancelled yet: a refund of this order is still pending at the gateway. Try again shortly." },
  idempotency_key_reused: { kind: "fail", text: "Not refunded: this confirmation was already used for another refund. Start again." },
  unavailable: { kind: "fail", text: "Not done: other refunds of this order kept changing it. Try again." },
  csrf: { kind: "fail", text: "Not done: the form was stale or not sent from this console. Try again." },
  error: { kind: "fail", text: "Not done: something went wrong. Try again." },
};

export interface OrderPageProps {
  detail: OrderDetail;
  notice: string | null;
  /** A refused refund or cancel form: why, and what was typed. */
  error: string | null;
  fields: RefundFormFields | null;
  csrf: string;
  who: string | null;
  locale: string | undefined;
}

/** Units of each line held by pending and succeeded refunds. */
export function refundedUnits(order: OrderJson): Map<string, number> {
  const units = new Map<string, number>();
  for (const r of order.refunds) {
    if (r.status === "failed") continue;
    for (const l of r.lines) units.set(l.line_id, (units.get(l.line_id) ?? 0) + l.quantity);
  }
  return units;
}

/** What is left to refund: the captured amount less pending and succeeded refunds. */
export function refundableAmount(order: OrderJson): number {
  const taken = order.refunds.filter((r) => r.status !== "failed").reduce((sum, r) => sum + r.amount, 0);
  return Math.max(0, (order.payment?.amount ?? 0) - taken);
}

export const OrderPage: FC<OrderPageProps> = ({ detail, notice, error, fields, csrf, who, locale }) => {
  const o = detail.order;
  const m = (amount: number | null | undefined) => money(amount, o, locale);
  const shown = notice ? ORDER_NOTICES[notice] : undefined;
  const units = refundedUnits(o);
  const refundable = refundableAmount(o);
  const open = o.status !== "cancelled" && o.payment !== null;
  const mode = fields?.mode ?? "lines";
  return (
    <Layout title={`Order #${o.number}`} section="orders" csrf={csrf} who={who}>
      <p>
        <a href="/admin/orders">« All orders</a>
      </p>
      <h1>
        Order #{o.number} <span class="mono">{o.id}</span>
      </h1>
      {shown && <Notice kind={shown.kind}>{shown.text}</Notice>}
      {error && <Notice kind="fail">{error}</Notice>}
      <div class="grid">
        <section class="card" aria-label="Summary">
          <h3>Summary</h3>
          <dl class="facts">
            <dt>Status</dt>
            <dd>
              <Badge kind={orderStatusClass(o.status)}>{o.status}</Badge>
            </dd>
            <dt>Total</dt>
            <dd>{m(o.total)}</dd>
            <dt>Refunded</dt>
            <dd data-testid="refunded-total">{m(o.refunded_total)}</dd>
            <dt>Refundable</dt>
            <dd data-testid="refundable">{m(refundable)}</dd>
            <dt>Email</dt>
            <dd>{o.email ?? "—"}</dd>
            <dt>Created</dt>
            <dd>{time(o.created_at)}</dd>
            <dt>Checkout</dt>
            <dd>
              <a class="mono" href={`/admin/locks/${encodeURIComponent(o.checkout_id)}`}>
                {o.checkout_id}
              </a>
            </dd>
          </dl>
        </section>
        <section class="card" aria-label="Payment">
          <h3>Payment</h3>
          {o.payment ? (
            <dl class="facts">
              <dt>Provider</dt>
              <dd>{o.payment.provider}</dd>
              <dt>Status</dt>
              <dd>{o.payment.status}</dd>
              <dt>Captured</dt>
              <dd>{m(o.payment.amount)}</dd>
              <dt>Reference</dt>
              <dd class="mono">{o.payment.reference ?? "—"}</dd>
            </dl>
          ) : (
            <p class="muted">No captured payment.</p>
          )}
        </section>
      </div>

      <h2>Lines</h2>
      <Table columns={["SKU", "Item", { num: "Qty" }, { num: "Refunded" }, { num: "Unit" }, { num: "Discount" }, { num: "Tax" }, { num: "Total" }]}>
        {o.lines.map((l) => (
          <tr data-line-id={l.line_id}>
            <td class="mono">{l.sku}</td>
            <td class="wrap">{l.title}</td>
            <td class="num">{l.quantity}</td>
            <td class="num">{units.get(l.line_id) ?? 0}</td>
            <td class="num">{m(l.unit_price)}</td>
            <td class="num">{m(l.discount_total)}</td>
            <td class="num">{m(l.tax_total)}</td>
            <td class="num">{m(l.total)}</td>
          </tr>
        ))}
      </Table>

      <h2>Refunds</h2>
      {o.refunds.length === 0 ? (
        <p class="muted">None.</p>
      ) : (
        <Table columns={["Refund", "Kind", "Status", { num: "Amount" }, "Lines", "Restocked", "Reason", "Asked", "Settled", "Gateway"]}>
          {o.refunds.map((r) => (
            <tr data-refund-id={r.id} class={r.status === "failed" ? "fail" : undefined}>
              <td class="mono">{r.id}</td>
              <td>{r.kind}</td>
              <td>
                <Badge kind={refundStatusClass(r.status)}>{r.status}</Badge>
              </td>
              <td class="num">{m(r.amount)}</td>
              <td>{r.lines.map((l) => `${o.lines.find((x) => x.line_id === l.line_id)?.sku ?? l.line_id} × ${l.quantity}`).join(", ") || "—"}</td>
              <td>{r.restocked ? "yes" : r.restock ? "asked" : "no"}</td>
              <td class="wrap">{r.failure ? `${r.reason ?? ""} (failed: ${r.failure})` : (r.reason ?? "")}</td>
              <td>{time(r.created_at)}</td>
              <td>{time(r.settled_at)}</td>
              <td class="mono">{r.gateway_reference ?? ""}</td>
            </tr>
          ))}
        </Table>
      )}

      {open && (
        <div class="grid">
          <section class="card" aria-label="Refund">
            <h3>Refund</h3>
            {refundable === 0 ? (
              <p class="muted">Nothing is left to refund.</p>
            ) : (
              <form method="post" action={`/admin/orders/${encodeURIComponent(o.id)}/refund`} class="stack">
                <input type="hidden" name="csrf" value={csrf} />
                <label class="choice">
                  <input type="radio" name="mode" value="lines" checked={mode === "lines"} /> Units of lines
                </label>
                {o.lines.map((l) => {
                  const left = l.quantity - (units.get(l.line_id) ?? 0);
                  return (
                    <label>
                      {l.sku} ({left} of {l.quantity} left)
                      <input
                        type="number"
                        name={quantityField(l.line_id)}
                        min={0}
                        max={left}
                        step={1}
                        value={fields?.quantities[l.line_id] ?? ""}
                        disabled={left === 0}
                        inputmode="numeric"
                      />
                    </label>
                  );
                })}
                <label class="choice">
                  <input type="checkbox" name="restock" checked={fields ? fields.restock : false} /> Put the units back in stock
                </label>
                <label class="choice">
                  <input type="radio" name="mode" value="amount" checked={mode === "amount"} /> An amount (money only)
                </label>
                <label>
                  Amount ({o.currency})
                  <input type="text" name="amount" inputmode="decimal" value={fields?.amount ?? ""} placeholder={m(refundable)} maxlength={20} />
                </label>
                <label class="choice">
                  <input type="radio" name="mode" value="remaining" checked={mode === "remaining"} /> Everything that remains ({m(refundable)})
                </label>
                <label>
                  Reason (optional)
                  <input type="text" name="reason" value={fields?.reason ?? ""} maxlength={500} />
                </label>
                <button class="primary" type="submit">
                  Review refund
                </button>
              </form>
            )}
          </section>
          <section class="card" aria-label="Cancel">
            <h3>Cancel the order</h3>
            <form method="post" action={`/admin/orders/${encodeURIComponent(o.id)}/cancel`} class="stack">
              <input type="hidden" name="csrf" value={csrf} />
              <p class="muted">Refunds everything that remains ({m(refundable)}) and marks the order cancelled.</p>
              <label class="choice">
                <input type="checkbox" name="restock" checked /> Put every unit not yet refunded back in stock
              </label>
              <label>
                Reason (optional)
                <input type="text" name="reason" maxlength={500} />
              </label>
              <button class="danger" type="submit">
                Review cancellation
              </button>
            </form>
          </section>
        </div>
      )}

      <h2>Timeline</h2>
      <TimelineTable entries={detail.timeline} />
    </Layout>
  );
};
