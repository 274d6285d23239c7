import { z } from "zod";

const flag = (fallback: boolean) =>
  z
    .enum(["true", "false", "1", "0"])
    .optional()
    .transform((v) => (v === undefined ? fallback : v === "true" || v === "1"));
const int = (fallback: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).optional().default(fallback);

const ConfigSchema = z.object({
  CHECKOUT_TTL_MINUTES: int(15, 1, 24 * 60),
  CHECKOUT_MAX_TTL_MINUTES: int(60, 1, 24 * 60),
  CHECKOUT_CLEANUP_INTERVAL: int(5, 1, 24 * 60),
  CHECKOUT_PRICE_DRIFT_TOLERANCE: int(1, 0, 1_000_000),
  CHECKOUT_PREVENT_CONCURRENT: flag(true),
  CHECKOUT_ENABLE_CART_PROTECTION: flag(true),
  CHECKOUT_LOGGING_ENABLED: flag(true),
  CHECKOUT_PAYMENT_GATEWAY: z.enum(["test", "stripe"]).optional().default("test"),
  CHECKOUT_RATE_LIMIT_PER_MINUTE: int(5, 0, 1_000_000),
  BASE_CURRENCY: z
    .string()
    .regex(/^[A-Z]{3}$/)
    .optional()
    .default("USD"),
  CORS_ORIGINS: z.string().optional().default(""),
});

/** Parsed configuration with the defaults of docs/architecture.md. */
export interface Config {
  ttlMinutes: number;
  maxTtlMinutes: number;
  cleanupIntervalMinutes: number;
  priceDriftTolerance: number;
  preventConcurrent: boolean;
  cartProtection: boolean;
  logging: boolean;
  paymentGateway: "test" | "stripe";
  rateLimitPerMinute: number;
  baseCurrency: string;
  corsOrigins: string[];
  faultInjection: boolean;
}

// Parsed once per env object: env is stable for the life of an isolate.
const cache = new WeakMap<object, Config>();

export function getConfig(env: Env): Config {
  const cached = cache.get(env);
  if (cached) return cached;
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    throw new Error(`Invalid configuration: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  }
  const v = parsed.data;
  const config: Config = {
    ttlMinutes: Math.min(v.CHECKOUT_TTL_MINUTES, v.CHECKOUT_MAX_TTL_MINUTES),
    maxTtlMinutes: v.CHECKOUT_MAX_TTL_MINUTES,
    cleanupIntervalMinutes: v.CHECKOUT_CLEANUP_INTERVAL,
    priceDriftTolerance: v.CHECKOUT_PRICE_DRIFT_TOLERANCE,
    preventConcurrent: v.CHECKOUT_PREVENT_CONCURRENT,
    cartProtection: v.CHECKOUT_ENABLE_CART_PROTECTION,
    logging: v.CHECKOUT_LOGGING_ENABLED,
    paymentGateway: v.CHECKOUT_PAYMENT_GATEWAY,
    rateLimitPerMinute: v.CHECKOUT_RATE_LIMIT_PER_MINUTE,
    baseCurrency: v.BASE_CURRENCY,
    corsOrigins: v.CORS_ORIGINS.split(",")
      .map((s) => s.trim())
      .filter(Boolean),
    faultInjection: env.CHECKOUT_FAULT_INJECTION === "enabled",
  };
  cache.set(env, config);
  return config;
}
