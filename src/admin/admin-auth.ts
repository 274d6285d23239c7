/**
 * Admin authentication. Fails closed: with no ADMIN_TOKEN configured every admin call
 * answers 503 admin_disabled. The token is compared in constant time.
 */
import type { MiddlewareHandler } from "hono";
import type { Env } from "../env";
import { timingSafeEqual } from "../lib/crypto";
import { AppError } from "../lib/errors";

export function adminTokenConfigured(env: Env): boolean {
  return typeof env.ADMIN_TOKEN === "string" && env.ADMIN_TOKEN.length > 0;
}

export function isAdminToken(env: Env, candidate: string | undefined): boolean {
  return adminTokenConfigured(env) && candidate !== undefined && timingSafeEqual(candidate, env.ADMIN_TOKEN!);
}

export const requireAdmin: MiddlewareHandler<{ Bindings: Env }> = async (c, next) => {
  if (!adminTokenConfigured(c.env)) throw new AppError(503, "admin_disabled", "Admin is disabled: no ADMIN_TOKEN is configured.");
  const match = c.req.header("authorization")?.match(/^Bearer\s+(\S+)\s*$/i);
  if (!match) throw new AppError(401, "unauthorized", "Send 'Authorization: Bearer <ADMIN_TOKEN>'.");
  if (!isAdminToken(c.env, match[1])) throw new AppError(401, "unauthorized", "The admin token is not valid.");
  await next();
};
