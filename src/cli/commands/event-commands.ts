/** Webhook events: the list, one event with its deliveries (`event ID`), and redelivery. */
import { intOption, flag, UsageError } from "../cli-args.ts";
import type { BulkRedeliveryResult, EventDetail, EventSummary } from "../../contract/webhook-event.ts";
import { EXIT, type Command } from "../command.ts";
import { eventStatus, paintCell, plural, time } from "../format.ts";
import { LIST_OPTIONS, printList } from "../paged-list.ts";
import { refusal } from "../refusals.ts";
import { keyValues, table, type Paint } from "../text-table.ts";

const events: Command = {
  name: "events",
  summary: "webhook events, newest first; --status dead|undeliverable|delivered|pending|enqueued, --type",
  usage: "[--status S] [--type T] [--limit N] [--cursor C] [--all] [--csv]",
  args: [0, 0],
  options: {
    status: { type: "string", value: "S", help: "dead, undeliverable, delivered, pending or enqueued" },
    type: { type: "string", value: "T", help: "an event type, e.g. checkout.completed" },
    ...LIST_OPTIONS,
  },
  examples: ["checkout-admin events --status dead", "checkout-admin events --type order.refunded --all --csv"],
  run: (ctx) =>
    printList<EventSummary>(ctx, {
      command: "events",
      path: "/admin/api/events",
      filters: { status: "status", type: "type" },
      noun: "events",
      columns: [
        { title: "ID", value: (e) => e.id },
        { title: "TYPE", value: (e) => e.type },
        { title: "STATUS", value: (e) => e.status, paint: paintCell((s) => eventStatus(ctx.io.paint, s)) },
        { title: "ATTEMPTS", value: (e) => String(e.attempts), align: "right" },
        { title: "CREATED (UTC)", value: (e) => time(e.created_at) },
        { title: "LAST ERROR", value: (e) => e.last_error ?? "", max: 60 },
      ],
      csv: [
        ["id", (e) => e.id],
        ["type", (e) => e.type],
        ["status", (e) => e.status],
        ["attempts", (e) => e.attempts],
        ["last_error", (e) => e.last_error],
        ["created_at", (e) => e.created_at],
        ["enqueued_at", (e) => e.enqueued_at],
        ["delivered_at", (e) => e.delivered_at],
      ],
    }),
};

export function formatEvent(d: EventDetail, paint: Paint): string {
  const e = d.event;
  return [
    paint.bold(`Event ${e.id}`),
    keyValues([
      ["Type", e.type],
      ["Status", eventStatus(paint, e.status)],
      ["Attempts", String(e.attempts)],
      ["Created", `${time(e.created_at)} UTC`],
      ["Enqueued", e.enqueued_at ? `${time(e.enqueued_at)} UTC` : "—"],
      ["Delivered", e.delivered_at ? `${time(e.delivered_at)} UTC` : "—"],
      ["Last error", e.last_error ?? "—"],
    ]),
    "",
    d.deliveries.length
      ? table(d.deliveries, [
          { title: "ATTEMPT", value: (x) => String(x.attempt), align: "right" },
          { title: "AT (UTC)", value: (x) => time(x.at) },
          { title: "ANSWER", value: (x) => (x.status === null ? "none" : String(x.status)), paint: (x, cell) => (x.ok ? paint.ok(cell) : paint.fail(cell)) },
          { title: "MS", value: (x) => (x.duration_ms === null ? "—" : String(x.duration_ms)), align: "right" },
          { title: "ERROR", value: (x) => x.error ?? "", max: 70 },
        ])
      : "(no delivery attempts yet)",
    "",
    "Payload:",
    JSON.stringify(e.payload, null, 2),
  ].join("\n");
}

export const event: Command = {
  name: "event",
  summary: "one webhook event: every delivery attempt and the body its receiver gets",
  usage: "ID",
  args: [1, 1],
  options: {},
  examples: ["checkout-admin event evt_checkout_completed_chk_…"],
  async run({ client, positionals, io, json }) {
    const id = positionals[0]!;
    try {
      const detail = await client.get<EventDetail>(`/admin/api/events/${encodeURIComponent(id)}`);
      io.out(json ? JSON.stringify(detail, null, 2) : formatEvent(detail, io.paint));
      return EXIT.ok;
    } catch (error) {
      return refusal(error, io, { missing: `No event ${id}.`, refused: "Not shown" });
    }
  },
};

/** Events the server sends again per call (its default batch); the CLI calls again while more are left. */
const REDELIVER_BATCH = 100;
/** Without --limit: a bound, so events that fail again at once cannot keep the loop going for good. */
const DEFAULT_REDELIVER_TOTAL = 10_000;

const redeliver: Command = {
  name: "redeliver",
  summary: "send an event again now (ID), or every dead / undeliverable one, oldest first (--dead, --undeliverable)",
  usage: "ID | --dead | --undeliverable [--limit N]",
  args: [0, 1],
  options: {
    dead: { type: "boolean", help: "every dead event (retries used up)" },
    undeliverable: { type: "boolean", help: "every undeliverable event (no webhook URL when it was due)" },
    limit: LIST_OPTIONS.limit!,
  },
  details: `With --dead or --undeliverable it sends them in batches of ${REDELIVER_BATCH}, showing progress on a terminal, until none is left or --limit (at most ${DEFAULT_REDELIVER_TOTAL} by default) were sent.`,
  examples: ["checkout-admin redeliver evt_checkout_completed_chk_…", "checkout-admin redeliver --dead", "checkout-admin redeliver --undeliverable --limit 50"],
  async run({ client, options, positionals, io, json }) {
    const id = positionals[0];
    const bulk = (["dead", "undeliverable"] as const).filter((s) => flag(options, s));
    if (bulk.length > 1 || (id === undefined) === (bulk.length === 0)) {
      throw new UsageError(
        "redeliver takes one event id, or --dead (or --undeliverable) for the oldest of them: checkout-admin redeliver evt_… | checkout-admin redeliver --dead",
      );
    }
    if (id !== undefined && options.limit !== undefined) throw new UsageError("--limit goes with --dead or --undeliverable, not with an event id.");
    const status = bulk[0];
    if (status) {
      const total = intOption(options, "limit", 1, 1_000_000) ?? DEFAULT_REDELIVER_TOTAL;
      let sent = 0;
      let more = true;
      while (more && sent < total) {
        const result = await client.post<BulkRedeliveryResult>("/admin/api/events/redeliver", {
          status,
          limit: Math.min(REDELIVER_BATCH, total - sent),
        });
        sent += result.redelivered;
        more = result.more && result.redelivered > 0;
        if (more) io.progress(`Redelivered ${sent} ${status} events…`);
      }
      io.progress(null);
      if (json) io.out(JSON.stringify({ redelivered: sent, more }, null, 2));
      else {
        io.out(sent === 0 ? `No ${status} events to redeliver.` : `${io.paint.ok("Redelivered")} ${plural(sent, `${status} event`)}: enqueued now.`);
        if (more) io.out(`More ${status} events are left (stopped at --limit ${total}): run checkout-admin redeliver --${status} again.`);
      }
      return EXIT.ok;
    }
    try {
      const result = await client.post<{ event: EventSummary }>(`/admin/api/events/${encodeURIComponent(id!)}/redeliver`);
      if (json) io.out(JSON.stringify(result, null, 2));
      else
        io.out(
          `${io.paint.ok("Redelivered")} ${result.event.id}: ${result.event.status} (same webhook-id; ${plural(result.event.attempts, "attempt")} before this one).`,
        );
      return EXIT.ok;
    } catch (error) {
      return refusal(error, io, { missing: `No event ${id}.`, refused: "Not redelivered" });
    }
  },
};

export const eventCommands: Command[] = [events, event, redeliver];
