/**
 * The built-in test gateway (docs/contract.md, "Test payment gateway"). It behaves like a card
 * processor: its ledger lives in its own D1 table, every call is idempotent by key,
 * and a void that arrives before a lost authorization blocks that authorization.
 */
import { and, eq, inArray, ne, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { isoNow } from "../db/client";
import { testGatewayCharges, testGatewayRefunds } from "../db/schema";
import { newId } from "../lib/ids";
import type {
  AuthorizeRequest,
  AuthorizeResult,
  CaptureRequest,
  CaptureResult,
  PaymentGateway,
  RefundRequest,
  RefundResult,
  RetrieveRequest,
  VoidRequest,
  VoidResult,
} from "./gateway";

export const TEST_TOKENS = {
  tok_visa: "approves",
  tok_decline: "declines at authorization (card_declined)",
  tok_insufficient_funds: "declines at authorization (insufficient_funds)",
  tok_capture_decline: "authorizes, then capture is declined",
  tok_gateway_error: "fails authorization with a retryable gateway error",
  tok_refund_fails: "approves; every refund of the payment fails at the gateway",
  tok_3ds: "asks for 3-D Secure (202); the shopper passes the challenge, and the next complete with it authorizes",
} as const;

const DECLINES: Record<string, string> = { tok_decline: "card_declined", tok_insufficient_funds: "insufficient_funds" };

export class TestGateway implements PaymentGateway {
  readonly provider = "test" as const;
  constructor(private readonly db: Database) {}

  async authorize(req: AuthorizeRequest): Promise<AuthorizeResult> {
    if (req.method.method !== "test") return { status: "error", message: "Not a test payment method.", retryable: false };
    const token = req.method.token;
    if (token === "tok_gateway_error") return { status: "error", message: "Test gateway error (tok_gateway_error).", retryable: true };
    const known = token in TEST_TOKENS;
    const declineCode = known ? DECLINES[token] : "invalid_token";
    const status = declineCode ? "declined" : token === "tok_3ds" ? "requires_action" : "authorized";
    const now = isoNow();
    const [, rows] = await this.db.batch([
      this.db
        .insert(testGatewayCharges)
        .values({
          id: newId("pay").replace("pay_", "ch_"),
          authorizationKey: req.idempotencyKey,
          token,
          status,
          amount: req.amount,
          currency: req.currency,
          declineCode: declineCode ?? null,
          metadata: req.metadata,
          createdAt: now,
          updatedAt: now,
        })
        .onConflictDoNothing(),
      this.db.select().from(testGatewayCharges).where(eq(testGatewayCharges.authorizationKey, req.idempotencyKey)),
    ]);
    const charge = rows[0];
    if (!charge) return { status: "error", message: "Test gateway lost the charge.", retryable: true };
    // A replay answers what the first call answered (same key, same result).
    switch (charge.status) {
      case "declined":
        return { status: "declined", declineCode: charge.declineCode ?? "card_declined", message: "The card was declined.", reference: charge.id };
      case "void_requested":
        return { status: "error", message: "This authorization was cancelled before it was made.", retryable: false };
      case "requires_action":
        return { status: "requires_action", reference: charge.id, clientSecret: `${charge.id}_secret_test` };
      default:
        return { status: "authorized", reference: charge.id, amount: charge.amount };
    }
  }

  /**
   * A payment that waited for 3-D Secure: the shopper passed the challenge by the time
   * they complete again, so it is authorized now (once; a voided one stays voided).
   */
  async retrieve(req: RetrieveRequest): Promise<AuthorizeResult> {
    const now = isoNow();
    const [, rows] = await this.db.batch([
      this.db
        .update(testGatewayCharges)
        .set({ status: "authorized", updatedAt: now })
        .where(and(eq(testGatewayCharges.id, req.reference), eq(testGatewayCharges.status, "requires_action"))),
      this.db.select().from(testGatewayCharges).where(eq(testGatewayCharges.id, req.reference)),
    ]);
    const charge = rows[0];
    if (!charge || charge.authorizationKey !== req.authorization.idempotencyKey) return { status: "error", message: "Unknown payment.", retryable: false };
    if (charge.status === "authorized" || charge.status === "captured") return { status: "authorized", reference: charge.id, amount: charge.amount };
    return { status: "error", message: `The payment is ${charge.status}.`, retryable: false };
  }

  async capture(req: CaptureRequest): Promise<CaptureResult> {
    const now = isoNow();
    const [, rows] = await this.db.batch([
      this.db
        .update(testGatewayCharges)
        .set({ status: "captured", capturedAmount: req.amount, updatedAt: now })
        // tok_capture_decline never captures: its capture is declined below.
        .where(
          and(
            eq(testGatewayCharges.id, req.reference),
            eq(testGatewayCharges.status, "authorized"),
            eq(testGatewayCharges.amount, req.amount),
            ne(testGatewayCharges.token, "tok_capture_decline"),
          ),
        ),
      this.db.select().from(testGatewayCharges).where(eq(testGatewayCharges.id, req.reference)),
    ]);
    const charge = rows[0];
    if (!charge) return { status: "error", message: "Unknown authorization.", retryable: false };
    if (charge.status === "captured") {
      if (charge.capturedAmount !== req.amount) return { status: "error", message: "Captured amount differs.", retryable: false };
      return { status: "captured", reference: charge.id, amount: charge.capturedAmount };
    }
    if (charge.token === "tok_capture_decline") return { status: "declined", declineCode: "capture_declined", message: "The capture was declined." };
    if (charge.amount !== req.amount) return { status: "error", message: "Capture amount differs from the authorization.", retryable: false };
    return { status: "error", message: `Cannot capture a ${charge.status} payment.`, retryable: false };
  }

  async void(req: VoidRequest): Promise<VoidResult> {
    const now = isoNow();
    const key = req.authorization.idempotencyKey;
    const [, , rows] = await this.db.batch([
      // A tombstone: if the authorization never arrived, a late one is refused.
      this.db
        .insert(testGatewayCharges)
        .values({
          id: newId("pay").replace("pay_", "ch_"),
          authorizationKey: key,
          token: req.authorization.method.method === "test" ? req.authorization.method.token : "unknown",
          status: "void_requested",
          amount: req.authorization.amount,
          currency: req.authorization.currency,
          createdAt: now,
          updatedAt: now,
        })
        .onConflictDoNothing(),
      this.db
        .update(testGatewayCharges)
        .set({ status: "voided", updatedAt: now })
        .where(and(eq(testGatewayCharges.authorizationKey, key), inArray(testGatewayCharges.status, ["authorized", "requires_action"]))),
      this.db.select().from(testGatewayCharges).where(eq(testGatewayCharges.authorizationKey, key)),
    ]);
    const charge = rows[0];
    switch (charge?.status) {
      case "voided":
        return { status: "voided" };
      case "captured":
      case "refunded":
        return { status: "already_captured", amount: charge.capturedAmount ?? charge.amount };
      default:
        return { status: "not_found" };
    }
  }

  /**
   * Partial refunds add up, each once per idempotency key: a refund is taken only while
   * the charge's refunds stay within what it captured, and a replay of a key answers the
   * refund that key made.
   */
  async refund(req: RefundRequest): Promise<RefundResult> {
    const now = isoNow();
    const charge = (await this.db.select().from(testGatewayCharges).where(eq(testGatewayCharges.id, req.reference)))[0];
    if (!charge) return { status: "error", message: "Unknown payment.", final: true };
    if (charge.token === "tok_refund_fails") return { status: "error", message: "Test gateway refused the refund (tok_refund_fails).", final: true };
    const refundedSoFar = sql`(SELECT COALESCE(SUM(${testGatewayRefunds.amount}), 0) FROM ${testGatewayRefunds} WHERE ${testGatewayRefunds.chargeId} = ${charge.id})`;
    const [, , rows] = await this.db.batch([
      this.db
        .insert(testGatewayRefunds)
        .select(
          sql`SELECT ${newId("pay").replace("pay_", "re_")}, ${req.idempotencyKey}, ${charge.id}, ${req.amount}, ${req.currency}, ${JSON.stringify(req.metadata ?? null)}, ${now}
              WHERE EXISTS (SELECT 1 FROM ${testGatewayCharges} WHERE ${testGatewayCharges.id} = ${charge.id} AND ${testGatewayCharges.status} IN ('captured', 'refunded')
                AND ${refundedSoFar} + ${req.amount} <= COALESCE(${testGatewayCharges.capturedAmount}, 0))`,
        )
        .onConflictDoNothing(),
      this.db
        .update(testGatewayCharges)
        .set({
          refundedAmount: refundedSoFar,
          status: sql`CASE WHEN ${refundedSoFar} >= COALESCE(${testGatewayCharges.capturedAmount}, 0) THEN 'refunded' ELSE ${testGatewayCharges.status} END`,
          updatedAt: now,
        })
        .where(and(eq(testGatewayCharges.id, charge.id), sql`${testGatewayCharges.status} IN ('captured', 'refunded')`)),
      this.db.select().from(testGatewayRefunds).where(eq(testGatewayRefunds.idempotencyKey, req.idempotencyKey)),
    ]);
    const refund = rows[0];
    if (!refund)
      return {
        status: "error",
        message: `Cannot refund ${req.amount} of a ${charge.status} payment (captured ${charge.capturedAmount ?? 0}, refunded ${charge.refundedAmount ?? 0}).`,
        final: true,
      };
    if (refund.chargeId !== charge.id || refund.amount !== req.amount)
      return { status: "error", message: "This idempotency key was used for another refund.", final: true };
    return { status: "refunded", amount: refund.amount, reference: refund.id };
  }
}
