import type { CartObject } from "./cart/cart-object";

/** Bindings and variables of the Worker (names fixed by DESIGN.md). */
export interface Env {
  DB: D1Database;
  CART: DurableObjectNamespace<CartObject>;
  EVENTS: Queue;
  CHECKOUT_RATE_LIMITER: RateLimit;
  ADMIN_SIGN_IN_RATE_LIMITER: RateLimit;

  CHECKOUT_TTL_MINUTES?: string;
  CHECKOUT_MAX_TTL_MINUTES?: string;
  CHECKOUT_CLEANUP_INTERVAL?: string;
  CHECKOUT_PRICE_DRIFT_TOLERANCE?: string;
  CHECKOUT_PREVENT_CONCURRENT?: string;
  CHECKOUT_ENABLE_CART_PROTECTION?: string;
  CHECKOUT_LOGGING_ENABLED?: string;
  CHECKOUT_PAYMENT_GATEWAY?: string;
  CHECKOUT_RATE_LIMIT_PER_MINUTE?: string;
  BASE_CURRENCY?: string;
  CORS_ORIGINS?: string;

  ADMIN_TOKEN?: string;
  QUOTE_SIGNING_SECRET?: string;
  STRIPE_SECRET_KEY?: string;
  STRIPE_WEBHOOK_SECRET?: string;
  STRIPE_API_BASE?: string;
  /** Milliseconds before a Stripe call is given up (default 10000). */
  STRIPE_TIMEOUT_MS?: string;
  WEBHOOK_URL?: string;
  WEBHOOK_SECRET?: string;
  CF_ACCESS_TEAM_DOMAIN?: string;
  CF_ACCESS_AUD?: string;
  /** Test-only: "enabled" lets a request inject a fault into a saga phase. Never set in production. */
  CHECKOUT_FAULT_INJECTION?: string;
}
