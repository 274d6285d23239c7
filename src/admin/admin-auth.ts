/**
 * Admin authentication. Fails closed: with no admin credential configured (neither
 * ADMIN_TOKEN nor Cloudflare Access) every admin call answers 503 admin_disabled. The
 * token is compared in constant time. With CF_ACCESS_TEAM_DOMAIN and CF_ACCESS_AUD set,
 * a valid Cloudflare Access JWT (`Cf-Access-Jwt-Assertion`) is accepted as well.
 */
import type { Context, MiddlewareHandler } from "hono";
import { timingSafeEqual } from "../lib/crypto";
import { AppError } from "../lib/errors";
import { ACCESS_JWT_HEADER, accessConfig, remoteAccessKeys, verifyAccessJwt, type AccessKeySource } from "./cloudflare-access";

export function adminTokenConfigured(env: Env): boolean {
  return typeof env.ADMIN_TOKEN === "string" && env.ADMIN_TOKEN.length > 0;
}

export function isAdminToken(env: Env, candidate: string | undefined): boolean {
  return adminTokenConfigured(env) && candidate !== undefined && timingSafeEqual(candidate, env.ADMIN_TOKEN!);
}

/** Is any admin credential configured? Without one, admin never falls open. */
export function adminEnabled(env: Env): boolean {
  return adminTokenConfigured(env) || accessConfig(env) !== null;
}

export const adminDisabled = () => new AppError("admin_disabled", "Admin is disabled: no ADMIN_TOKEN (or Cloudflare Access) is configured.");

export type AdminIdentity = { method: "token" } | { method: "access"; email: string | null; sub: string | null; assertion: string };

export interface AdminAuthOptions {
  /** Where the Cloudflare Access keys come from (the team's certs URL unless a test injects its own). */
  accessKeys?: AccessKeySource;
}

/**
 * Who is calling, from the request's credentials: a bearer ADMIN_TOKEN or a Cloudflare
 * Access JWT. Throws 401 for a wrong credential or none, 503 when admin is disabled.
 */
export async function authenticateAdmin(c: Context<{ Bindings: Env }>, options: AdminAuthOptions = {}): Promise<AdminIdentity> {
  if (!adminEnabled(c.env)) throw adminDisabled();
  const authorization = c.req.header("authorization");
  if (authorization !== undefined) {
    const match = authorization.match(/^Bearer\s+(\S+)\s*$/i);
    if (!match) throw new AppError("unauthorized", "Send 'Authorization: Bearer <ADMIN_TOKEN>'.");
    if (!isAdminToken(c.env, match[1])) throw new AppError("unauthorized", "The admin token is not valid.");
    return { method: "token" };
  }
  const access = accessConfig(c.env);
  const assertion = c.req.header(ACCESS_JWT_HEADER);
  if (access && assertion) {
    const verdict = await verifyAccessJwt(assertion, access, (options.accessKeys ?? remoteAccessKeys)(access));
    if (verdict.ok) return { method: "access", ...verdict.identity, assertion };
    if (verdict.reason === "keys_unavailable") throw new AppError("unavailable", verdict.message);
    throw new AppError("unauthorized", "The Cloudflare Access token is not valid.");
  }
  throw new AppError("unauthorized", "Send 'Authorization: Bearer <ADMIN_TOKEN>'.");
}

/** Middleware for `/admin/api/*`. */
export function adminGuard(options: AdminAuthOptions = {}): MiddlewareHandler<{ Bindings: Env }> {
  return async (c, next) => {
    await authenticateAdmin(c, options);
    await next();
  };
}

export const requireAdmin = adminGuard();
