/**
 * The Worker's secrets (`wrangler secret put`; `.dev.vars` locally) and test-only switches.
 * They are not in wrangler.toml, so the Env that `npm run types` generates from it
 * (worker-configuration.d.ts: bindings and vars) cannot list them; each is optional because
 * the Worker runs without it (admin disabled, no webhooks, the test gateway, no faults).
 */
interface WorkerSecrets {
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

interface Env extends WorkerSecrets {}

declare namespace Cloudflare {
  interface Env extends WorkerSecrets {}
}
