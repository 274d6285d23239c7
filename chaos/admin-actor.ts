/**
 * The merchant during the run, on the plan's schedule: price changes (quotes already
 * locked must not move), releases of checkouts shoppers hold (`POST
 * /admin/api/checkout-locks/{id}/release`), stock top-ups (inventory adjustments the
 * conservation check must account for), refunds and cancellations of shoppers' orders
 * (after-sale.ts) and cron runs.
 */
import { cancelSomeOrder, refundSomeOrder } from "./after-sale.ts";
import type { Catalog } from "./catalog.ts";
import { errorCode, NoAnswer, sleep } from "./http.ts";
import type { ChaosPlan } from "./plan.ts";
import type { ShopperContext } from "./shopper.ts";

export const CRON_PATH = "/__scheduled?cron=*/5+*+*+*+*";

export async function runAdmin(ctx: ShopperContext, plan: ChaosPlan, catalog: Catalog, startedAt: number): Promise<void> {
  const { observations: obs, http } = ctx;
  for (const { afterMs, action } of plan.admin) {
    const wait = startedAt + afterMs - Date.now();
    if (wait > 0) await sleep(wait);
    if (Date.now() >= ctx.stopAt) return;
    try {
      switch (action.kind) {
        case "price": {
          const reply = await http.send("PUT", `/admin/api/variants/${catalog.variantIds[action.variant]}/prices`, {
            headers: catalog.admin,
            body: action.prices,
          });
          if (reply.status === 200) obs.admin.prices++;
          break;
        }
        case "stock": {
          const variantId = catalog.variantIds[action.variant]!;
          const path = `/admin/api/variants/${variantId}/stock`;
          const readAt = Date.now();
          const current = await http.send("GET", path, { headers: catalog.admin });
          if (current.status !== 200) break;
          // The harness's own stock ledger (checked against D1 at the end): what it saw and sent.
          const change = {
            variantId,
            seen: current.body.on_hand as number,
            sent: current.body.on_hand + action.add,
            outcome: "unknown" as const,
            readAt,
            answeredAt: Date.now(),
          };
          obs.stockChanges.push(change);
          const reply = await http.send("PUT", path, { headers: catalog.admin, body: { on_hand: change.sent } }).catch((error: unknown) => {
            change.answeredAt = Date.now();
            throw error;
          });
          Object.assign(change, {
            outcome: reply.status === 200 ? "applied" : reply.status < 500 ? "refused" : "unknown",
            answeredAt: Date.now(),
            adjustedBy: reply.status === 200 ? reply.body.adjusted_by : undefined,
          });
          if (reply.status === 200) obs.admin.stock++;
          break;
        }
        case "release": {
          const held = [...obs.locked.keys()];
          if (held.length === 0) break;
          const checkoutId = held[Math.floor(action.pick * held.length)]!;
          const reply = await http.send("POST", `/admin/api/checkout-locks/${checkoutId}/release`, { headers: catalog.admin });
          const code = errorCode(reply);
          if (reply.status === 200) {
            obs.admin.releases.ok++;
            obs.locked.delete(checkoutId);
          } else if (reply.status === 409) {
            obs.admin.releases.conflict++;
            obs.locked.delete(checkoutId);
          } else if (reply.status === 404 && code === "not_found" && reply.body?.error?.message === "No such route.") obs.admin.releases.routeMissing++;
          else if (reply.status === 404) obs.admin.releases.notFound++;
          else obs.admin.releases.other++;
          break;
        }
        case "refund":
          await refundSomeOrder(http, obs, catalog, action);
          break;
        case "cancel":
          await cancelSomeOrder(http, obs, catalog, action);
          break;
        case "cron": {
          const reply = await http.send("GET", CRON_PATH);
          if (reply.status < 400) obs.admin.cron.ok++;
          else obs.admin.cron.failed++;
          break;
        }
      }
    } catch (error) {
      if (!(error instanceof NoAnswer)) throw error;
      // The server is down (the crash monkey): a merchant would try again later.
      obs.admin.skipped++;
    }
  }
}
