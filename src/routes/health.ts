/**
 * `GET /health/checkout` (docs/contract.md, Health): a D1 round trip, a Durable Object ping, and
 * the counts of active and expired locks. Each dependency gets a deadline, so a hung
 * one answers 503 with the same shape instead of hanging the probe. Locks past their
 * deadline plus the cleanup interval make it `degraded` (the cron job is behind).
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { ACTIVE_STATES } from "../admin/checkout-locks";
import { Timestamp } from "../contract/fields";
import { getConfig } from "../lib/config";
import { createLogger, errorFields, type Logger } from "../lib/logger";
import type { AppEnv } from "./carts";
import { jsonResponse } from "./http";
import { PUBLIC_SECURITY } from "./openapi-security";

/** How long each dependency may take before the probe calls it down. */
export const HEALTH_DEPENDENCY_TIMEOUT_MS = 3_000;
/** The Durable Object the probe pings; it stores nothing. */
const PING_OBJECT = "health-check";

/**
 * The probe is anonymous, so a failure is named only by its kind: the dependency's own
 * words (a D1 error names tables and statements) go to the log, and the admin
 * diagnostics show them to those signed in.
 */
type DependencyCheck = { status: "ok" | "fail"; latency_ms: number; error?: "timeout" | "unavailable" };

class DependencyTimeout extends Error {}

async function timed<T>(dependency: string, log: Logger, work: () => Promise<T>): Promise<{ check: DependencyCheck; value: T | null }> {
  const started = Date.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DependencyTimeout(`no answer within ${HEALTH_DEPENDENCY_TIMEOUT_MS} ms`)), HEALTH_DEPENDENCY_TIMEOUT_MS);
    });
    const value = await Promise.race([work(), deadline]);
    return { check: { status: "ok", latency_ms: Date.now() - started }, value };
  } catch (error) {
    log.error("health.dependency_failed", { dependency, ...errorFields(error) });
    const kind = error instanceof DependencyTimeout ? "timeout" : "unavailable";
    return { check: { status: "fail", latency_ms: Date.now() - started, error: kind }, value: null };
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

const ACTIVE_SQL = ACTIVE_STATES.map((s) => `'${s}'`).join(", ");

const DependencyCheckSchema = z.object({
  status: z.enum(["ok", "fail"]),
  latency_ms: z.number().int(),
  error: z.enum(["timeout", "unavailable"]).optional(),
});
const HealthSchema = z
  .object({
    status: z.enum(["ok", "degraded"]),
    checks: z.object({
      d1: DependencyCheckSchema,
      durable_objects: DependencyCheckSchema,
      locks: z.union([
        z.object({
          status: z.enum(["ok", "warn"]),
          active: z.number().int(),
          expired: z.number().int(),
          expired_beyond_cleanup_interval: z
            .number()
            .int()
            .openapi({ description: "Locks past their deadline plus the cleanup interval: the cron job is behind" }),
        }),
        z.object({ status: z.literal("unknown").openapi({ description: "D1 did not answer" }) }),
      ]),
    }),
    active_locks: z.number().int().nullable(),
    expired_locks: z.number().int().nullable(),
    payment_gateway: z.string(),
    at: Timestamp,
  })
  .openapi("Health");

export const healthRoutes = new OpenAPIHono<AppEnv>();

const healthRoute = createRoute({
  method: "get",
  path: "/health/checkout",
  operationId: "getHealth",
  tags: ["health"],
  summary: "Probe D1 and the Durable Objects, and count active and overdue locks",
  security: PUBLIC_SECURITY,
  responses: {
    200: jsonResponse(HealthSchema, "Up (`degraded` when locks wait past the cleanup interval)"),
    503: jsonResponse(HealthSchema, "D1 or the Durable Objects failed or timed out"),
  },
});

healthRoutes.openapi(healthRoute, async (c) => {
  const now = Date.now();
  const config = getConfig(c.env);
  const log = createLogger(config.logging, { component: "health" });
  const graceIso = new Date(now - config.cleanupIntervalMinutes * 60_000).toISOString();
  const [d1, objects] = await Promise.all([
    // One indexed query (checkouts_state_expires_idx) is the round trip.
    timed("d1", log, () =>
      c.env.DB.prepare(
        `SELECT COUNT(*) AS active,
           COALESCE(SUM(CASE WHEN expires_at < ?1 THEN 1 ELSE 0 END), 0) AS expired,
           COALESCE(SUM(CASE WHEN expires_at < ?2 THEN 1 ELSE 0 END), 0) AS stuck
         FROM checkouts WHERE state IN (${ACTIVE_SQL})`,
      )
        .bind(new Date(now).toISOString(), graceIso)
        .first<{ active: number; expired: number; stuck: number }>(),
    ),
    timed("durable_objects", log, async () => {
      const pong = await c.env.CART.getByName(PING_OBJECT).ping();
      if (pong !== "pong") throw new Error(`unexpected ping answer ${String(pong)}`);
      return pong;
    }),
  ]);
  const counts = d1.value;
  const down = d1.check.status === "fail" || objects.check.status === "fail";
  const stuck = counts?.stuck ?? 0;
  const locks = counts
    ? {
        status: stuck > 0 ? ("warn" as const) : ("ok" as const),
        active: counts.active,
        expired: counts.expired,
        expired_beyond_cleanup_interval: stuck,
      }
    : { status: "unknown" as const };
  c.header("Cache-Control", "no-store");
  const body: z.output<typeof HealthSchema> = {
    status: down || stuck > 0 ? "degraded" : "ok",
    checks: { d1: d1.check, durable_objects: objects.check, locks },
    active_locks: counts?.active ?? null,
    expired_locks: counts?.expired ?? null,
    payment_gateway: config.paymentGateway,
    at: new Date(now).toISOString(),
  };
  return down ? c.json(body, 503) : c.json(body, 200);
});
