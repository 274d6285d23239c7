/**
 * The merchant's refunds and cancellations during the run: of orders shoppers completed,
 * by units of a line (with or without restock), by amount or all that remains, some sent
 * twice at once under one key, and every one sent again under its key until answered, so
 * a crash between the gateway's refund and its record is settled by the repeat (or by
 * the cleanup job). What they may never do is checked on the D1 file (refund-invariants.ts).
 */
import type { Catalog } from "./catalog.ts";
import { NoAnswer, sleep, type HttpClient, type Reply } from "./http.ts";
import type { Observations } from "./observations.ts";
import type { AdminActionPlan } from "./plan.ts";

type RefundAction = Extract<AdminActionPlan, { kind: "refund" }>;
type CancelAction = Extract<AdminActionPlan, { kind: "cancel" }>;

/** How long the merchant keeps asking under one key while the server is down. */
const RETRY_FOR_MS = 20_000;

interface OrderBody {
  order: { id: string; status: string; payment: { amount: number } | null; lines: Array<{ line_id: string; quantity: number }> };
  refunds: Array<{ status: string; amount: number; lines: Array<{ line_id: string; quantity: number }> }>;
}

function pickOrder(obs: Observations, pick: number): string | null {
  const orders = obs.shoppers.map((s) => s.orderId).filter((id): id is string => id !== null);
  return orders.length ? orders[Math.floor(pick * orders.length)]! : null;
}

/** A POST sent again under its key until the server answers (or gives a final refusal). */
async function untilAnswered(http: HttpClient, path: string, headers: Record<string, string>, body: unknown): Promise<Reply | null> {
  const until = Date.now() + RETRY_FOR_MS;
  while (Date.now() < until) {
    try {
      const reply = await http.send("POST", path, { headers, body });
      // 503 (a restart under way) and 409 request_in_progress are "ask again".
      if (reply.status === 503 || (reply.status === 409 && reply.body?.error?.code === "request_in_progress")) {
        await sleep(500);
        continue;
      }
      return reply;
    } catch (error) {
      if (!(error instanceof NoAnswer)) throw error;
      await sleep(750);
    }
  }
  return null;
}

/** What the action asks of this order as it stands, or null when there is nothing to ask. */
export function refundRequest(detail: OrderBody, action: Pick<RefundAction, "how" | "share" | "restock">): Record<string, unknown> | null {
  const held = detail.refunds.filter((r) => r.status !== "failed");
  const refundable = (detail.order.payment?.amount ?? 0) - held.reduce((n, r) => n + r.amount, 0);
  if (refundable <= 0) return null;
  if (action.how === "all") return {};
  if (action.how === "amount") return { amount: Math.max(1, Math.floor(action.share * refundable)) };
  const taken = new Map<string, number>();
  for (const r of held) for (const l of r.lines) taken.set(l.line_id, (taken.get(l.line_id) ?? 0) + l.quantity);
  const open = detail.order.lines.map((l) => ({ line_id: l.line_id, left: l.quantity - (taken.get(l.line_id) ?? 0) })).filter((l) => l.left > 0);
  if (open.length === 0) return null;
  const line = open[Math.floor(action.share * open.length)]!;
  return { lines: [{ line_id: line.line_id, quantity: Math.max(1, Math.round(action.share * line.left)) }], ...(action.restock ? { restock: true } : {}) };
}

export async function refundSomeOrder(http: HttpClient, obs: Observations, catalog: Catalog, action: RefundAction): Promise<void> {
  const orderId = pickOrder(obs, action.pick);
  if (!orderId) return;
  const detail = await http.send("GET", `/admin/api/orders/${orderId}`, { headers: catalog.admin });
  if (detail.status !== 200) return;
  const body = refundRequest(detail.body as OrderBody, action);
  if (!body) return;
  const headers = { ...catalog.admin, "idempotency-key": `chaos-refund-${crypto.randomUUID()}` };
  const replies = await Promise.all(
    Array.from({ length: action.duplicates }, () => untilAnswered(http, `/admin/api/orders/${orderId}/refunds`, headers, body)),
  );
  for (const reply of replies) {
    const tally = obs.admin.refunds;
    if (!reply) tally.other++;
    else if (reply.status === 201) tally.succeeded++;
    else if (reply.status === 202) tally.pending++;
    else if (reply.status === 409 || reply.status === 422) tally.refused++;
    else if (reply.status === 502) tally.gateway++;
    else tally.other++;
  }
}

export async function cancelSomeOrder(http: HttpClient, obs: Observations, catalog: Catalog, action: CancelAction): Promise<void> {
  const orderId = pickOrder(obs, action.pick);
  if (!orderId) return;
  const reply = await untilAnswered(http, `/admin/api/orders/${orderId}/cancel`, catalog.admin, { restock: action.restock, reason: "chaos" });
  const tally = obs.admin.cancels;
  if (!reply) tally.other++;
  else if (reply.status === 200) tally.cancelled++;
  else if (reply.status === 202) tally.pending++;
  else if (reply.status === 409) tally.refused++;
  else tally.other++;
}
