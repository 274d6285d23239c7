/** The cleanup job's branches (test/support/cleanup-table.ts) with the built-in test gateway. */
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, it } from "vitest";
import { CLEANUP_ROWS, drain, type GatewayKit } from "../support/cleanup-table";
import { expectInvariants } from "../support/invariants";

const charges = async (checkoutId: string) =>
  (
    await env.DB.prepare("SELECT status FROM test_gateway_charges WHERE authorization_key LIKE ? ORDER BY created_at")
      .bind(`${checkoutId}:%`)
      .all<{ status: string }>()
  ).results.map((c) => c.status);

const testGateway: GatewayKit = {
  provider: "test",
  otherProvider: "stripe",
  method: { method: "test", token: "tok_visa" },
  ledger: charges,
  // The test gateway's ledger is a D1 table: an outage is a trigger refusing its voids.
  async breakVoids(checkoutId) {
    const trigger = `void_outage_${checkoutId.replace(/\W/g, "_")}`;
    await env.DB.prepare(
      `CREATE TRIGGER ${trigger} BEFORE UPDATE OF status ON test_gateway_charges
       WHEN NEW.authorization_key LIKE '${checkoutId}:%' AND NEW.status = 'voided'
       BEGIN SELECT RAISE(ABORT, 'test gateway unavailable (test)'); END`,
    ).run();
    return async () => void (await env.DB.prepare(`DROP TRIGGER ${trigger}`).run());
  },
};

beforeEach(drain);
afterEach(expectInvariants);

describe("cleanup branches, test gateway", () => {
  for (const row of CLEANUP_ROWS) it(row.name, () => row.run(testGateway));
});
