/**
 * The console's one stylesheet, inlined in every page. The Content-Security-Policy
 * allows exactly this text by its SHA-256 hash (no 'unsafe-inline'), and no script.
 */
import { toBase64 } from "../../lib/crypto";

export const CONSOLE_CSS = `
:root { --fg: #1b1f24; --muted: #5b6470; --bg: #f6f7f9; --card: #fff; --line: #dde1e6; --accent: #1d4ed8;
  --ok: #15803d; --warn: #b45309; --fail: #b91c1c; --idle: #64748b; --active: #2563eb; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
header { background: #111827; color: #fff; }
header .bar { max-width: 72rem; margin: 0 auto; padding: .6rem 1rem; display: flex; flex-wrap: wrap; gap: .4rem 1rem; align-items: center; }
header .brand { font-weight: 700; margin-right: auto; }
header a { color: #dbeafe; text-decoration: none; padding: .2rem 0; }
header a[aria-current="page"] { color: #fff; border-bottom: 2px solid #93c5fd; }
header form { margin: 0; }
header button { background: transparent; color: #dbeafe; border: 1px solid #4b5563; border-radius: 4px; padding: .2rem .6rem; font: inherit; cursor: pointer; }
main { max-width: 72rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.4rem; margin: .2rem 0 1rem; }
h2 { font-size: 1.1rem; margin: 1.6rem 0 .6rem; }
a { color: var(--accent); }
.grid { display: grid; gap: .8rem; grid-template-columns: repeat(auto-fit, minmax(15rem, 1fr)); }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .8rem 1rem; }
.card h3 { margin: 0 0 .4rem; font-size: .95rem; color: var(--muted); font-weight: 600; }
.big { font-size: 1.8rem; font-weight: 700; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.scroll { overflow-x: auto; background: var(--card); border: 1px solid var(--line); border-radius: 8px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .45rem .7rem; border-bottom: 1px solid var(--line); vertical-align: top; white-space: nowrap; }
td.wrap { white-space: normal; min-width: 14rem; }
th { font-size: .8rem; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); background: #f1f3f6; }
tr:last-child td { border-bottom: 0; }
tr.warn td { background: #fffbeb; } tr.warn td:first-child { box-shadow: inset 3px 0 var(--warn); }
tr.fail td { background: #fef2f2; } tr.fail td:first-child { box-shadow: inset 3px 0 var(--fail); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .85em; overflow-wrap: anywhere; }
.badge { display: inline-block; padding: .05rem .5rem; border-radius: 999px; font-size: .8rem; font-weight: 600; color: #fff; background: var(--idle); }
.badge.ok, .badge.completed { background: var(--ok); }
.badge.warn, .badge.expired { background: var(--warn); }
.badge.fail, .badge.failed { background: var(--fail); }
.badge.cancelled { background: var(--idle); }
.badge.active { background: var(--active); }
.notice { padding: .6rem .9rem; border-radius: 6px; margin: 0 0 1rem; border: 1px solid; }
.notice.ok { background: #ecfdf5; border-color: #a7f3d0; color: #065f46; }
.notice.fail { background: #fef2f2; border-color: #fecaca; color: #991b1b; }
.notice.warn { background: #fffbeb; border-color: #fde68a; color: #92400e; }
form.inline { display: flex; flex-wrap: wrap; gap: .5rem; align-items: end; margin: 0 0 1rem; }
label { display: flex; flex-direction: column; gap: .2rem; font-size: .85rem; color: var(--muted); }
input, select { font: inherit; padding: .4rem .5rem; border: 1px solid var(--line); border-radius: 6px; background: #fff; min-width: 0; }
button.primary, button.danger { font: inherit; padding: .45rem .9rem; border-radius: 6px; border: 0; color: #fff; cursor: pointer; }
button.primary { background: var(--accent); }
button.danger { background: var(--fail); }
form.stack { display: flex; flex-direction: column; gap: .6rem; }
label.choice { flex-direction: row; align-items: center; gap: .45rem; color: var(--fg); font-size: .95rem; }
.signin { max-width: 24rem; margin: 3rem auto; }
.signin form { display: flex; flex-direction: column; gap: .8rem; }
.muted { color: var(--muted); }
.pager { display: flex; gap: 1rem; margin: .8rem 0; }
figure { margin: 0; }
svg.chart { width: 100%; height: auto; display: block; }
svg.chart .completed { fill: var(--ok); } svg.chart .failed { fill: var(--fail); } svg.chart .expired { fill: var(--warn); }
svg.chart .cancelled { fill: var(--idle); } svg.chart .active { fill: var(--active); }
svg.chart text { fill: var(--muted); font-size: 11px; }
svg.chart line { stroke: var(--line); }
.legend { display: flex; flex-wrap: wrap; gap: .8rem; font-size: .85rem; color: var(--muted); margin-top: .4rem; }
.legend span::before { content: ""; display: inline-block; width: .7rem; height: .7rem; border-radius: 2px; margin-right: .3rem; vertical-align: -1px; background: var(--idle); }
.legend .completed::before { background: var(--ok); } .legend .failed::before { background: var(--fail); }
.legend .expired::before { background: var(--warn); } .legend .active::before { background: var(--active); }
progress { width: 8rem; height: .7rem; accent-color: var(--fail); }
details summary { cursor: pointer; color: var(--accent); }
pre { white-space: pre-wrap; overflow-wrap: anywhere; margin: .3rem 0 0; font-size: .8rem; }
@media (max-width: 40rem) { header .brand { flex-basis: 100%; } main { padding: .7rem; } .big { font-size: 1.5rem; } th, td { padding: .4rem .5rem; } }
`;

let hash: Promise<string> | null = null;

/** The CSP source for the stylesheet: 'sha256-<base64 of its digest>'. */
export function consoleStyleHash(): Promise<string> {
  hash ??= crypto.subtle.digest("SHA-256", new TextEncoder().encode(CONSOLE_CSS)).then((d) => `'sha256-${toBase64(d)}'`);
  return hash;
}
