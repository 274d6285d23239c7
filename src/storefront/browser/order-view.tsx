/** The order confirmation: what was bought, what was charged, and what was refunded since. */
import type { Order } from "../../client";
import { money as formatIn } from "./shopper-money";

type Refund = Order["refunds"][number];

/** What a refund was for, in the shopper's words. */
function refundSubject(refund: Refund): string {
  if (refund.kind === "cancel") return "Cancellation";
  const units = refund.lines.reduce((n, l) => n + l.quantity, 0);
  return units === 0 ? "Amount refunded" : `${units} item${units === 1 ? "" : "s"} returned`;
}

export function OrderView(props: { order: Order | null; error: string | null; onContinue(): void }) {
  const { order } = props;
  if (!order) {
    return (
      <section class="panel" data-testid="order">
        <h2>Your order</h2>
        <p class={props.error ? "field-error" : "muted"}>{props.error ?? "Loading your order…"}</p>
        <div class="actions">
          <button type="button" onClick={props.onContinue}>
            Continue shopping
          </button>
        </div>
      </section>
    );
  }
  const money = (minor: number) => formatIn(minor, order);
  // A refund the gateway refused gave nothing back: only confirmed and pending ones concern the shopper.
  const refunds = order.refunds.filter((r) => r.status !== "failed" && r.amount > 0);
  const charged = order.payment?.amount ?? order.total;
  const cancelled = order.status === "cancelled";
  return (
    <section class="panel" data-testid="order" aria-labelledby="order-title">
      <div class="order-head">
        <span class="tick" aria-hidden="true">
          ✓
        </span>
        <div>
          <h2 id="order-title">
            {cancelled
              ? `Order ${order.number === null ? order.id : `#${order.number}`} was cancelled`
              : `Thank you! Order ${order.number === null ? order.id : `#${order.number}`} is confirmed`}
          </h2>
          <p class="muted small">
            {order.email ? `A receipt goes to ${order.email}. ` : ""}Placed {new Date(order.created_at).toLocaleString()}.
          </p>
        </div>
      </div>
      <table class="quote-table">
        <thead>
          <tr>
            <th>Item</th>
            <th>Qty</th>
            <th>Total</th>
          </tr>
        </thead>
        <tbody>
          {order.lines.map((line) => (
            <tr>
              <td>
                {line.title}
                <span class="sub">{line.sku}</span>
              </td>
              <td>{line.quantity}</td>
              <td>{money(line.total)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <table class="totals" aria-label="Order totals">
        <tbody>
          <tr>
            <th>Subtotal</th>
            <td>{money(order.subtotal)}</td>
          </tr>
          {order.discount_total > 0 && (
            <tr>
              <th>Discounts</th>
              <td>−{money(order.discount_total)}</td>
            </tr>
          )}
          <tr>
            <th>Tax</th>
            <td>{money(order.tax_total)}</td>
          </tr>
          <tr class="grand">
            <th>Charged</th>
            <td data-testid="order-total">{money(charged)}</td>
          </tr>
          {order.refunded_total > 0 && (
            <>
              <tr>
                <th>Refunded</th>
                <td data-testid="order-refunded">−{money(order.refunded_total)}</td>
              </tr>
              <tr class="grand">
                <th>You paid</th>
                <td data-testid="order-net">{money(charged - order.refunded_total)}</td>
              </tr>
            </>
          )}
        </tbody>
      </table>
      {refunds.length > 0 && (
        <table class="quote-table" aria-label="Refunds" data-testid="order-refunds">
          <thead>
            <tr>
              <th>Refund</th>
              <th>Status</th>
              <th>Amount</th>
            </tr>
          </thead>
          <tbody>
            {refunds.map((r) => (
              <tr data-refund-id={r.id}>
                <td>
                  {new Date(r.settled_at ?? r.created_at).toLocaleDateString()}
                  <span class="sub">{refundSubject(r)}</span>
                </td>
                <td>{r.status === "succeeded" ? "Refunded" : "On its way"}</td>
                <td>{money(r.amount)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <dl class="meta">
        <dt>Order</dt>
        <dd data-testid="order-id">{order.id}</dd>
        <dt>Status</dt>
        <dd data-testid="order-status">{order.status}</dd>
        <dt>Payment</dt>
        <dd>{order.payment ? `${order.payment.status} by ${order.payment.provider}` : "—"}</dd>
      </dl>
      <div class="actions">
        <button type="button" class="primary" onClick={props.onContinue}>
          Continue shopping
        </button>
      </div>
    </section>
  );
}
