import type { Config } from "../lib/config";
import type { Database } from "../db/client";
import type { Env } from "../env";
import type { PaymentGateway } from "./gateway";
import { TestGateway } from "./test-gateway";

/** The gateway selected by CHECKOUT_PAYMENT_GATEWAY. */
export function createGateway(env: Env, config: Config, db: Database): PaymentGateway {
  switch (config.paymentGateway) {
    case "test":
      return new TestGateway(db);
    case "stripe":
      throw new Error("The Stripe gateway is not available in this build.");
  }
}
