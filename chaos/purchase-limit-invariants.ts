/**
 * Invariant 11, purchase limits: a customer's (lower-cased email) units of a limited
 * variant in active reservations plus orders never pass its `max_per_customer`. Checked
 * on the reservation rows (against the limit in force when the customer's latest unit
 * was reserved: a limit lowered later keeps what customers hold), on the orders (the
 * other ledger: each sold unit's customer is its order's email, and per email the flash
 * variant's sold units stay within the limit the harness set) and on the answers the
 * flash sale's buyers saw.
 */
import type { D1File } from "./d1-file.ts";
import type { Observations, Violation } from "./observations.ts";
import { soldOrder } from "./sold-orders.ts";

export const PURCHASE_LIMITS = "11. purchase limits: no customer holds or bought more of a limited variant than its max_per_customer";
const INVARIANT = "11. purchase limits";

export function purchaseLimits(d1: D1File, flash: { variantId: string; limit: number }, observations?: Observations): Violation[] {
  const violations: Violation[] = [];
  const fail = (message: string, rows: unknown[]) => {
    if (rows.length > 0) violations.push({ invariant: INVARIANT, message, evidence: rows.slice(0, 10) });
  };
  fail(
    "A customer holds or bought more units of a limited variant than its limit.",
    d1.all(
      `SELECT c.variant_id, c.customer_email, c.units, l.max_per_customer FROM (
         SELECT variant_id, customer_email, SUM(quantity) AS units, MAX(created_at) AS latest FROM stock_reservations
         WHERE status IN ('active', 'committed') AND customer_email IS NOT NULL GROUP BY variant_id, customer_email
       ) c JOIN purchase_limits l ON l.variant_id = c.variant_id
       WHERE c.latest > l.updated_at AND c.units > l.max_per_customer`,
    ),
  );
  fail(
    "Units of a limited variant are held or sold without a customer.",
    d1.all(
      `SELECT r.checkout_id, r.variant_id, r.status FROM stock_reservations r JOIN purchase_limits l ON l.variant_id = r.variant_id
       WHERE r.status IN ('active', 'committed') AND r.customer_email IS NULL AND r.created_at > l.updated_at`,
    ),
  );
  fail(
    "A sold unit is counted for another customer than its order's.",
    d1.all(
      `SELECT r.checkout_id, r.variant_id, r.customer_email, o.email FROM stock_reservations r JOIN orders o ON o.checkout_id = r.checkout_id
       WHERE r.status = 'committed' AND r.customer_email IS NOT lower(trim(o.email))`,
    ),
  );
  if (flash.variantId) {
    fail(
      `A customer's orders hold more than ${flash.limit} units of the flash variant.`,
      d1.all(
        `SELECT lower(trim(o.email)) AS customer, SUM(ol.quantity) AS units FROM orders o JOIN order_lines ol ON ol.order_id = o.id
         WHERE ${soldOrder("o")} AND ol.variant_id = '${flash.variantId.replace(/'/g, "''")}' GROUP BY customer HAVING units > ${Number(flash.limit)}`,
      ),
    );
  }
  if (observations) {
    const won = new Map<string, number>();
    for (const a of observations.flash) if (a.status === 201) won.set(a.email.toLowerCase(), (won.get(a.email.toLowerCase()) ?? 0) + 1);
    fail(
      `A flash customer was answered more than ${flash.limit} orders.`,
      [...won].filter(([, n]) => n > flash.limit).map(([customer, orders]) => ({ customer, orders })),
    );
  }
  return violations;
}
