/** Checkout locks: the list, one lock in full (`lock ID`), and release. */
import type { Checkout } from "../../contract/checkout.ts";
import type { LockDetail, LockSummary } from "../../contract/checkout-lock.ts";
import { EXIT, type Command } from "../command.ts";
import { confirmed, YES_OPTION } from "../confirmation.ts";
import { money, paintCell, time } from "../format.ts";
import { LIST_OPTIONS, printList } from "../paged-list.ts";
import { refusal } from "../refusals.ts";
import { keyValues, table, type Paint } from "../text-table.ts";

const locks: Command = {
  name: "locks",
  summary: "checkout locks, newest first; --state active|locked|completed|…",
  usage: "[--state S] [--cart-id ID] [--limit N] [--cursor C] [--all] [--csv]",
  args: [0, 0],
  options: {
    state: { type: "string", value: "S", help: "a checkout state, or active for every one not ended" },
    "cart-id": { type: "string", value: "ID", help: "only this cart's checkouts" },
    ...LIST_OPTIONS,
  },
  examples: ["checkout-admin locks --state active", "checkout-admin locks --state failed --all --csv > failed.csv"],
  run: (ctx) =>
    printList<LockSummary>(ctx, {
      command: "locks",
      path: "/admin/api/checkout-locks",
      filters: { state: "state", cart_id: "cart-id" },
      noun: "checkout locks",
      columns: [
        { title: "ID", value: (l) => l.id },
        { title: "STATE", value: (l) => `${l.state}${l.overdue ? " (overdue)" : ""}` },
        { title: "PHASE", value: (l) => l.phase },
        { title: "TOTAL", value: (l) => money(l.total, l, ctx.io.locale), align: "right" },
        { title: "CREATED (UTC)", value: (l) => time(l.created_at) },
        { title: "EXPIRES / ENDED (UTC)", value: (l) => (l.active ? time(l.expires_at) : time(l.ended_at)) },
        { title: "CART", value: (l) => l.cart_id },
      ],
      csv: [
        ["id", (l) => l.id],
        ["cart_id", (l) => l.cart_id],
        ["state", (l) => l.state],
        ["phase", (l) => l.phase],
        ["currency", (l) => l.currency],
        ["total", (l) => l.total],
        ["active", (l) => l.active],
        ["overdue", (l) => l.overdue],
        ["created_at", (l) => l.created_at],
        ["expires_at", (l) => l.expires_at],
        ["ended_at", (l) => l.ended_at],
      ],
    }),
};

export function formatLock(d: LockDetail, paint: Paint, locale: string | undefined): string {
  const c = d.checkout;
  const q = c.quote;
  const parts = [
    paint.bold(`Checkout ${c.id}`),
    keyValues([
      ["Cart", c.cart_id],
      ["State", `${c.state} (phase ${c.phase})${c.cancel_reason ? `, ${c.cancel_reason}` : ""}`],
      ["Created", `${time(c.created_at)} UTC`],
      ["Expires", `${time(c.expires_at)} UTC`],
      ["Completed", c.completed_at ? `${time(c.completed_at)} UTC` : "—"],
      ["Failure", c.failure ? paint.fail(`${c.failure.code} in ${c.failure.phase}: ${c.failure.message}`) : "—"],
      ["Order", d.order ? `${d.order.id} (#${d.order.number ?? "—"}, ${d.order.status})` : "—"],
      [
        "Total",
        q
          ? `${money(q.total, q, locale)} (subtotal ${money(q.subtotal, q, locale)}, discounts ${money(q.discount_total, q, locale)}, tax ${money(q.tax_total, q, locale)})`
          : "— (no quote yet)",
      ],
    ]),
  ];
  if (q?.lines.length) {
    parts.push(
      "",
      table(q.lines, [
        { title: "SKU", value: (l) => l.sku },
        { title: "QTY", value: (l) => String(l.quantity), align: "right" },
        { title: "UNIT", value: (l) => money(l.unit_price, q, locale), align: "right" },
        { title: "TOTAL", value: (l) => money(l.total, q, locale), align: "right" },
      ]),
    );
  }
  if (d.reservations.length) {
    parts.push(
      "",
      table(d.reservations, [
        { title: "RESERVED", value: (r) => r.sku ?? r.variant_id },
        { title: "QTY", value: (r) => String(r.quantity), align: "right" },
        { title: "STATUS", value: (r) => r.status },
        { title: "EXPIRES (UTC)", value: (r) => time(r.expires_at) },
      ]),
    );
  }
  if (d.payments.length) {
    parts.push(
      "",
      table(d.payments, [
        { title: "PAYMENT", value: (p) => `#${p.attempt} ${p.provider}` },
        {
          title: "STATUS",
          value: (p) => p.status,
          paint: paintCell((s) => (s === "captured" ? paint.ok(s) : s === "declined" || s === "failed" ? paint.fail(s) : s)),
        },
        { title: "AMOUNT", value: (p) => money(p.amount, c, locale), align: "right" },
        { title: "CAPTURED", value: (p) => money(p.captured_amount, c, locale), align: "right" },
        { title: "DECLINE", value: (p) => p.decline_code ?? "" },
      ]),
    );
  }
  parts.push(
    "",
    table(d.timeline, [
      { title: "AT (UTC)", value: (t) => time(t.at) },
      { title: "STATE", value: (t) => t.state },
      { title: "PHASE", value: (t) => t.phase },
      { title: "EVENT", value: (t) => t.event },
      {
        title: "DETAIL",
        value: (t) => (t.detail === null || t.detail === undefined ? "" : typeof t.detail === "string" ? t.detail : JSON.stringify(t.detail)),
        max: 70,
      },
    ]),
  );
  return parts.join("\n");
}

export const lock: Command = {
  name: "lock",
  summary: "one checkout lock in full: quote, reservations, payments, timeline",
  usage: "ID",
  args: [1, 1],
  options: {},
  examples: ["checkout-admin lock chk_…"],
  async run({ client, positionals, io, json }) {
    const id = positionals[0]!;
    try {
      const detail = await client.get<LockDetail>(`/admin/api/checkout-locks/${encodeURIComponent(id)}`);
      io.out(json ? JSON.stringify(detail, null, 2) : formatLock(detail, io.paint, io.locale));
      return EXIT.ok;
    } catch (error) {
      return refusal(error, io, { missing: `No checkout ${id}.`, refused: "Not shown" });
    }
  },
};

const release: Command = {
  name: "release",
  summary: "release an active checkout (cancelled, reason admin_release); asks first on a terminal",
  usage: "ID [--yes]",
  args: [1, 1],
  options: { ...YES_OPTION },
  details: "Its stock, quote and discount reservations are given back and its cart is editable again; an authorized payment is voided.",
  examples: ["checkout-admin release chk_…", "checkout-admin release chk_… --yes"],
  async run(ctx) {
    const { client, positionals, io, json } = ctx;
    const id = positionals[0]!;
    try {
      const go = await confirmed(ctx, async () => {
        const { checkout } = await client.get<LockDetail>(`/admin/api/checkout-locks/${encodeURIComponent(id)}`);
        const total = checkout.quote ? `, ${money(checkout.quote.total, checkout.quote, io.locale)}` : "";
        return `Release checkout ${id} (${checkout.state}${total}, cart ${checkout.cart_id})?`;
      });
      if (!go) {
        io.err("Not released.");
        return EXIT.failed;
      }
      const result = await client.post<{ checkout: Checkout }>(`/admin/api/checkout-locks/${encodeURIComponent(id)}/release`);
      if (json) io.out(JSON.stringify(result, null, 2));
      else
        io.out(
          `${io.paint.ok("Released")} ${result.checkout.id}: ${result.checkout.state} (${result.checkout.cancel_reason ?? "admin_release"}); stock, quote and discounts given back.`,
        );
      return EXIT.ok;
    } catch (error) {
      return refusal(error, io, { missing: `No checkout ${id}.`, refused: "Not released" });
    }
  },
};

export const lockCommands: Command[] = [locks, lock, release];
