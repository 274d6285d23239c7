/**
 * The console's Orders pages: the list (search by number or email, status filter), one
 * order, and refunds and cancellation in two steps: a form, then a confirmation page
 * showing exactly what will be refunded, whose button does it under an idempotency key
 * made for that confirmation. They call the same refund code as the admin API.
 */
import { Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";
import { forgetStatistics } from "../admin/checkout-statistics";
import { OrderPage, ORDER_NOTICES } from "../admin/console/order-page";
import { OrderReviewPage } from "../admin/console/order-review-page";
import { OrdersPage } from "../admin/console/orders-page";
import { readRefundForm, type RefundFormFields } from "../admin/console/refund-form";
import { ErrorPage } from "../admin/console/sign-in-page";
import { listOrders, ORDER_STATUSES, readOrderDetail, type OrderDetail } from "../admin/orders";
import { createDb } from "../db/client";
import { AppError } from "../lib/errors";
import { isId } from "../lib/ids";
import { refundDeps } from "../orders/refund-deps";
import type { RefundPlan } from "../orders/refund-plan";
import { cancelOrder, previewCancel, previewRefund, requestRefund } from "../orders/refunds";
import {
  consoleLocale as locale,
  isConsoleForm,
  listOrError,
  noticeOf,
  render,
  requireConsoleAdmin,
  type ConsoleContext,
  type ConsoleEnv,
} from "./console-kit";
import { requestHash } from "./http";

export const adminConsoleOrderRoutes = new Hono<ConsoleEnv>();

const OrdersQuery = z.object({
  status: z.union([z.enum(ORDER_STATUSES), z.literal("")]).optional(),
  q: z.string().trim().max(254).optional(),
  cursor: z.string().max(512).optional(),
});

/** A search is an order number ("1042" or "#1042") or an email. */
function searchOf(q: string | null): { number?: number; email?: string } | null {
  if (!q) return {};
  const number = /^#?([0-9]{1,15})$/.exec(q);
  if (number) return { number: Number(number[1]) };
  return q.includes("@") ? { email: q } : null;
}

adminConsoleOrderRoutes.get("/admin/orders", requireConsoleAdmin, async (c) => {
  const admin = c.get("admin");
  const parsed = OrdersQuery.safeParse(c.req.query());
  const status = parsed.data?.status || null;
  const search = parsed.data?.q || null;
  const cursor = parsed.data?.cursor || null;
  const by = searchOf(search);
  const { page, error } = by
    ? await listOrError(parsed.error, () => listOrders(createDb(c.env.DB), { status: status ?? undefined, ...by, cursor: cursor ?? undefined, limit: 50 }))
    : { page: { data: [], next_cursor: null }, error: "Search by an order number or an email address." };
  return render(
    c,
    <OrdersPage
      orders={page.data}
      nextCursor={page.next_cursor}
      status={status}
      search={search}
      firstPage={!cursor}
      error={error}
      csrf={admin.csrf}
      who={admin.who}
      locale={locale(c)}
    />,
    error ? 400 : 200,
  );
});

async function detailOf(c: ConsoleContext): Promise<OrderDetail | null> {
  const id = c.req.param("id") ?? "";
  return isId("ord", id) ? readOrderDetail(createDb(c.env.DB), id) : null;
}

const notFound = (c: ConsoleContext) => render(c, <ErrorPage title="Not found" message="No order has this id." csrf={c.get("admin").csrf} />, 404);

function orderPage(
  c: ConsoleContext,
  detail: OrderDetail,
  refused: { error: string; fields: RefundFormFields | null; status: ContentfulStatusCode } | null = null,
) {
  const admin = c.get("admin");
  return render(
    c,
    <OrderPage
      detail={detail}
      notice={noticeOf(c, ORDER_NOTICES)}
      error={refused?.error ?? null}
      fields={refused?.fields ?? null}
      csrf={admin.csrf}
      who={admin.who}
      locale={locale(c)}
    />,
    refused?.status ?? 200,
  );
}

adminConsoleOrderRoutes.get("/admin/orders/:id", requireConsoleAdmin, async (c) => {
  const detail = await detailOf(c);
  return detail ? orderPage(c, detail) : notFound(c);
});

type FormChecked = { detail: OrderDetail; form: Record<string, unknown> } | Response;

/** A console form about an order: signed in, same origin, CSRF token, an order that exists. */
async function orderForm(c: ConsoleContext): Promise<FormChecked> {
  if (!(await isConsoleForm(c))) return render(c, <ErrorPage title="Not done" message={ORDER_NOTICES.csrf!.text} csrf={c.get("admin").csrf} />, 403);
  const detail = await detailOf(c);
  if (!detail) return notFound(c);
  return { detail, form: await c.req.parseBody() };
}

const back = (c: ConsoleContext, orderId: string, notice: string) => c.redirect(`/admin/orders/${encodeURIComponent(orderId)}?notice=${notice}`, 303);
const noticeFor = (error: AppError) => (Object.hasOwn(ORDER_NOTICES, error.code) ? error.code : "error");

/** Step 1 of a refund or a cancellation: show exactly what it would refund, or the order with why it cannot. */
async function review(c: ConsoleContext, detail: OrderDetail, kind: "refund" | "cancel", fields: RefundFormFields, plan: () => Promise<RefundPlan>) {
  try {
    const admin = c.get("admin");
    return render(
      c,
      <OrderReviewPage
        order={detail.order}
        plan={await plan()}
        kind={kind}
        fields={fields}
        idempotencyKey={crypto.randomUUID()}
        csrf={admin.csrf}
        who={admin.who}
        locale={locale(c)}
      />,
    );
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return orderPage(c, detail, { error: error.message, fields: kind === "refund" ? fields : null, status: error.status });
  }
}

/** Step 2: do it, then back to the order with what came of it (the statistics count refunds, so they are recomputed). */
async function settle(c: ConsoleContext, orderId: string, run: () => Promise<string>) {
  try {
    const notice = await run();
    forgetStatistics(c.env.DB);
    return back(c, orderId, notice);
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    forgetStatistics(c.env.DB);
    return back(c, orderId, noticeFor(error));
  }
}

const readRefund = (form: Record<string, unknown>, o: OrderDetail["order"]) =>
  readRefundForm(
    form,
    o.lines.map((l) => l.line_id),
    o.currency_exponent,
  );

/** Step 1 of a refund: read the form and show exactly what it would refund. */
adminConsoleOrderRoutes.post("/admin/orders/:id/refund", requireConsoleAdmin, async (c) => {
  const checked = await orderForm(c);
  if (checked instanceof Response) return checked;
  const { detail, form } = checked;
  const read = readRefund(form, detail.order);
  if (!read.ok) return orderPage(c, detail, { error: read.message, fields: read.fields, status: 422 });
  return review(c, detail, "refund", read.fields, () =>
    previewRefund(createDb(c.env.DB), detail.order.id, { ask: read.ask, restock: read.restock, reason: read.reason }),
  );
});

/** Step 2: refund, under the confirmation's key (a resubmitted confirmation answers the same refund). */
adminConsoleOrderRoutes.post("/admin/orders/:id/refunds", requireConsoleAdmin, async (c) => {
  const checked = await orderForm(c);
  if (checked instanceof Response) return checked;
  const { detail, form } = checked;
  const o = detail.order;
  const key = typeof form.key === "string" ? form.key : "";
  const read = readRefund(form, o);
  if (!read.ok || key.length < 16 || key.length > 64) return back(c, o.id, "invalid_refund");
  return settle(c, o.id, async () => {
    const outcome = await requestRefund(
      refundDeps(c.env),
      o.id,
      { ask: read.ask, restock: read.restock, reason: read.reason },
      `console:${key}`,
      await requestHash(c, read.fields),
    );
    return outcome.status === 201 ? "refunded" : "refund_pending";
  });
});

/** Step 1 of a cancellation: show what it refunds. */
adminConsoleOrderRoutes.post("/admin/orders/:id/cancel", requireConsoleAdmin, async (c) => {
  const checked = await orderForm(c);
  if (checked instanceof Response) return checked;
  const { detail, form } = checked;
  return review(c, detail, "cancel", cancelFields(form), () => previewCancel(createDb(c.env.DB), detail.order.id));
});

/** Step 2: cancel (a repeat is harmless: a cancelled order answers cancelled). */
adminConsoleOrderRoutes.post("/admin/orders/:id/cancel/confirm", requireConsoleAdmin, async (c) => {
  const checked = await orderForm(c);
  if (checked instanceof Response) return checked;
  const { detail, form } = checked;
  const fields = cancelFields(form);
  return settle(c, detail.order.id, async () => {
    const outcome = await cancelOrder(
      refundDeps(c.env),
      detail.order.id,
      { reason: fields.reason || null, restock: fields.restock },
      await requestHash(c, fields),
    );
    return outcome.status === 200 ? "cancelled" : "cancel_pending";
  });
});

function cancelFields(form: Record<string, unknown>): RefundFormFields {
  const reason = typeof form.reason === "string" ? form.reason.trim().slice(0, 500) : "";
  return { mode: "remaining", quantities: {}, amount: "", restock: typeof form.restock === "string" && form.restock !== "", reason };
}
