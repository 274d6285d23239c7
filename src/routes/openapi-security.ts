/**
 * The credentials of the API as the document declares them: every operation names the
 * ones it accepts (an empty list: anonymous), matching what the routes check.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import { ACCESS_JWT_HEADER } from "../admin/cloudflare-access";

/** One way to authenticate: a scheme of `components.securitySchemes` (with no scopes). */
type SecurityRequirement = Record<string, string[]>;

/** Anonymous: the catalog, creating a cart, the health probe, Stripe's signed calls. */
export const PUBLIC_SECURITY: SecurityRequirement[] = [];
/** The cart token answered once by `createCart`. */
export const CART_SECURITY: SecurityRequirement[] = [{ cartToken: [] }];
/** Either admin credential `requireAdmin` accepts: the ADMIN_TOKEN bearer, or a Cloudflare Access JWT. */
export const ADMIN_SECURITY: SecurityRequirement[] = [{ adminToken: [] }, { cloudflareAccess: [] }];

export function registerSecuritySchemes(registry: OpenAPIHono["openAPIRegistry"]): void {
  registry.registerComponent("securitySchemes", "cartToken", { type: "http", scheme: "bearer", description: "The cart token answered by `createCart`" });
  registry.registerComponent("securitySchemes", "adminToken", { type: "http", scheme: "bearer", description: "The Worker's `ADMIN_TOKEN` secret" });
  registry.registerComponent("securitySchemes", "cloudflareAccess", {
    type: "apiKey",
    in: "header",
    name: ACCESS_JWT_HEADER,
    description: "A Cloudflare Access JWT, added by Access in front of the Worker when CF_ACCESS_TEAM_DOMAIN and CF_ACCESS_AUD are set",
  });
}
