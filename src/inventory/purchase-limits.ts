/**
 * Purchase limits per customer (a drop's "at most N per customer"). The limit lives in
 * `purchase_limits`; the customer is the cart's email in lower case, stored on each
 * stock reservation of the checkout. A trigger (migration 0004) refuses, inside the
 * reservation batch, a reservation that would take the customer's active plus committed
 * units of the variant past the limit, and one of a limited variant with no email. The
 * check and the stock reservation are one atomic batch, so no race can pass the limit;
 * nothing here is consulted before that batch, so a limit costs a winner no round trip.
 */
import { and, eq, inArray, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { purchaseLimits, stockReservations } from "../db/schema";
import { AppError } from "../lib/errors";
import { errorText } from "../lib/error-text";
import { customerKey } from "./stock-ledger";

/** The largest limit accepted: beyond it a limit means nothing (a line holds at most 99). */
export const MAX_PURCHASE_LIMIT = 1_000_000;

/** Set (or, with null, clear) a variant's limit; the caller checks the variant exists. */
export function setPurchaseLimit(db: Database, variantId: string, maxPerCustomer: number | null, now: string) {
  if (maxPerCustomer === null) return db.delete(purchaseLimits).where(eq(purchaseLimits.variantId, variantId));
  return db
    .insert(purchaseLimits)
    .values({ variantId, maxPerCustomer, updatedAt: now })
    .onConflictDoUpdate({ target: purchaseLimits.variantId, set: { maxPerCustomer, updatedAt: now } });
}

export async function purchaseLimitOf(db: Database, variantId: string): Promise<number | null> {
  const row = await db.select({ max: purchaseLimits.maxPerCustomer }).from(purchaseLimits).where(eq(purchaseLimits.variantId, variantId)).get();
  return row?.max ?? null;
}

/** The limits of these variants (variants without one are absent). */
export async function purchaseLimitsOf(db: Database, variantIds: string[]): Promise<Map<string, number>> {
  if (variantIds.length === 0) return new Map();
  const rows = await db
    .select()
    .from(purchaseLimits)
    .where(inArray(purchaseLimits.variantId, [...new Set(variantIds)]));
  return new Map(rows.map((r) => [r.variantId, r.maxPerCustomer]));
}

export function isEmailRequiredError(error: unknown): boolean {
  return errorText(error).includes("purchase_limit_email_required");
}

export function isPurchaseLimitError(error: unknown): boolean {
  return errorText(error).includes("purchase_limit_exceeded");
}

/**
 * The answer to a reservation batch the limit trigger refused, or null when the error is
 * something else. It reads which variant ran over and what the customer already holds
 * (other checkouts' active and committed units); only refused starts pay for that read.
 */
export async function explainPurchaseLimitError(
  db: Database,
  error: unknown,
  checkoutId: string,
  email: string | null,
  lines: Array<{ variantId: string; quantity: number }>,
): Promise<AppError | null> {
  if (isEmailRequiredError(error)) return emailRequired();
  if (!isPurchaseLimitError(error)) return null;
  const customer = customerKey(email);
  const requested = new Map<string, number>();
  for (const l of lines) requested.set(l.variantId, (requested.get(l.variantId) ?? 0) + l.quantity);
  const [limits, held] = await Promise.all([
    purchaseLimitsOf(db, [...requested.keys()]),
    customer ? unitsHeldBy(db, customer, [...requested.keys()], checkoutId) : new Map<string, number>(),
  ]);
  // The first line over its limit now; when units were freed since, the first limited line.
  const limited = [...requested].filter(([id]) => limits.has(id));
  const [variantId] = limited.find(([id, q]) => (held.get(id) ?? 0) + q > limits.get(id)!) ?? limited[0] ?? [lines[0]?.variantId ?? ""];
  return purchaseLimitExceeded(variantId, limits.get(variantId) ?? 0, held.get(variantId) ?? 0);
}

/** Units of each variant a customer holds in active or committed reservations, other than `exceptCheckoutId`'s. */
export async function unitsHeldBy(db: Database, customer: string, variantIds: string[], exceptCheckoutId?: string): Promise<Map<string, number>> {
  const rows = await db
    .select({ variantId: stockReservations.variantId, units: sql<number>`sum(${stockReservations.quantity})` })
    .from(stockReservations)
    .where(
      and(
        inArray(stockReservations.variantId, variantIds),
        eq(stockReservations.customerEmail, customer),
        inArray(stockReservations.status, ["active", "committed"]),
        exceptCheckoutId === undefined ? undefined : sql`${stockReservations.checkoutId} <> ${exceptCheckoutId}`,
      ),
    )
    .groupBy(stockReservations.variantId);
  return new Map(rows.map((r) => [r.variantId, Number(r.units)]));
}

export function emailRequired(): AppError {
  return new AppError("email_required", "This cart needs an email before checkout: a variant in it is limited per customer.");
}

export function purchaseLimitExceeded(variantId: string, limit: number, already: number): AppError {
  return new AppError("purchase_limit", `At most ${limit} of this variant per customer.`, { variant_id: variantId, limit, already });
}
