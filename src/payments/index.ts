import type { Config } from "../lib/config";
import type { Database } from "../db/client";
import type { PaymentGateway } from "./gateway";
import { StripeGateway } from "./stripe-gateway";
import { TestGateway } from "./test-gateway";

/**
 * The gateway selected by CHECKOUT_PAYMENT_GATEWAY. A missing STRIPE_SECRET_KEY does not
 * stop the Worker: the gateway reports it (`configurationError`) when a payment starts.
 */
export function createGateway(env: Env, config: Config, db: Database): PaymentGateway {
  switch (config.paymentGateway) {
    case "test":
      return new TestGateway(db);
    case "stripe":
      return new StripeGateway({ secretKey: env.STRIPE_SECRET_KEY, apiBase: env.STRIPE_API_BASE, timeoutMs: positiveInt(env.STRIPE_TIMEOUT_MS) });
  }
}

function positiveInt(value: string | undefined): number | undefined {
  const n = Number(value);
  return value && Number.isInteger(n) && n > 0 ? n : undefined;
}
