/** The Hono app: middleware, the one error path, and a router per resource. */
import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import { secureHeaders } from "hono/secure-headers";
import { requireAdmin } from "./admin/admin-auth";
import { getConfig } from "./lib/config";
import { AppError } from "./lib/errors";
import { createLogger, errorFields } from "./lib/logger";
import { adminCatalogRoutes } from "./routes/admin-catalog";
import { adminConsoleRoutes } from "./routes/admin-console";
import { adminCleanupRoutes } from "./routes/admin-cleanup";
import { adminEventRoutes } from "./routes/admin-events";
import { adminLockRoutes } from "./routes/admin-locks";
import { cartRoutes, type AppEnv } from "./routes/carts";
import { healthRoutes } from "./routes/health";
import { orderRoutes } from "./routes/orders";
import { productRoutes } from "./routes/products";
import { stripeWebhookRoutes } from "./routes/stripe-webhooks";
import { storefrontRoutes } from "./storefront/storefront-routes";

const HTTP_ERROR_CODES: Record<number, string> = {
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  405: "method_not_allowed",
  409: "conflict",
  429: "rate_limited",
};

export const MAX_BODY_BYTES = 64 * 1024;

export function createApp() {
  const app = new OpenAPIHono<AppEnv>({
    // Every validation failure answers the API.md envelope with the issues listed.
    defaultHook: (result, c) => {
      if (!result.success) {
        const issues = result.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
        return c.json({ error: { code: "validation_error", message: "The request is not valid.", details: { issues } } }, 400);
      }
    },
  });

  app.use("*", secureHeaders({ crossOriginResourcePolicy: false }));
  app.route("/", stripeWebhookRoutes); // before CORS: Stripe's servers call it, never a browser

  // CORS only for the storefront API, and only for the configured origins: any other
  // origin gets no CORS header at all (not even the allowed methods), and Vary: Origin
  // keeps a shared cache from serving one origin's answer to another.
  const storefrontCors = cors({
    origin: (origin) => origin,
    allowHeaders: ["Authorization", "Content-Type", "Idempotency-Key"],
    allowMethods: ["GET", "POST", "PATCH", "DELETE", "OPTIONS"],
    exposeHeaders: ["Retry-After", "Idempotent-Replayed"],
    maxAge: 600,
  });
  app.use("/v1/*", async (c, next) => {
    const origin = c.req.header("origin");
    if (origin !== undefined && getConfig(c.env).corsOrigins.includes(origin)) return storefrontCors(c, next);
    await next();
    c.header("Vary", "Origin", { append: true });
  });

  app.use(
    "*",
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) => c.json({ error: { code: "payload_too_large", message: `Request bodies are limited to ${MAX_BODY_BYTES} bytes.` } }, 413),
    }),
  );

  app.use("/admin/api/*", requireAdmin);

  // Liveness probe: 204 without touching D1 or a Durable Object (also the benchmark's baseline).
  app.get("/v1/ping", (c) => c.body(null, 204));

  app.route("/", productRoutes);
  app.route("/", cartRoutes);
  app.route("/", orderRoutes);
  app.route("/", adminCatalogRoutes);
  app.route("/", adminCleanupRoutes);
  app.route("/", adminLockRoutes);
  app.route("/", adminEventRoutes);
  app.route("/", adminConsoleRoutes);
  app.route("/", healthRoutes);
  app.route("/", storefrontRoutes); // the demo storefront: `/` and /storefront/* assets only

  app.openAPIRegistry.registerComponent("securitySchemes", "cartToken", { type: "http", scheme: "bearer", description: "The cart token from POST /v1/carts" });
  app.openAPIRegistry.registerComponent("securitySchemes", "adminToken", { type: "http", scheme: "bearer", description: "ADMIN_TOKEN" });
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: { title: "Edge Checkout", version: "1.0.0", description: "Checkout and order locking at the edge. Money is integer minor units." },
  });

  app.notFound((c) => c.json({ error: { code: "not_found", message: "No such route." } }, 404));

  app.onError((error, c) => {
    if (error instanceof AppError) {
      for (const [name, value] of Object.entries(error.headers ?? {})) c.header(name, value);
      return c.json(error.toBody(), error.status);
    }
    if (error instanceof HTTPException) {
      const status = error.status;
      if (status === 415) return c.json({ error: { code: "unsupported_media_type", message: "Send JSON with Content-Type: application/json." } }, 415);
      if (status === 413) return c.json({ error: { code: "payload_too_large", message: `Request bodies are limited to ${MAX_BODY_BYTES} bytes.` } }, 413);
      if (status === 400) {
        return c.json(
          { error: { code: "validation_error", message: "The request body is not valid JSON.", details: { issues: [{ path: "", message: error.message }] } } },
          400,
        );
      }
      // Any other framework refusal keeps its status and gets the envelope too.
      if (status < 500) {
        const code = HTTP_ERROR_CODES[status] ?? "bad_request";
        return c.json({ error: { code, message: error.message || code.replace(/_/g, " ") } }, status);
      }
    }
    createLogger(true).error("http.unhandled_error", { method: c.req.method, path: new URL(c.req.url).pathname, ...errorFields(error) });
    return c.json({ error: { code: "internal_error", message: "Something went wrong on our side." } }, 500);
  });

  return app;
}
