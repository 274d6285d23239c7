/** The Hono app: middleware, the one error path, and a router per resource. */
import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import { secureHeaders } from "hono/secure-headers";
import { requireAdmin } from "./admin/admin-auth";
import { getConfig } from "./lib/config";
import type { ErrorCode } from "./lib/error-catalogue";
import { AppError, isRuntimeInterruption, validationError } from "./lib/errors";
import { createLogger, errorFields } from "./lib/logger";
import { REQUEST_ID_HEADER, requestIdMiddleware } from "./lib/request-id";
import { adminCatalogRoutes } from "./routes/admin-catalog";
import { adminLimitRoutes } from "./routes/admin-limits";
import { adminConsoleRoutes } from "./routes/admin-console";
import { adminCleanupRoutes } from "./routes/admin-cleanup";
import { adminEventRoutes } from "./routes/admin-events";
import { adminLockRoutes } from "./routes/admin-locks";
import { adminOrderRoutes } from "./routes/admin-orders";
import { adminPricingRuleRoutes } from "./routes/admin-pricing-rules";
import { adminStockRoutes } from "./routes/admin-stock";
import { serveApiDocument } from "./routes/api-document";
import { apiReferenceRoutes } from "./routes/api-reference";
import { cartRoutes, type AppEnv } from "./routes/carts";
import { healthRoutes } from "./routes/health";
import { orderRoutes } from "./routes/orders";
import { productRoutes } from "./routes/products";
import { stripeWebhookRoutes } from "./routes/stripe-webhooks";
import { storefrontRoutes } from "./storefront/storefront-routes";

/** The codes of framework refusals that keep their status (any other 4xx: bad_request). */
const HTTP_ERROR_CODES: Partial<Record<number, ErrorCode>> = {
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
    // Every validation failure answers the docs/contract.md envelope with the issues listed.
    defaultHook: (result, c) => {
      if (!result.success) {
        const issues = result.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
        return c.json(validationError("The request is not valid.", issues).toBody(), 400);
      }
    },
  });

  app.use("*", requestIdMiddleware); // first: every answer, errors included, carries X-Request-Id
  app.use("*", secureHeaders({ crossOriginResourcePolicy: false }));
  app.route("/", stripeWebhookRoutes); // before CORS: Stripe's servers call it, never a browser

  // CORS only for the storefront API, and only for the configured origins: any other
  // origin gets no CORS header at all (not even the allowed methods), and Vary: Origin
  // keeps a shared cache from serving one origin's answer to another.
  const storefrontCors = cors({
    origin: (origin) => origin,
    allowHeaders: ["Authorization", "Content-Type", "Idempotency-Key"],
    allowMethods: ["GET", "POST", "PATCH", "DELETE", "OPTIONS"],
    exposeHeaders: ["Retry-After", "Idempotent-Replayed", REQUEST_ID_HEADER],
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
      onError: (c) => c.json(tooLarge().toBody(), 413),
    }),
  );

  app.use("/admin/api/*", requireAdmin);

  // Liveness probe: 204 without touching D1 or a Durable Object (also the benchmark's baseline).
  app.get("/v1/ping", (c) => c.body(null, 204));

  app.route("/", productRoutes);
  app.route("/", cartRoutes);
  app.route("/", orderRoutes);
  app.route("/", adminCatalogRoutes);
  app.route("/", adminStockRoutes);
  app.route("/", adminPricingRuleRoutes);
  app.route("/", adminLimitRoutes);
  app.route("/", adminCleanupRoutes);
  app.route("/", adminLockRoutes);
  app.route("/", adminOrderRoutes);
  app.route("/", adminEventRoutes);
  app.route("/", adminConsoleRoutes);
  app.route("/", healthRoutes);
  app.route("/", apiReferenceRoutes); // /docs: the API reference, drawn from /openapi.json
  app.route("/", storefrontRoutes); // the demo storefront: `/` and /storefront/* assets only

  serveApiDocument(app);

  app.notFound((c) => c.json(new AppError("not_found", "No such route.").toBody(), 404));

  app.onError((error, c) => {
    const known = knownError(error);
    if (known) {
      for (const [name, value] of Object.entries(known.headers ?? {})) c.header(name, value);
      // A framework refusal with a status of no code of its own (406, 418…) keeps its status.
      const status = error instanceof HTTPException && error.status < 500 ? error.status : known.status;
      return c.json(known.toBody(), status);
    }
    // A bug or an unexpected failure: its stack goes to the log, never to the client.
    createLogger(true).error("http.unhandled_error", { method: c.req.method, path: new URL(c.req.url).pathname, ...errorFields(error) });
    return c.json(new AppError("internal_error").toBody(), 500);
  });

  return app;
}

const tooLarge = () => new AppError("payload_too_large", `Request bodies are limited to ${MAX_BODY_BYTES} bytes.`);

/**
 * The refusal an error stands for: an `AppError`, a framework refusal, or the runtime
 * interrupting a Durable Object (retrying is safe); null for anything else.
 */
function knownError(error: unknown): AppError | null {
  if (error instanceof AppError) return error;
  if (error instanceof HTTPException) {
    const status = error.status;
    if (status === 415) return new AppError("unsupported_media_type");
    if (status === 413) return tooLarge();
    if (status === 400) return validationError("The request body is not valid JSON.", [{ path: "", message: error.message }]);
    // Any other framework refusal keeps its status and gets the envelope too.
    if (status < 500) {
      const code = HTTP_ERROR_CODES[status] ?? "bad_request";
      return new AppError(code, error.message || code.replace(/_/g, " "));
    }
  }
  if (isRuntimeInterruption(error)) return new AppError("unavailable", "The service was interrupted; retrying is safe.", undefined, { "Retry-After": "1" });
  return null;
}
