/** What refunds run with, from the Worker's bindings: D1, the configured gateway (or Stripe's, for its webhooks) and a logger. */
import { createDb } from "../db/client";
import { getConfig } from "../lib/config";
import { createLogger } from "../lib/logger";
import { createGateway } from "../payments";
import type { RefundDeps } from "./refunds";

export function refundDeps(env: Env, gateway?: "stripe"): RefundDeps {
  const db = createDb(env.DB);
  const config = getConfig(env);
  return {
    db,
    gateway: createGateway(env, gateway ? { ...config, paymentGateway: gateway } : config, db),
    log: createLogger(config.logging, { component: "refunds" }),
  };
}
