/** The checkout locks table, newest first, with a state filter and cursor paging. */
import type { FC } from "hono/jsx";
import type { LockSummary } from "../../contract/checkout-lock";
import { LOCK_STATE_FILTERS } from "../checkout-locks";
import { money, relative, stateClass, time } from "./format";
import { Badge, Layout, Notice } from "./layout";
import { FilterForm, FilterSelect, listHref, Pager } from "./list-controls";

export interface LocksPageProps {
  locks: LockSummary[];
  nextCursor: string | null;
  state: string | null;
  cartId: string | null;
  firstPage: boolean;
  error: string | null;
  now: number;
  csrf: string;
  who: string | null;
  /** The admin's locale for amounts (from Accept-Language). */
  locale: string | undefined;
}

const pageLink = (state: string | null, cartId: string | null, cursor: string | null) => listHref("/admin/locks", { state, cart_id: cartId, cursor });

export const LocksPage: FC<LocksPageProps> = ({ locks, nextCursor, state, cartId, firstPage, error, now, csrf, who, locale }) => (
  <Layout title="Checkout locks" section="locks" csrf={csrf} who={who}>
    <h1>Checkout locks</h1>
    <FilterForm action="/admin/locks">
      <FilterSelect label="State" name="state" options={LOCK_STATE_FILTERS} selected={state} />
      <label>
        Cart id
        <input type="search" name="cart_id" value={cartId ?? ""} placeholder="cart_…" maxlength={64} />
      </label>
    </FilterForm>
    {error && <Notice kind="fail">{error}</Notice>}
    {locks.length === 0 ? (
      <p class="muted">No checkouts match.</p>
    ) : (
      <div class="scroll">
        <table>
          <thead>
            <tr>
              <th>Checkout</th>
              <th>State</th>
              <th>Phase</th>
              <th class="num">Total</th>
              <th>Created</th>
              <th>Expires / ended</th>
              <th>Cart</th>
            </tr>
          </thead>
          <tbody>
            {locks.map((l) => (
              <tr data-lock-id={l.id}>
                <td>
                  <a class="mono" href={`/admin/locks/${encodeURIComponent(l.id)}`}>
                    {l.id}
                  </a>
                </td>
                <td>
                  <Badge kind={stateClass(l.state)}>{l.state}</Badge>
                  {l.overdue && " ⚠ overdue"}
                </td>
                <td>
                  <code>{l.phase}</code>
                </td>
                <td class="num">{money(l.total, l, locale)}</td>
                <td>{time(l.created_at)}</td>
                <td>{l.active ? `${time(l.expires_at)} (${relative(l.expires_at, now)})` : time(l.ended_at)}</td>
                <td>
                  <a class="mono" href={pageLink(null, l.cart_id, null)}>
                    {l.cart_id}
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    )}
    <Pager href={(cursor) => pageLink(state, cartId, cursor)} firstPage={firstPage} nextCursor={nextCursor} />
  </Layout>
);
