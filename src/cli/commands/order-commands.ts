/** Orders: the list, one order with its refunds (`order ID`), refunds and cancellation. */
import { randomUUID } from "node:crypto";
import { ApiError, ConnectionError } from "../admin-client.ts";
import { flag, listOption, stringOption, UsageError, wholeNumber } from "../cli-args.ts";
import type { OrderAnswer, OrderDetail, RefundAnswer } from "../../contract/admin-order.ts";
import type { Order } from "../../contract/order.ts";
import { EXIT, type Command, type CommandContext } from "../command.ts";
import { confirmed, YES_OPTION } from "../confirmation.ts";
import { money, plural, time } from "../format.ts";
import { LIST_OPTIONS, printList } from "../paged-list.ts";
import { refusal } from "../refusals.ts";
import { keyValues, table, type Paint } from "../text-table.ts";

const orders: Command = {
  name: "orders",
  summary: "orders, newest first; --status paid|partially_refunded|refunded|cancelled, --email, --number",
  usage: "[--status S] [--email E] [--number N] [--limit N] [--cursor C] [--all] [--csv]",
  args: [0, 0],
  options: {
    status: { type: "string", value: "S", help: "paid, partially_refunded, refunded or cancelled" },
    email: { type: "string", value: "E", help: "the customer's email" },
    number: { type: "string", value: "N", help: "the order number" },
    ...LIST_OPTIONS,
  },
  examples: ["checkout-admin orders --status paid", "checkout-admin orders --email a@b.co", "checkout-admin orders --all --csv > orders.csv"],
  run: (ctx) =>
    printList<Order>(ctx, {
      command: "orders",
      path: "/admin/api/orders",
      filters: { status: "status", email: "email", number: "number" },
      noun: "orders",
      columns: [
        { title: "NUMBER", value: (o) => String(o.number), align: "right" },
        { title: "ID", value: (o) => o.id },
        { title: "STATUS", value: (o) => o.status },
        { title: "TOTAL", value: (o) => money(o.total, o, ctx.io.locale), align: "right" },
        { title: "REFUNDED", value: (o) => (o.refunded_total ? money(o.refunded_total, o, ctx.io.locale) : ""), align: "right" },
        { title: "EMAIL", value: (o) => o.email ?? "" },
        { title: "CREATED (UTC)", value: (o) => time(o.created_at) },
      ],
      csv: [
        ["id", (o) => o.id],
        ["number", (o) => o.number],
        ["status", (o) => o.status],
        ["currency", (o) => o.currency],
        ["total", (o) => o.total],
        ["refunded_total", (o) => o.refunded_total],
        ["email", (o) => o.email],
        ["created_at", (o) => o.created_at],
        ["cart_id", (o) => o.cart_id],
        ["checkout_id", (o) => o.checkout_id],
      ],
    }),
};

export function formatOrder(d: OrderDetail, paint: Paint, locale: string | undefined): string {
  const o = d.order;
  const refunds = d.refunds;
  const parts = [
    paint.bold(`Order #${o.number} ${o.id}`),
    keyValues([
      ["Status", o.status],
      ["Email", o.email ?? "—"],
      ["Created", `${time(o.created_at)} UTC`],
      [
        "Total",
        `${money(o.total, o, locale)} (subtotal ${money(o.subtotal, o, locale)}, discounts ${money(o.discount_total, o, locale)}, tax ${money(o.tax_total, o, locale)})`,
      ],
      ["Refunded", money(o.refunded_total, o, locale)],
      ["Checkout", o.checkout_id],
      ["Cart", o.cart_id],
    ]),
    "",
    table(o.lines, [
      { title: "LINE", value: (l) => l.line_id },
      { title: "SKU", value: (l) => l.sku },
      { title: "QTY", value: (l) => String(l.quantity), align: "right" },
      { title: "UNIT", value: (l) => money(l.unit_price, o, locale), align: "right" },
      { title: "TOTAL", value: (l) => money(l.total, o, locale), align: "right" },
    ]),
  ];
  if (refunds.length) {
    parts.push(
      "",
      table(refunds, [
        { title: "REFUND", value: (r) => r.id },
        { title: "STATUS", value: (r) => r.status },
        { title: "AMOUNT", value: (r) => money(r.amount, o, locale), align: "right" },
        { title: "LINES", value: (r) => r.lines.map((l) => `${l.line_id}×${l.quantity}`).join(" ") },
        { title: "RESTOCKED", value: (r) => (r.restocked ? "yes" : "no") },
        { title: "AT (UTC)", value: (r) => time(r.created_at) },
        { title: "REASON", value: (r) => r.reason ?? "", max: 40 },
      ]),
    );
  }
  return parts.join("\n");
}

const orderPath = (id: string) => `/admin/api/orders/${encodeURIComponent(id)}`;

export const order: Command = {
  name: "order",
  summary: "one order: its lines, totals and refunds",
  usage: "ID",
  args: [1, 1],
  options: {},
  examples: ["checkout-admin order ord_…"],
  async run({ client, positionals, io, json }) {
    const id = positionals[0]!;
    try {
      const detail = await client.get<OrderDetail>(orderPath(id));
      io.out(json ? JSON.stringify(detail, null, 2) : formatOrder(detail, io.paint, io.locale));
      return EXIT.ok;
    } catch (error) {
      return refusal(error, io, { missing: `No order ${id}.`, refused: "Not shown" });
    }
  },
};

/** `--line L:Q` → {line_id, quantity}. */
export function parseRefundLine(value: string): { line_id: string; quantity: number } {
  const at = value.lastIndexOf(":");
  if (at <= 0) throw new UsageError(`--line takes LINE_ID:QUANTITY, e.g. --line line_…:1 (got "${value}").`);
  return { line_id: value.slice(0, at), quantity: wholeNumber(value.slice(at + 1), `The quantity of --line ${value}`, 1, 1_000_000) };
}

export function refundBody(ctx: Pick<CommandContext, "options">): Record<string, unknown> {
  const { options } = ctx;
  const lines = listOption(options, "line").map(parseRefundLine);
  const amount = stringOption(options, "amount");
  if (flag(options, "restock") && lines.length === 0) throw new UsageError("--restock returns refunded units to stock: name them with --line.");
  return {
    ...(lines.length ? { lines } : {}),
    ...(amount !== undefined ? { amount: wholeNumber(amount, "--amount (minor units)", 1, Number.MAX_SAFE_INTEGER) } : {}),
    ...(stringOption(options, "reason") ? { reason: stringOption(options, "reason") } : {}),
    ...(flag(options, "restock") ? { restock: true } : {}),
  };
}

function refundQuestion(o: Order, body: Record<string, unknown>, locale: string | undefined): string {
  const lines = (body.lines as Array<{ quantity: number }> | undefined) ?? [];
  const what =
    body.amount !== undefined
      ? money(body.amount as number, o, locale)
      : lines.length
        ? `${plural(
            lines.reduce((n, l) => n + l.quantity, 0),
            "unit",
          )} of ${plural(lines.length, "line")}${body.restock ? " (restocked)" : ""}`
        : `everything not yet refunded (${money(o.total - o.refunded_total, o, locale)})`;
  return `Refund ${what} of order #${o.number} ${o.id} (total ${money(o.total, o, locale)}, refunded so far ${money(o.refunded_total, o, locale)})?`;
}

const refund: Command = {
  name: "refund",
  summary: "refund an order: everything left, some lines (--line), or an amount; asks first on a terminal",
  usage: "ID [--line LINE_ID:QTY …] [--amount N] [--restock] [--reason R] [--yes]",
  args: [1, 1],
  options: {
    line: { type: "string", multiple: true, value: "LINE_ID:QTY", help: "refund QTY units of a line at their exact share of its total (repeatable)" },
    amount: { type: "string", value: "N", help: "refund money only: N in the currency's minor units (1250 = 12.50 EUR)" },
    restock: { type: "boolean", help: "return the --line units to stock" },
    reason: { type: "string", value: "R", help: "kept with the refund" },
    "idempotency-key": { type: "string", value: "K", help: "repeat an earlier refund whose answer was lost (printed then); never refunds twice" },
    ...YES_OPTION,
  },
  details: "With neither --line nor --amount it refunds everything not yet refunded. A refund counts in the order once the gateway confirmed it.",
  examples: [
    "checkout-admin refund ord_…",
    "checkout-admin refund ord_… --line line_…:1 --restock --yes",
    "checkout-admin refund ord_… --amount 500 --reason goodwill",
  ],
  async run(ctx) {
    const { client, positionals, options, io, json } = ctx;
    const id = positionals[0]!;
    const body = refundBody(ctx);
    const key = stringOption(options, "idempotency-key") ?? randomUUID();
    try {
      const go = await confirmed(ctx, async () => refundQuestion((await client.get<OrderDetail>(orderPath(id))).order, body, io.locale));
      if (!go) {
        io.err("Not refunded.");
        return EXIT.failed;
      }
      const result = await client.post<RefundAnswer>(`${orderPath(id)}/refunds`, body, { "idempotency-key": key });
      const r = result.refund;
      if (json) io.out(JSON.stringify(result, null, 2));
      else if (r.status === "pending")
        io.out(`Refund ${r.id} of ${money(r.amount, result.order, io.locale)} is pending at the gateway; the order counts it once the gateway confirms.`);
      else if (r.status === "failed") io.err(`Refund ${r.id} failed at the gateway: nothing refunded.`);
      else
        io.out(
          `${io.paint.ok("Refunded")} ${money(r.amount, result.order, io.locale)} of order #${result.order.number} (${r.id}${r.restocked ? ", restocked" : ""}): order ${result.order.status}, ${money(result.order.refunded_total, result.order, io.locale)} refunded in all.`,
        );
      return r.status === "failed" ? EXIT.failed : EXIT.ok;
    } catch (error) {
      if (error instanceof ApiError && error.status === 502) {
        io.err(`Not refunded: ${error.message} Nothing was refunded; retrying is safe.`);
        return EXIT.failed;
      }
      if (error instanceof ConnectionError)
        io.err(
          `The refund's outcome is unknown. To repeat it without refunding twice: checkout-admin refund ${id} --idempotency-key ${key} (with the same options).`,
        );
      return refusal(error, io, { missing: `No order ${id}.`, refused: "Not refunded" });
    }
  },
};

const cancel: Command = {
  name: "cancel",
  summary: "cancel an order: refund all that remains and restock its units; asks first on a terminal",
  usage: "ID [--reason R] [--no-restock] [--yes]",
  args: [1, 1],
  options: {
    reason: refund.options.reason!,
    "no-restock": { type: "boolean", help: "refund without returning the units to stock" },
    ...YES_OPTION,
  },
  details: "A repeat of a cancellation is harmless.",
  examples: ["checkout-admin cancel ord_…", "checkout-admin cancel ord_… --reason fraud --no-restock --yes"],
  async run(ctx) {
    const { client, positionals, options, io, json } = ctx;
    const id = positionals[0]!;
    const restock = !flag(options, "no-restock");
    try {
      const go = await confirmed(ctx, async () => {
        const o = (await client.get<OrderDetail>(orderPath(id))).order;
        return `Cancel order #${o.number} ${o.id} (${o.status}), refunding ${money(o.total - o.refunded_total, o, io.locale)}${restock ? " and restocking its units" : ", without restocking"}?`;
      });
      if (!go) {
        io.err("Not cancelled.");
        return EXIT.failed;
      }
      const reason = stringOption(options, "reason");
      const result = await client.post<OrderAnswer>(`${orderPath(id)}/cancel`, { ...(reason ? { reason } : {}), restock });
      const o = result.order;
      if (json) io.out(JSON.stringify(result, null, 2));
      else io.out(`${io.paint.ok("Cancelled")} order #${o.number} (${o.id}): ${o.status}, ${money(o.refunded_total, o, io.locale)} refunded in all.`);
      return EXIT.ok;
    } catch (error) {
      if (error instanceof ApiError && error.status === 502) {
        io.err(`Not cancelled: ${error.message} Retrying is safe.`);
        return EXIT.failed;
      }
      return refusal(error, io, { missing: `No order ${id}.`, refused: "Not cancelled" });
    }
  },
};

export const orderCommands: Command[] = [orders, order, refund, cancel];
