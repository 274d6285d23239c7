/**
 * "Checkout": the frozen quote (lines, discounts, tax, total, exchange rate), the time
 * left on the lock, the test cards, Pay and Cancel.
 */
import { useState } from "hono/jsx/dom";
import { formatRemaining, remainingMs, stateName, type Checkout, type CheckoutStatus } from "../../client";
import { money as formatIn } from "./shopper-money";
import { LockIcon } from "../views/lock-icon";
import { TEST_CARDS } from "./test-cards";

/** Under a minute left: make the deadline loud. */
const URGENT_MS = 60_000;

export function CheckoutView(props: {
  checkout: Checkout | null;
  status: CheckoutStatus | null;
  now: number;
  busy: boolean;
  onPay(token: string): void;
  onCancel(): void;
  onBack(): void;
}) {
  const { checkout, status, now, busy } = props;
  const [card, setCard] = useState<string>(TEST_CARDS[0].token);
  const active = status?.locked === true;

  if (!active) {
    return (
      <section class="panel" data-testid="checkout">
        <h2>Checkout</h2>
        <p>There is no checkout in progress for your cart.</p>
        <div class="actions">
          <button type="button" onClick={props.onBack}>
            Back to the shop
          </button>
        </div>
      </section>
    );
  }

  const quote = checkout?.id === status.lock_id ? checkout.quote : null;
  const money = (minor: number) => (quote ? formatIn(minor, quote) : "");
  const left = remainingMs(status, now) ?? 0;

  return (
    <section class="panel" data-testid="checkout" aria-labelledby="checkout-title">
      <div class="checkout-head">
        <h2 id="checkout-title">Checkout</h2>
        <p class={left < URGENT_MS ? "deadline urgent" : "deadline"} role="timer" aria-live="off">
          <LockIcon /> Held for you:{" "}
          <span class="countdown" data-testid="countdown">
            {formatRemaining(status, now)}
          </span>
        </p>
      </div>
      <p class="muted small">
        Status: <strong data-testid="checkout-state">{stateName(status)}</strong>. Your stock is reserved and these prices are frozen until the timer runs out;
        the cart cannot change meanwhile.
      </p>

      {quote ? (
        <>
          <table class="quote-table" data-testid="quote">
            <thead>
              <tr>
                <th>Item</th>
                <th class="wide">Price</th>
                <th>Discount</th>
                <th>Tax</th>
                <th>Total</th>
              </tr>
            </thead>
            <tbody>
              {quote.lines.map((line) => (
                <tr>
                  <td>
                    {line.title}
                    <span class="sub">
                      {line.quantity} × {money(line.unit_price)} · {line.sku}
                    </span>
                    {line.discounts.map((d) => (
                      <span class="sub">
                        {d.code}: −{money(d.amount)}
                      </span>
                    ))}
                  </td>
                  <td class="wide">{money(line.subtotal)}</td>
                  <td>{line.discount_total ? `−${money(line.discount_total)}` : "—"}</td>
                  <td>
                    {money(line.tax_total)}
                    {line.taxes.map((t) => (
                      <span class="sub">
                        {t.name} {(t.rate_bps / 100).toFixed(2).replace(/\.?0+$/, "")}%{t.inclusive ? " incl." : ""}
                      </span>
                    ))}
                  </td>
                  <td>{money(line.total)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <table class="totals" aria-label="Quote totals">
            <tbody>
              <tr>
                <th>Subtotal</th>
                <td>{money(quote.subtotal)}</td>
              </tr>
              {quote.discount_total > 0 && (
                <tr>
                  <th>Discounts</th>
                  <td>−{money(quote.discount_total)}</td>
                </tr>
              )}
              <tr>
                <th>Tax</th>
                <td>{money(quote.tax_total)}</td>
              </tr>
              <tr class="grand">
                <th>Total to pay</th>
                <td data-testid="quote-total">{money(quote.total)}</td>
              </tr>
            </tbody>
          </table>
          <dl class="meta">
            <dt>Currency</dt>
            <dd>{quote.currency}</dd>
            <dt>Exchange rate</dt>
            <dd data-testid="exchange-rate">
              {quote.exchange_rate}
              {quote.exchange_rate_updated_at ? ` (rate of ${quote.exchange_rate_updated_at.slice(0, 10)})` : ""}
            </dd>
            <dt>Quote</dt>
            <dd class="small">{quote.id} · signed</dd>
          </dl>
        </>
      ) : (
        <p class="muted">The frozen quote was shown in the browser that started this checkout; paying still charges exactly that quote.</p>
      )}

      <form
        onSubmit={(event: Event) => {
          event.preventDefault();
          props.onPay(card);
        }}
        aria-labelledby="pay-title"
      >
        <h3 id="pay-title">Pay with a test card</h3>
        <ul class="cards" data-testid="test-cards">
          {TEST_CARDS.map((c) => (
            <li>
              <label>
                <input type="radio" name="card" value={c.token} checked={card === c.token} onChange={() => setCard(c.token)} />
                <span>
                  <code>{c.token}</code>
                  <span class="hint">{c.hint}</span>
                </span>
              </label>
            </li>
          ))}
        </ul>
        <div class="actions">
          <button type="submit" class="primary" disabled={busy} data-testid="pay">
            {busy ? "Working…" : quote ? `Pay ${money(quote.total)}` : "Pay"}
          </button>
          <button type="button" class="danger" disabled={busy} onClick={props.onCancel} data-testid="cancel-checkout">
            Cancel checkout
          </button>
        </div>
      </form>
      <p class="small">
        <button type="button" class="link" onClick={props.onBack}>
          ← Back to the cart
        </button>{" "}
        <span class="muted">(it stays locked while you are here)</span>
      </p>
    </section>
  );
}
