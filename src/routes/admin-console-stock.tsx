/** The console's Stock pages (`/admin/stock`): stock and purchase limits per variant; the limit is set by a form. */
import { Hono } from "hono";
import { z } from "zod";
import { StockListPage, LIMIT_NOTICES, VariantStockPage } from "../admin/console/stock-page";
import { ErrorPage } from "../admin/console/sign-in-page";
import { listVariantStock, readVariantStock } from "../admin/variant-stock";
import { createDb, isoNow } from "../db/client";
import { MAX_PURCHASE_LIMIT, setPurchaseLimit } from "../inventory/purchase-limits";
import { type ConsoleEnv, isConsoleForm, noticeOf, render, requireConsoleAdmin } from "./console-kit";

export const adminConsoleStockRoutes = new Hono<ConsoleEnv>();

/** The form's field: empty clears the limit; otherwise the admin API's range. */
const LimitField = z.union([z.literal("").transform(() => null), z.coerce.number().int().min(1).max(MAX_PURCHASE_LIMIT)]);

const notFoundPage = (csrf: string) => <ErrorPage title="Not found" message="No variant has this id." csrf={csrf} />;

adminConsoleStockRoutes.get("/admin/stock", requireConsoleAdmin, async (c) => {
  const admin = c.get("admin");
  const search = c.req.query("q")?.trim().slice(0, 64) || null;
  const variants = await listVariantStock(createDb(c.env.DB), search);
  return render(c, <StockListPage variants={variants} search={search} csrf={admin.csrf} who={admin.who} />);
});

adminConsoleStockRoutes.get("/admin/stock/:id", requireConsoleAdmin, async (c) => {
  const admin = c.get("admin");
  const id = c.req.param("id");
  const found = id.length <= 64 ? await readVariantStock(createDb(c.env.DB), id) : null;
  if (!found) return render(c, notFoundPage(admin.csrf), 404);
  return render(c, <VariantStockPage variant={found.variant} holders={found.holders} notice={noticeOf(c, LIMIT_NOTICES)} csrf={admin.csrf} who={admin.who} />);
});

adminConsoleStockRoutes.post("/admin/stock/:id/limit", requireConsoleAdmin, async (c) => {
  const admin = c.get("admin");
  const id = c.req.param("id");
  const back = (notice: string) => c.redirect(`/admin/stock/${encodeURIComponent(id)}?notice=${notice}`, 303);
  if (!(await isConsoleForm(c))) return render(c, <ErrorPage title="Not saved" message={LIMIT_NOTICES.csrf!.text} csrf={admin.csrf} />, 403);
  const db = createDb(c.env.DB);
  if (id.length > 64 || !(await readVariantStock(db, id))) return render(c, notFoundPage(admin.csrf), 404);
  const form = await c.req.parseBody();
  const raw = form.max_per_customer;
  const parsed = LimitField.safeParse(typeof raw === "string" ? raw.trim() : raw);
  if (!parsed.success) return back("invalid");
  await setPurchaseLimit(db, id, parsed.data, isoNow());
  return back(parsed.data === null ? "cleared" : "set");
});
