/** The cleanup job's branches (test/support/cleanup-table.ts) with Stripe's double as the gateway. */
import { beforeEach, describe, it } from "vitest";
import { CLEANUP_ROWS, drain, type GatewayKit } from "../support/cleanup-table";
import { PM, type StripeDouble, useStripeDouble } from "../support/stripe-double";

let stripe: StripeDouble;
useStripeDouble((double) => (stripe = double));

const AS_LEDGER: Record<string, string> = { requires_capture: "authorized", canceled: "voided", succeeded: "captured" };

const stripeKit: GatewayKit = {
  provider: "stripe",
  otherProvider: "test",
  method: { method: "stripe", payment_method: PM.visa },
  ledger: async (checkoutId) => stripe.intentsFor(checkoutId).map((i) => AS_LEDGER[i.status] ?? i.status),
  // Stripe rate-limits every cancel and every read of the intent until it recovers.
  async breakVoids() {
    stripe.fail("cancel", "429", 1_000).fail("retrieve", "429", 1_000);
    return async () => void stripe.recover();
  },
};

beforeEach(drain);

describe("cleanup branches, Stripe", () => {
  for (const row of CLEANUP_ROWS) it(row.name, () => row.run(stripeKit));
});
