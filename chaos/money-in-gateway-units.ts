/**
 * Invariant 10 from the gateway's side: what the test gateway authorized and captured
 * for a checkout equals that checkout's quote total converted to the gateway's units for
 * its currency (the one mapping, gateway-units.ts), exactly. Kept apart from the other
 * checks so each can change without the other.
 */
import { gatewayAmount } from "../src/payments/gateway-units.ts";
import type { D1File } from "./d1-file.ts";
import type { Violation } from "./observations.ts";

interface ChargeRow {
  id: string;
  checkout_id: string;
  status: string;
  amount: number;
  captured_amount: number | null;
  currency: string;
  quote_total: number | null;
  exponent: number | null;
}

export const MONEY_IN_GATEWAY_UNITS = "10. captured == quote.total in gateway units";

export function moneyInGatewayUnits(d1: D1File): Violation[] {
  const rows = d1.all<ChargeRow>(
    `SELECT g.id, json_extract(g.metadata, '$.checkout_id') AS checkout_id, g.status, g.amount, g.captured_amount, g.currency,
       (SELECT q.total FROM quotes q WHERE q.checkout_id = json_extract(g.metadata, '$.checkout_id')) AS quote_total,
       (SELECT c.exponent FROM currencies c WHERE c.code = g.currency) AS exponent
     FROM test_gateway_charges g WHERE g.status IN ('authorized', 'captured', 'voided', 'refunded')`,
  );
  const wrong = rows.filter((row) => {
    if (row.quote_total === null || row.exponent === null) return true;
    const expected = gatewayAmount("test", row.currency, row.quote_total, row.exponent);
    if (!expected.ok || row.amount !== expected.amount) return true;
    return row.status === "captured" && row.captured_amount !== expected.amount;
  });
  return wrong.length
    ? [
        {
          invariant: MONEY_IN_GATEWAY_UNITS,
          message: "every authorization and capture at the gateway is its checkout's quote total in the gateway's units",
          evidence: wrong.slice(0, 10),
        },
      ]
    : [];
}
