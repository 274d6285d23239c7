/**
 * The confirmation step of a refund or a cancellation: what will be refunded, exactly, and
 * one button that does it. The form carries an idempotency key made for this step, so a
 * double click or a resubmitted form refunds once.
 */
import type { FC } from "hono/jsx";
import type { OrderJson } from "../../orders/order-view";
import type { RefundPlan } from "../../orders/refund-plan";
import { money } from "./format";
import { Layout } from "./layout";
import { quantityField, type RefundFormFields } from "./refund-form";

export interface OrderReviewPageProps {
  order: OrderJson;
  /** What the refund returns now (a cancellation: all that remains). */
  plan: RefundPlan;
  kind: "refund" | "cancel";
  fields: RefundFormFields;
  idempotencyKey: string;
  csrf: string;
  who: string | null;
  locale: string | undefined;
}

export const OrderReviewPage: FC<OrderReviewPageProps> = ({ order: o, plan, kind, fields, idempotencyKey, csrf, who, locale }) => {
  const m = (amount: number) => money(amount, o, locale);
  const sku = (lineId: string) => o.lines.find((l) => l.line_id === lineId)?.sku ?? lineId;
  const cancel = kind === "cancel";
  const action = `/admin/orders/${encodeURIComponent(o.id)}/${cancel ? "cancel/confirm" : "refunds"}`;
  return (
    <Layout title={`${cancel ? "Cancel" : "Refund"} order #${o.number}`} section="orders" csrf={csrf} who={who}>
      <p>
        <a href={`/admin/orders/${encodeURIComponent(o.id)}`}>« Back to order #{o.number}</a>
      </p>
      <h1>{cancel ? `Cancel order #${o.number}?` : `Refund ${m(plan.amount)} of order #${o.number}?`}</h1>
      <section class="card" aria-label="What happens">
        <dl class="facts">
          <dt>Refund</dt>
          <dd class="big" data-testid="review-amount">
            {m(plan.amount)}
          </dd>
          <dt>Of</dt>
          <dd>
            {m(o.total)} paid, {m(o.refunded_total)} refunded so far
          </dd>
          <dt>Lines</dt>
          <dd>{plan.lines.length === 0 ? "— (money only)" : plan.lines.map((l) => `${sku(l.line_id)} × ${l.quantity} (${m(l.amount)})`).join(", ")}</dd>
          <dt>Stock</dt>
          <dd>{fields.restock ? (cancel ? "every unit not yet refunded goes back in stock" : "these units go back in stock") : "unchanged"}</dd>
          {fields.reason && (
            <>
              <dt>Reason</dt>
              <dd>{fields.reason}</dd>
            </>
          )}
        </dl>
        {cancel && <p class="muted">The order becomes cancelled and takes no further refunds.</p>}
        <form method="post" action={action}>
          <input type="hidden" name="csrf" value={csrf} />
          <input type="hidden" name="key" value={idempotencyKey} />
          <input type="hidden" name="mode" value={fields.mode} />
          {Object.entries(fields.quantities).map(([lineId, q]) => (
            <input type="hidden" name={quantityField(lineId)} value={q} />
          ))}
          <input type="hidden" name="amount" value={fields.amount} />
          {fields.restock && <input type="hidden" name="restock" value="on" />}
          <input type="hidden" name="reason" value={fields.reason} />
          <button class="danger" type="submit">
            {cancel ? `Cancel the order and refund ${m(plan.amount)}` : `Refund ${m(plan.amount)}`}
          </button>
        </form>
      </section>
    </Layout>
  );
};
