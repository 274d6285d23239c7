/** `show ID`: one lock, order or event in full, told apart by the id's prefix. */
import { UsageError } from "../cli-args.ts";
import type { Command } from "../command.ts";
import { event } from "./event-commands.ts";
import { lock } from "./lock-commands.ts";
import { order } from "./order-commands.ts";

const BY_PREFIX: Array<[prefix: string, command: Command]> = [
  ["chk_", lock],
  ["ord_", order],
  ["evt_", event],
];

export const show: Command = {
  name: "show",
  summary: "one checkout lock (chk_…), order (ord_…) or event (evt_…) in full",
  usage: "ID",
  args: [1, 1],
  options: {},
  examples: ["checkout-admin show chk_…", "checkout-admin show ord_…", "checkout-admin show evt_checkout_completed_chk_…"],
  run(ctx) {
    const id = ctx.positionals[0]!;
    const target = BY_PREFIX.find(([prefix]) => id.startsWith(prefix));
    if (!target) throw new UsageError(`show takes an id starting with ${BY_PREFIX.map(([p]) => `${p}`).join(", ")} (got "${id}").`);
    return target[1].run(ctx);
  },
};
