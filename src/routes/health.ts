/** `GET /health/checkout`: D1 and Durable Object reachability and lock counts. */
import { Hono } from "hono";
import type { AppEnv } from "./carts";
import { getConfig } from "../lib/config";

export const healthRoutes = new Hono<AppEnv>();

healthRoutes.get("/health/checkout", async (c) => {
  const checks: Record<string, { status: "ok" | "fail"; latency_ms?: number; error?: string }> = {};
  let active: number | null = null;
  let expired: number | null = null;
  const started = Date.now();
  try {
    const now = new Date().toISOString();
    const row = await c.env.DB.prepare(
      `SELECT
         SUM(CASE WHEN state NOT IN ('completed','failed','cancelled','expired') THEN 1 ELSE 0 END) AS active,
         SUM(CASE WHEN state NOT IN ('completed','failed','cancelled','expired') AND expires_at < ?1 THEN 1 ELSE 0 END) AS expired
       FROM checkouts`,
    )
      .bind(now)
      .first<{ active: number | null; expired: number | null }>();
    active = row?.active ?? 0;
    expired = row?.expired ?? 0;
    checks.d1 = { status: "ok", latency_ms: Date.now() - started };
  } catch (error) {
    checks.d1 = { status: "fail", error: error instanceof Error ? error.message : String(error) };
  }
  const doStarted = Date.now();
  try {
    await c.env.CART.getByName("health-check").ping();
    checks.durable_objects = { status: "ok", latency_ms: Date.now() - doStarted };
  } catch (error) {
    checks.durable_objects = { status: "fail", error: error instanceof Error ? error.message : String(error) };
  }
  const down = Object.values(checks).some((check) => check.status === "fail");
  const overdue = (expired ?? 0) > 0;
  const status = down ? "degraded" : overdue ? "degraded" : "ok";
  return c.json(
    {
      status,
      checks,
      active_locks: active,
      expired_locks: expired,
      payment_gateway: getConfig(c.env).paymentGateway,
      at: new Date().toISOString(),
    },
    down ? 503 : 200,
  );
});
