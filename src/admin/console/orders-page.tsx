/** The orders table, newest first: search by number or email, a status filter, cursor paging. */
import type { FC } from "hono/jsx";
import { ORDER_STATUSES } from "../orders";
import type { OrderJson } from "../../orders/order-view";
import { money, orderStatusClass, time } from "./format";
import { Badge, Layout, Notice } from "./layout";
import { FilterForm, FilterSelect, listHref, Pager } from "./list-controls";

export interface OrdersPageProps {
  orders: OrderJson[];
  nextCursor: string | null;
  status: string | null;
  search: string | null;
  firstPage: boolean;
  error: string | null;
  csrf: string;
  who: string | null;
  /** The admin's locale for amounts (from Accept-Language). */
  locale: string | undefined;
}

const pageLink = (status: string | null, search: string | null, cursor: string | null) => listHref("/admin/orders", { status, q: search, cursor });

export const OrdersPage: FC<OrdersPageProps> = ({ orders, nextCursor, status, search, firstPage, error, csrf, who, locale }) => (
  <Layout title="Orders" section="orders" csrf={csrf} who={who}>
    <h1>Orders</h1>
    <FilterForm action="/admin/orders">
      <label>
        Number or email
        <input type="search" name="q" value={search ?? ""} placeholder="1042 or shopper@example.com" maxlength={254} />
      </label>
      <FilterSelect label="Status" name="status" options={ORDER_STATUSES} selected={status} />
    </FilterForm>
    {error && <Notice kind="fail">{error}</Notice>}
    {orders.length === 0 ? (
      <p class="muted">No orders match.</p>
    ) : (
      <div class="scroll">
        <table>
          <thead>
            <tr>
              <th class="num">Number</th>
              <th>Status</th>
              <th class="num">Total</th>
              <th class="num">Refunded</th>
              <th>Email</th>
              <th>Created</th>
              <th>Order</th>
            </tr>
          </thead>
          <tbody>
            {orders.map((o) => (
              <tr data-order-id={o.id}>
                <td class="num">
                  <a href={`/admin/orders/${encodeURIComponent(o.id)}`}>#{o.number}</a>
                </td>
                <td>
                  <Badge kind={orderStatusClass(o.status)}>{o.status}</Badge>
                </td>
                <td class="num">{money(o.total, o, locale)}</td>
                <td class="num">{o.refunded_total ? money(o.refunded_total, o, locale) : ""}</td>
                <td>{o.email ?? "—"}</td>
                <td>{time(o.created_at)}</td>
                <td class="mono">{o.id}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    )}
    <Pager href={(cursor) => pageLink(status, search, cursor)} firstPage={firstPage} nextCursor={nextCursor} />
  </Layout>
);
