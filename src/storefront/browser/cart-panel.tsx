/** The cart: lines with quantity controls, discount codes, tax country, email, totals, "Checkout". */
import { useState } from "hono/jsx/dom";
import type { Cart } from "../../client";
import { money as formatIn } from "./shopper-money";
import { LockIcon } from "../views/lock-icon";

/** The countries the demo catalog has tax rates for. */
export const TAX_COUNTRIES = [
  { code: "US", name: "United States" },
  { code: "DE", name: "Germany" },
  { code: "FR", name: "France" },
  { code: "GB", name: "United Kingdom" },
  { code: "JP", name: "Japan" },
] as const;

export interface CartActions {
  setQuantity(lineId: string, quantity: number): void;
  removeLine(lineId: string): void;
  clear(): void;
  applyDiscount(code: string): Promise<string | null>;
  removeDiscount(code: string): void;
  update(changes: { country?: string; email?: string | null }): void;
  checkout(): void;
  openCheckout(): void;
}

export function CartPanel(props: { cart: Cart | null; loading: boolean; busy: boolean; actions: CartActions }) {
  const { cart, busy, actions } = props;
  const [code, setCode] = useState("");
  const [codeError, setCodeError] = useState<string | null>(null);
  const money = (minor: number) => (cart ? formatIn(minor, cart) : "");

  const submitCode = async (event: Event) => {
    event.preventDefault();
    if (!code.trim()) return;
    const error = await actions.applyDiscount(code.trim());
    setCodeError(error);
    if (!error) setCode("");
  };

  return (
    <aside class="cart-panel" aria-labelledby="cart-title" data-testid="cart">
      <h2 id="cart-title">
        Your cart
        {cart?.locked && (
          <span class="lock-badge" data-testid="cart-lock-badge">
            <LockIcon /> Locked for checkout
          </span>
        )}
      </h2>
      {props.loading ? (
        <p class="muted">Loading your cart…</p>
      ) : !cart || cart.lines.length === 0 ? (
        <p class="muted">Your cart is empty. Add something from the list.</p>
      ) : (
        <>
          <ul class="cart-lines">
            {cart.lines.map((line) => (
              <li class="cart-line" data-line-id={line.id} data-variant-id={line.variant_id}>
                <div>
                  <strong>{line.title ?? line.sku ?? line.variant_id}</strong>
                  <span class="sub muted small"> {money(line.unit_price)} each</span>
                </div>
                {/* The shelf price times the quantity; discounts and tax are in the totals below. */}
                <div class="line-total">{money(line.unit_price * line.quantity)}</div>
                <div class="qty">
                  <button type="button" aria-label="One less" disabled={busy} onClick={() => actions.setQuantity(line.id, line.quantity - 1)}>
                    −
                  </button>
                  <output aria-label="Quantity">{line.quantity}</output>
                  <button type="button" aria-label="One more" disabled={busy} onClick={() => actions.setQuantity(line.id, line.quantity + 1)}>
                    +
                  </button>
                </div>
                <div class="line-total">
                  <button type="button" class="link" disabled={busy} onClick={() => actions.removeLine(line.id)}>
                    Remove
                  </button>
                </div>
              </li>
            ))}
          </ul>

          <form class="inline-form" onSubmit={submitCode} aria-label="Discount code">
            <label class="visually-hidden" for="discount-code">
              Discount code
            </label>
            <input
              id="discount-code"
              name="code"
              placeholder="Discount code (try WELCOME10)"
              autocomplete="off"
              value={code}
              onInput={(e: Event) => setCode((e.target as HTMLInputElement).value)}
            />
            <button type="submit" disabled={busy}>
              Apply
            </button>
          </form>
          {codeError && (
            <p class="field-error" role="alert">
              {codeError}
            </p>
          )}
          {cart.discounts.length > 0 && (
            <ul class="chips" aria-label="Applied discount codes">
              {cart.discounts.map((d) => (
                <li class="chip" title={d.applicable ? undefined : (d.reason ?? "Does not apply")}>
                  {d.code} {d.applicable ? `−${money(d.amount)}` : "(not applicable)"}
                  <button type="button" aria-label={`Remove code ${d.code}`} disabled={busy} onClick={() => actions.removeDiscount(d.code)}>
                    ×
                  </button>
                </li>
              ))}
            </ul>
          )}

          <div>
            <label for="country">Tax country</label>
            <select id="country" disabled={busy} onChange={(e: Event) => actions.update({ country: (e.target as HTMLSelectElement).value })}>
              {TAX_COUNTRIES.map((c) => (
                <option value={c.code} selected={cart.country === c.code}>
                  {c.name}
                </option>
              ))}
            </select>
            <label for="email">Email for the receipt</label>
            <input
              id="email"
              type="email"
              autocomplete="email"
              placeholder="you@example.com"
              value={cart.email ?? ""}
              disabled={busy}
              onChange={(e: Event) => actions.update({ email: (e.target as HTMLInputElement).value.trim() || null })}
            />
          </div>

          <table class="totals" aria-label="Cart totals">
            <tbody>
              <tr>
                <th>Subtotal</th>
                <td>{money(cart.subtotal)}</td>
              </tr>
              {cart.discount_total > 0 && (
                <tr>
                  <th>Discounts</th>
                  <td>−{money(cart.discount_total)}</td>
                </tr>
              )}
              <tr>
                <th>Tax</th>
                <td>{money(cart.tax_total)}</td>
              </tr>
              <tr class="grand">
                <th>Total</th>
                <td data-testid="cart-total">{money(cart.total)}</td>
              </tr>
            </tbody>
          </table>
          <p class="muted small">Live prices: they freeze when you check out.</p>
          <div class="actions">
            {cart.locked ? (
              <button type="button" class="primary" onClick={actions.openCheckout}>
                Continue to payment
              </button>
            ) : (
              <button type="button" class="primary" disabled={busy} onClick={actions.checkout}>
                Checkout
              </button>
            )}
            <button type="button" disabled={busy} onClick={actions.clear}>
              Empty cart
            </button>
          </div>
        </>
      )}
    </aside>
  );
}
