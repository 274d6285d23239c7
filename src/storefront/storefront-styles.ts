/**
 * The demo storefront's stylesheet, served at /storefront/app.css (a file of this origin,
 * so the page's CSP needs no 'unsafe-inline'). Phone first; two columns from 860px.
 */
export const STOREFRONT_CSS = `
:root {
  --ink: #1d2330; --muted: #5d6676; --line: #dfe3ea; --bg: #f6f7f9; --card: #fff;
  --brand: #f38020; --brand-ink: #7a3800; --accent: #1f5fd1; --ok: #17803d; --ok-bg: #e7f6ec;
  --warn-bg: #fff4e0; --warn-line: #f0b04a; --bad: #b42318; --bad-bg: #fdecea; --radius: 10px;
  color-scheme: light;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; background: var(--bg); color: var(--ink);
  font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
a { color: var(--accent); }
h1, h2, h3 { line-height: 1.2; margin: 0 0 .5rem; }
h2 { font-size: 1.2rem; }
h3 { font-size: 1.05rem; }
button, input, select { font: inherit; color: inherit; }
button {
  cursor: pointer; border: 1px solid var(--line); background: var(--card); border-radius: 8px;
  padding: .55rem .9rem; min-height: 44px;
}
button:disabled { cursor: not-allowed; opacity: .55; }
button.primary { background: var(--ink); color: #fff; border-color: var(--ink); font-weight: 600; }
button.danger { color: var(--bad); border-color: #f1b8b3; }
button.link { border: 0; background: none; color: var(--accent); padding: .25rem; min-height: 0; text-decoration: underline; }
input, select { border: 1px solid var(--line); border-radius: 8px; padding: .5rem .6rem; min-height: 44px; background: #fff; width: 100%; }
label { display: block; font-size: .9rem; color: var(--muted); margin: .5rem 0 .2rem; }
.muted { color: var(--muted); }
.lock-icon { vertical-align: -2px; }
form h3 { margin-top: 1.25rem; }
.currency-picker { display: flex; align-items: center; gap: .4rem; margin: 0; font-size: .9rem; }
.currency-picker select { width: auto; min-height: 36px; padding: .2rem .4rem; }
.small { font-size: .875rem; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }

.site-header { background: var(--ink); color: #fff; padding: .8rem 1rem; }
.site-header .bar { max-width: 1120px; margin: 0 auto; display: flex; align-items: center; gap: .75rem; flex-wrap: wrap; }
.brand { color: #fff; text-decoration: none; font-weight: 700; font-size: 1.15rem; margin-right: auto; }
.brand span { color: var(--brand); font-weight: 600; }
.site-header select { width: auto; min-height: 36px; padding: .25rem .4rem; }
.tagline { max-width: 1120px; margin: .35rem auto 0; color: #c9cfda; font-size: .9rem; }

.page { max-width: 1120px; margin: 0 auto; padding: 1rem; }
.layout { display: grid; gap: 1rem; }
@media (min-width: 860px) { .layout { grid-template-columns: minmax(0, 1.6fr) minmax(300px, 1fr); align-items: start; } .cart-panel { position: sticky; top: 1rem; } }
.panel, .cart-panel { background: var(--card); border: 1px solid var(--line); border-radius: var(--radius); padding: 1rem; }

.products { list-style: none; margin: 0; padding: 0; display: grid; gap: .75rem; }
@media (min-width: 560px) { .products { grid-template-columns: repeat(2, minmax(0, 1fr)); } }
.product { background: var(--card); border: 1px solid var(--line); border-radius: var(--radius); padding: .9rem; }
.variants { list-style: none; margin: 0; padding: 0; }
.variant { display: grid; grid-template-columns: 1fr auto; grid-template-areas: "title price" "stock add"; gap: .15rem .5rem; align-items: center; padding: .5rem 0; border-top: 1px solid var(--line); }
.variant:first-child { border-top: 0; }
.variant-title { grid-area: title; }
.price { grid-area: price; font-weight: 600; text-align: right; }
.stock { grid-area: stock; font-size: .85rem; color: var(--ok); }
.stock.low { color: var(--brand-ink); }
.stock.sold-out { color: var(--bad); }
.variant .add { grid-area: add; justify-self: end; min-width: 76px; }

.cart-lines { list-style: none; margin: 0 0 .5rem; padding: 0; }
.cart-line { display: grid; grid-template-columns: 1fr auto; gap: .25rem .5rem; padding: .6rem 0; border-bottom: 1px solid var(--line); }
.cart-line .qty { display: flex; align-items: center; gap: .35rem; }
.cart-line .qty button { min-width: 40px; min-height: 40px; padding: 0; }
.cart-line .qty output { min-width: 1.6rem; text-align: center; font-weight: 600; }
.line-total { text-align: right; font-weight: 600; }
.totals { width: 100%; border-collapse: collapse; margin: .5rem 0; }
.totals th { text-align: left; font-weight: normal; color: var(--muted); padding: .2rem 0; }
.totals td { text-align: right; padding: .2rem 0; font-variant-numeric: tabular-nums; }
.totals tr.grand th, .totals tr.grand td { color: var(--ink); font-weight: 700; font-size: 1.1rem; border-top: 1px solid var(--line); padding-top: .5rem; }
.inline-form { display: flex; gap: .5rem; }
.inline-form input { flex: 1; }
.chips { display: flex; gap: .4rem; flex-wrap: wrap; margin: .4rem 0; padding: 0; list-style: none; }
.chip { background: var(--ok-bg); color: var(--ok); border-radius: 999px; padding: .15rem .3rem .15rem .7rem; display: inline-flex; align-items: center; gap: .2rem; font-size: .9rem; }
.chip button { min-height: 28px; min-width: 28px; padding: 0; border: 0; background: none; color: inherit; }
.actions { display: flex; gap: .5rem; flex-wrap: wrap; margin-top: .75rem; }
.actions .primary { flex: 1 1 auto; }
.field-error { color: var(--bad); font-size: .9rem; margin: .3rem 0 0; }
.lock-badge { display: inline-block; background: var(--warn-bg); border: 1px solid var(--warn-line); color: var(--brand-ink); border-radius: 999px; padding: .05rem .6rem; font-size: .85rem; margin-left: .4rem; vertical-align: middle; }

.banner { border-radius: var(--radius); padding: .85rem 1rem; margin: 0 0 1rem; border: 1px solid; }
.banner h2 { font-size: 1.05rem; margin: 0 0 .25rem; }
.banner p { margin: .2rem 0; }
.banner .actions { margin-top: .5rem; }
.banner.locked { background: var(--warn-bg); border-color: var(--warn-line); border-width: 2px; }
.banner.error { background: var(--bad-bg); border-color: #f1b8b3; }
.banner.info { background: #eef4ff; border-color: #bcd0f7; }
.banner.success { background: var(--ok-bg); border-color: #a8dcb9; }
.countdown { font-variant-numeric: tabular-nums; font-weight: 700; }

.checkout-head { display: flex; flex-wrap: wrap; justify-content: space-between; gap: .5rem; align-items: baseline; }
.deadline { background: var(--warn-bg); border: 1px solid var(--warn-line); border-radius: 8px; padding: .4rem .7rem; }
.deadline.urgent { background: var(--bad-bg); border-color: #f1b8b3; }
.quote-table { width: 100%; border-collapse: collapse; margin: .5rem 0; font-variant-numeric: tabular-nums; }
.quote-table th, .quote-table td { padding: .45rem .3rem; border-bottom: 1px solid var(--line); text-align: right; vertical-align: top; }
.quote-table th:first-child, .quote-table td:first-child { text-align: left; }
.quote-table thead th { font-size: .85rem; color: var(--muted); font-weight: 600; }
.quote-table .sub { display: block; font-size: .82rem; color: var(--muted); }
@media (max-width: 520px) { .quote-table .wide { display: none; } }
.meta { display: grid; grid-template-columns: auto 1fr; gap: .15rem .75rem; font-size: .9rem; margin: .5rem 0; }
.meta dt { color: var(--muted); }
.meta dd { margin: 0; word-break: break-all; }
.cards { list-style: none; padding: 0; margin: .5rem 0; display: grid; gap: .4rem; }
.cards label { display: flex; gap: .6rem; align-items: flex-start; margin: 0; color: var(--ink); border: 1px solid var(--line); border-radius: 8px; padding: .55rem .7rem; cursor: pointer; }
.cards input { width: auto; min-height: 0; margin-top: .25rem; }
.cards code { font-weight: 700; }
.cards .hint { display: block; color: var(--muted); font-size: .85rem; }
.order-head { display: flex; gap: .75rem; align-items: center; }
.order-head .tick { font-size: 2rem; color: var(--ok); }
.cart-bar {
  position: fixed; left: 0; right: 0; bottom: 0; z-index: 10; display: flex; justify-content: space-between; align-items: center;
  gap: .75rem; padding: .7rem 1rem; background: var(--ink); color: #fff; text-decoration: none; box-shadow: 0 -2px 10px rgba(0,0,0,.15);
}
.cart-bar .go { background: var(--brand); color: #1d1200; font-weight: 700; border-radius: 8px; padding: .35rem .7rem; white-space: nowrap; }
body:has(.cart-bar) { padding-bottom: 4rem; }
@media (min-width: 860px) { .cart-bar { display: none; } body:has(.cart-bar) { padding-bottom: 0; } }
footer { max-width: 1120px; margin: 1rem auto 2rem; padding: 0 1rem; color: var(--muted); font-size: .875rem; }
`;
