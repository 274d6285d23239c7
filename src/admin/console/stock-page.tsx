/** The Stock pages: variants with their stock and purchase limit, and one variant's page where the limit is set. */
import type { FC } from "hono/jsx";
import type { CustomerHolding, VariantStock } from "../variant-stock";
import { Layout, Notice } from "./layout";

/** What a limit form's redirect says (`?notice=`). */
export const LIMIT_NOTICES: Record<string, { kind: "ok" | "warn" | "fail"; text: string }> = {
  set: { kind: "ok", text: "Limit saved. New checkouts of this variant count it at once." },
  cleared: { kind: "ok", text: "Limit cleared: any customer may buy any number of units." },
  invalid: { kind: "fail", text: "Not saved: a limit is a whole number from 1 to 1,000,000, or empty for none." },
  csrf: { kind: "fail", text: "Not saved: the form was stale or not sent from this console." },
};

const limitText = (max: number | null) => (max === null ? "none" : `${max} per customer`);

export const StockListPage: FC<{ variants: VariantStock[]; search: string | null; csrf: string; who: string | null }> = ({ variants, search, csrf, who }) => (
  <Layout title="Stock" section="stock" csrf={csrf} who={who}>
    <h1>Stock</h1>
    <form class="inline" method="get" action="/admin/stock">
      <label>
        SKU or variant id
        <input type="search" name="q" value={search ?? ""} placeholder="SKU-… or var_…" maxlength={64} />
      </label>
      <button class="primary" type="submit">
        Search
      </button>
    </form>
    {variants.length === 0 ? (
      <p class="muted">No variants match.</p>
    ) : (
      <div class="scroll">
        <table>
          <thead>
            <tr>
              <th>SKU</th>
              <th>Item</th>
              <th class="num">On hand</th>
              <th class="num">Reserved</th>
              <th class="num">Available</th>
              <th>Limit</th>
            </tr>
          </thead>
          <tbody>
            {variants.map((v) => (
              <tr data-variant-id={v.id}>
                <td>
                  <a class="mono" href={`/admin/stock/${encodeURIComponent(v.id)}`}>
                    {v.sku}
                  </a>
                </td>
                <td>
                  {v.product_title} · {v.title}
                </td>
                <td class="num">{v.on_hand}</td>
                <td class="num">{v.reserved}</td>
                <td class="num">{v.available}</td>
                <td>{limitText(v.max_per_customer)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    )}
  </Layout>
);

export const VariantStockPage: FC<{ variant: VariantStock; holders: CustomerHolding[]; notice: string | null; csrf: string; who: string | null }> = ({
  variant: v,
  holders,
  notice,
  csrf,
  who,
}) => {
  const shown = notice ? LIMIT_NOTICES[notice] : undefined;
  return (
    <Layout title={`Stock ${v.sku}`} section="stock" csrf={csrf} who={who}>
      <h1>
        {v.product_title} · {v.title} <span class="mono">{v.sku}</span>
      </h1>
      {shown && <Notice kind={shown.kind}>{shown.text}</Notice>}
      <dl class="facts">
        <dt>Variant</dt>
        <dd class="mono">{v.id}</dd>
        <dt>On hand</dt>
        <dd data-field="on_hand">{v.on_hand}</dd>
        <dt>Reserved</dt>
        <dd data-field="reserved">{v.reserved}</dd>
        <dt>Available</dt>
        <dd data-field="available">{v.available}</dd>
        <dt>Purchase limit</dt>
        <dd data-field="max_per_customer">{limitText(v.max_per_customer)}</dd>
      </dl>
      <h2>Purchase limit</h2>
      <form class="inline" method="post" action={`/admin/stock/${encodeURIComponent(v.id)}/limit`}>
        <input type="hidden" name="csrf" value={csrf} />
        <label>
          Units per customer (empty: none)
          <input type="number" name="max_per_customer" min={1} max={1_000_000} step={1} value={v.max_per_customer === null ? "" : String(v.max_per_customer)} />
        </label>
        <button class="primary" type="submit">
          Save limit
        </button>
      </form>
      <p class="muted">
        A customer is the cart's email in lower case; their units in active checkouts plus their orders never pass the limit. Lowering it keeps what customers
        hold.
      </p>
      {v.max_per_customer !== null && (
        <>
          <h2>Customers holding the most</h2>
          {holders.length === 0 ? (
            <p class="muted">Nobody holds or has bought this variant yet.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>Email</th>
                  <th class="num">Units (held and ordered)</th>
                </tr>
              </thead>
              <tbody>
                {holders.map((h) => (
                  <tr>
                    <td>{h.email}</td>
                    <td class="num">{h.units}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </Layout>
  );
};
