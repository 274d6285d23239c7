/**
 * The admin console at `/admin`: server-rendered pages (Hono JSX, no script, one inline
 * stylesheet allowed by hash), signed in with the admin token (an HttpOnly session
 * cookie) or through Cloudflare Access. State changes are POST forms carrying a CSRF
 * token and must come from this origin. `/admin/api/*` (the JSON API) is not served here.
 */
import { Hono, type MiddlewareHandler } from "hono";
import { deleteCookie, setCookie } from "hono/cookie";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";
import { adminEnabled, adminTokenConfigured, isAdminToken } from "../admin/admin-auth";
import { LOCK_STATE_FILTERS, listLocks, readLock, releaseLock } from "../admin/checkout-locks";
import { cachedStatistics, forgetStatistics } from "../admin/checkout-statistics";
import { accessConfig } from "../admin/cloudflare-access";
import { consoleStyleHash } from "../admin/console/console-style";
import { DashboardPage } from "../admin/console/dashboard-page";
import { DiagnosticsPage } from "../admin/console/diagnostics-page";
import { EventPage, REDELIVER_NOTICES } from "../admin/console/event-page";
import { EventsPage } from "../admin/console/events-page";
import { LockPage, RELEASE_NOTICES } from "../admin/console/lock-page";
import { LocksPage } from "../admin/console/locks-page";
import { ErrorPage, SignInPage } from "../admin/console/sign-in-page";
import { issueSession, SESSION_COOKIE, SESSION_TTL_MS } from "../admin/console-session";
import { runDiagnostics } from "../admin/diagnostics";
import { diagnoseLock } from "../admin/lock-diagnostics";
import { DEFAULT_EVENT_PAGE_SIZE, listEvents, readEventDetail, redeliverEvent } from "../admin/webhook-events";
import { createDb } from "../db/client";
import { EVENT_STATUSES, EVENT_TYPES } from "../events/outbox";
import { getConfig } from "../lib/config";
import { AppError } from "../lib/errors";
import { adminConsoleOrderRoutes } from "./admin-console-orders";
import { adminConsoleStockRoutes } from "./admin-console-stock";
import {
  consoleAdmin,
  consoleLocale,
  disabledPage,
  fromThisOrigin,
  isConsoleForm,
  listOrError,
  noticeOf,
  render,
  requireConsoleAdmin,
  type ConsoleContext,
  type ConsoleEnv,
} from "./console-kit";

export const adminConsoleRoutes = new Hono<ConsoleEnv>();

const isConsolePath = (path: string) => (path === "/admin" || path.startsWith("/admin/")) && !path.startsWith("/admin/api/") && path !== "/admin/api";

/** Security headers of every console response: no script at all, the stylesheet by hash, no framing. */
const consoleHeaders: MiddlewareHandler<ConsoleEnv> = async (c, next) => {
  if (!isConsolePath(c.req.path)) return next();
  await next();
  c.res.headers.set(
    "Content-Security-Policy",
    `default-src 'self'; script-src 'none'; style-src ${await consoleStyleHash()}; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'`,
  );
  c.res.headers.set("X-Frame-Options", "DENY");
  c.res.headers.set("Cache-Control", "no-store");
  c.res.headers.set("Referrer-Policy", "same-origin");
  c.res.headers.set("X-Content-Type-Options", "nosniff");
};

/** Only redirect back into the console (never to another site). */
function safeNext(next: unknown): string {
  if (typeof next !== "string" || !next.startsWith("/admin") || next.startsWith("//") || /[\\\s]/.test(next) || next.length > 512) return "/admin";
  return next;
}

adminConsoleRoutes.use("*", consoleHeaders);
adminConsoleRoutes.get("/admin/", (c) => c.redirect("/admin", 301));

// ------------------------------------------------------------------ sign-in

adminConsoleRoutes.get("/admin/sign-in", async (c) => {
  if (!adminEnabled(c.env)) return disabledPage(c);
  if (await consoleAdmin(c)) return c.redirect(safeNext(c.req.query("next")), 303);
  return render(c, <SignInPage next={safeNext(c.req.query("next"))} accessConfigured={accessConfig(c.env) !== null} />);
});

adminConsoleRoutes.post("/admin/sign-in", async (c) => {
  if (!adminEnabled(c.env)) return disabledPage(c);
  const form = await c.req.parseBody();
  const next = safeNext(form.next);
  const page = (error: string, status: ContentfulStatusCode) =>
    render(c, <SignInPage next={next} error={error} accessConfigured={accessConfig(c.env) !== null} />, status);
  if (!fromThisOrigin(c)) return page("Sign in from this console's own page.", 403);
  if (!adminTokenConfigured(c.env)) return page("Token sign-in is off: no ADMIN_TOKEN is configured. Use Cloudflare Access.", 503);
  // Every attempt counts (a right token too), so a guesser learns nothing past the limit.
  const { success } = await c.env.ADMIN_SIGN_IN_RATE_LIMITER.limit({ key: c.req.header("cf-connecting-ip") ?? "unknown" });
  if (!success) {
    c.header("Retry-After", "60");
    return page("Too many sign-in attempts from this address. Wait a minute, then try again.", 429);
  }
  const token = typeof form.token === "string" ? form.token.trim() : "";
  if (!isAdminToken(c.env, token)) return page("That token is not valid.", 401);
  const session = await issueSession(c.env.ADMIN_TOKEN!);
  setCookie(c, SESSION_COOKIE, session.value, {
    path: "/admin",
    httpOnly: true,
    secure: new URL(c.req.url).protocol === "https:",
    sameSite: "Strict",
    maxAge: Math.floor(SESSION_TTL_MS / 1000),
  });
  return c.redirect(next, 303);
});

adminConsoleRoutes.post("/admin/sign-out", requireConsoleAdmin, async (c) => {
  if (!(await isConsoleForm(c))) {
    return render(c, <ErrorPage title="Not signed out" message="The form was stale or not sent from this console." csrf={c.get("admin").csrf} />, 403);
  }
  deleteCookie(c, SESSION_COOKIE, { path: "/admin", secure: new URL(c.req.url).protocol === "https:" });
  return c.redirect("/admin/sign-in", 303);
});

// ------------------------------------------------------------------- pages

adminConsoleRoutes.get("/admin", requireConsoleAdmin, async (c) => {
  const admin = c.get("admin");
  const [hour, day, week] = await Promise.all([1, 24, 24 * 7].map((h) => cachedStatistics(c.env.DB, h)));
  return render(
    c,
    <DashboardPage
      windows={[
        { label: "hour", stats: hour!.value },
        { label: "24 hours", stats: day!.value },
        { label: "7 days", stats: week!.value },
      ]}
      detail={day!.value}
      csrf={admin.csrf}
      who={admin.who}
    />,
  );
});

const LocksQuery = z.object({
  state: z.union([z.enum(LOCK_STATE_FILTERS), z.literal("")]).optional(),
  cart_id: z.string().trim().max(64).optional(),
  cursor: z.string().max(512).optional(),
});

adminConsoleRoutes.get("/admin/locks", requireConsoleAdmin, async (c) => {
  const admin = c.get("admin");
  const now = Date.now();
  const parsed = LocksQuery.safeParse(c.req.query());
  const state = parsed.success && parsed.data.state ? parsed.data.state : null;
  const cartId = parsed.success && parsed.data.cart_id ? parsed.data.cart_id : null;
  const cursor = parsed.success && parsed.data.cursor ? parsed.data.cursor : null;
  const { page, error } = await listOrError(parsed.error, () =>
    listLocks(createDb(c.env.DB), { state: state ?? undefined, cartId: cartId ?? undefined, cursor: cursor ?? undefined, limit: 50 }, now),
  );
  return render(
    c,
    <LocksPage
      locks={page.data}
      nextCursor={page.next_cursor}
      state={state}
      cartId={cartId}
      firstPage={!cursor}
      error={error}
      now={now}
      csrf={admin.csrf}
      who={admin.who}
      locale={consoleLocale(c)}
    />,
    error ? 400 : 200,
  );
});

adminConsoleRoutes.get("/admin/locks/:id", requireConsoleAdmin, async (c) => {
  const admin = c.get("admin");
  const id = c.req.param("id");
  const now = Date.now();
  const db = createDb(c.env.DB);
  const lock = id.length <= 64 ? await readLock(db, id, now) : null;
  if (!lock) return render(c, <ErrorPage title="Not found" message="No checkout has this id." csrf={admin.csrf} />, 404);
  const diagnosis = await diagnoseLock(db, c.env.DB, getConfig(c.env), c.env.QUOTE_SIGNING_SECRET, id, now);
  return render(
    c,
    <LockPage lock={lock} diagnosis={diagnosis} notice={noticeOf(c, RELEASE_NOTICES)} now={now} csrf={admin.csrf} who={admin.who} locale={consoleLocale(c)} />,
  );
});

adminConsoleRoutes.post("/admin/locks/:id/release", requireConsoleAdmin, async (c) => {
  const admin = c.get("admin");
  const id = c.req.param("id");
  const back = (notice: string) => c.redirect(`/admin/locks/${encodeURIComponent(id)}?notice=${notice}`, 303);
  if (!(await isConsoleForm(c))) {
    return render(c, <ErrorPage title="Not released" message={RELEASE_NOTICES.csrf!.text} csrf={admin.csrf} />, 403);
  }
  let outcome: Awaited<ReturnType<typeof releaseLock>>;
  try {
    outcome = await releaseLock(c.env, createDb(c.env.DB), id);
  } catch (error) {
    if (error instanceof AppError && error.status === 404)
      return render(c, <ErrorPage title="Not found" message="No checkout has this id." csrf={admin.csrf} />, 404);
    if (error instanceof AppError) return back(error.code in RELEASE_NOTICES ? error.code : "error");
    throw error;
  }
  if (outcome.status === 200) {
    forgetStatistics(c.env.DB);
    return back("released");
  }
  const code = (outcome.body as { error?: { code?: string } }).error?.code ?? "error";
  return back(code in RELEASE_NOTICES ? code : "error");
});

const EventsQuery = z.object({
  status: z.union([z.enum(EVENT_STATUSES), z.literal("")]).optional(),
  type: z.union([z.enum(EVENT_TYPES), z.literal("")]).optional(),
  cursor: z.string().max(512).optional(),
});

adminConsoleRoutes.get("/admin/events", requireConsoleAdmin, async (c) => {
  const admin = c.get("admin");
  const parsed = EventsQuery.safeParse(c.req.query());
  const status = parsed.data?.status || null;
  const type = parsed.data?.type || null;
  const cursor = parsed.data?.cursor || null;
  const { page, error } = await listOrError(parsed.error, () =>
    listEvents(createDb(c.env.DB), { status: status ?? undefined, type: type ?? undefined, cursor: cursor ?? undefined, limit: DEFAULT_EVENT_PAGE_SIZE }),
  );
  return render(
    c,
    <EventsPage
      events={page.data}
      nextCursor={page.next_cursor}
      status={status}
      type={type}
      firstPage={!cursor}
      error={error}
      csrf={admin.csrf}
      who={admin.who}
    />,
    error ? 400 : 200,
  );
});

/** Event ids are at most this long (as in the JSON API); a longer one is simply unknown. */
const MAX_EVENT_ID_LENGTH = 128;
const eventNotFound = (c: ConsoleContext) => render(c, <ErrorPage title="Not found" message="No event has this id." csrf={c.get("admin").csrf} />, 404);

adminConsoleRoutes.get("/admin/events/:id", requireConsoleAdmin, async (c) => {
  const admin = c.get("admin");
  const id = c.req.param("id");
  const detail = id.length <= MAX_EVENT_ID_LENGTH ? await readEventDetail(createDb(c.env.DB), id) : null;
  if (!detail) return eventNotFound(c);
  return render(c, <EventPage detail={detail} notice={noticeOf(c, REDELIVER_NOTICES)} csrf={admin.csrf} who={admin.who} />);
});

adminConsoleRoutes.post("/admin/events/:id/redeliver", requireConsoleAdmin, async (c) => {
  const admin = c.get("admin");
  const id = c.req.param("id");
  const back = (notice: string) => c.redirect(`/admin/events/${encodeURIComponent(id)}?notice=${notice}`, 303);
  if (!(await isConsoleForm(c))) {
    return render(c, <ErrorPage title="Not sent again" message={REDELIVER_NOTICES.csrf!.text} csrf={admin.csrf} />, 403);
  }
  if (id.length > MAX_EVENT_ID_LENGTH) return eventNotFound(c);
  let outcome: Awaited<ReturnType<typeof redeliverEvent>>;
  try {
    outcome = await redeliverEvent(c.env, createDb(c.env.DB), id, Date.now());
  } catch (error) {
    if (error instanceof AppError && error.status === 404) return eventNotFound(c);
    if (error instanceof AppError) return back(Object.hasOwn(REDELIVER_NOTICES, error.code) ? error.code : "error");
    throw error;
  }
  // Normally enqueued; a consumer faster than this answer may have handled it already.
  return back(outcome.event.status === "enqueued" ? "enqueued" : "sent");
});

adminConsoleRoutes.get("/admin/diagnostics", requireConsoleAdmin, async (c) => {
  const admin = c.get("admin");
  const now = Date.now();
  const config = getConfig(c.env);
  const lockId = c.req.query("lock_id")?.trim() || null;
  if (lockId) {
    const report = lockId.length <= 64 ? await diagnoseLock(createDb(c.env.DB), c.env.DB, config, c.env.QUOTE_SIGNING_SECRET, lockId, now) : null;
    if (!report) {
      return render(
        c,
        <DiagnosticsPage
          status="fail"
          generatedAt={new Date(now).toISOString()}
          checks={[]}
          lockId={lockId}
          explanation={null}
          error="No checkout has this id."
          csrf={admin.csrf}
          who={admin.who}
        />,
        404,
      );
    }
    return render(
      c,
      <DiagnosticsPage
        status={report.status}
        generatedAt={report.generated_at}
        checks={report.checks}
        lockId={lockId}
        explanation={report.explanation}
        error={null}
        csrf={admin.csrf}
        who={admin.who}
      />,
    );
  }
  const report = await runDiagnostics(c.env.DB, config, now);
  return render(
    c,
    <DiagnosticsPage
      status={report.status}
      generatedAt={report.generated_at}
      checks={report.checks}
      lockId={null}
      explanation={null}
      error={null}
      csrf={admin.csrf}
      who={admin.who}
    />,
  );
});

adminConsoleRoutes.route("/", adminConsoleOrderRoutes);
adminConsoleRoutes.route("/", adminConsoleStockRoutes);
