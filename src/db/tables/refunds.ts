/** Refunds of orders, the lines and stock they give back, and what the gateway reports that matches none of ours. */
import { sql } from "drizzle-orm";
import { check, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * Refunds of an order, written `pending` before the gateway is asked (intent before side
 * effect) and settled once, from `pending` only, to `succeeded` or `failed`. Triggers
 * (migration 0003) refuse a pending refund that would take the order's pending and
 * succeeded refunds past its captured amount, so racing requests can never over-refund.
 * `kind = 'cancel'` is the refund of a cancellation: when it succeeds the order is cancelled.
 */
export const refunds = sqliteTable(
  "refunds",
  {
    id: text("id").primaryKey(),
    orderId: text("order_id").notNull(),
    kind: text("kind", { enum: ["refund", "cancel"] }).notNull(),
    status: text("status", { enum: ["pending", "succeeded", "failed"] }).notNull(),
    amount: integer("amount").notNull(),
    currency: text("currency").notNull(),
    restock: integer("restock", { mode: "boolean" }).notNull().default(false),
    reason: text("reason"),
    /** The admin's Idempotency-Key, unique per order, with the hash of the request it came with. */
    idempotencyKey: text("idempotency_key").notNull(),
    requestHash: text("request_hash").notNull(),
    gatewayReference: text("gateway_reference"),
    failure: text("failure"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    settledAt: text("settled_at"),
  },
  (t) => [
    uniqueIndex("refunds_order_key_unique").on(t.orderId, t.idempotencyKey),
    index("refunds_order_idx").on(t.orderId, t.createdAt),
    index("refunds_status_idx").on(t.status, t.createdAt),
    index("refunds_gateway_reference_idx").on(t.gatewayReference),
    check("refunds_amount_nonnegative", sql`${t.amount} >= 0`),
  ],
);

/**
 * The order lines a refund gives back. `units_before` / `amount_before` are what the
 * line had refunded (pending or succeeded) when the share was computed; a trigger
 * refuses the row if that changed meanwhile, so every share is exact under races.
 */
export const refundLines = sqliteTable(
  "refund_lines",
  {
    refundId: text("refund_id").notNull(),
    orderId: text("order_id").notNull(),
    lineId: text("line_id").notNull(),
    variantId: text("variant_id").notNull(),
    quantity: integer("quantity").notNull(),
    amount: integer("amount").notNull(),
    unitsBefore: integer("units_before").notNull(),
    amountBefore: integer("amount_before").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.refundId, t.lineId] }),
    index("refund_lines_order_line_idx").on(t.orderId, t.lineId),
    check("refund_lines_quantity_positive", sql`${t.quantity} > 0`),
    check("refund_lines_amount_nonnegative", sql`${t.amount} >= 0`),
  ],
);

/** Units a succeeded refund returned to stock (the stock ledger's restocks), one row per refund and variant. */
export const stockRestocks = sqliteTable(
  "stock_restocks",
  {
    refundId: text("refund_id").notNull(),
    variantId: text("variant_id").notNull(),
    quantity: integer("quantity").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.refundId, t.variantId] }),
    index("stock_restocks_variant_idx").on(t.variantId),
    check("stock_restocks_quantity_positive", sql`${t.quantity} > 0`),
  ],
);

/**
 * Refund notifications from the gateway (Stripe webhooks) that match no refund of ours:
 * kept for the admin and diagnostics, never dropped.
 */
export const unmatchedGatewayRefunds = sqliteTable(
  "unmatched_gateway_refunds",
  {
    eventId: text("event_id").primaryKey(),
    provider: text("provider").notNull(),
    reference: text("reference").notNull(),
    paymentReference: text("payment_reference"),
    status: text("status").notNull(),
    amount: integer("amount"),
    currency: text("currency"),
    payload: text("payload", { mode: "json" }),
    receivedAt: text("received_at").notNull(),
  },
  (t) => [index("unmatched_gateway_refunds_received_idx").on(t.receivedAt)],
);

/** The built-in test gateway's refunds, one per idempotency key (what a processor would hold). */
export const testGatewayRefunds = sqliteTable(
  "test_gateway_refunds",
  {
    id: text("id").primaryKey(),
    idempotencyKey: text("idempotency_key").notNull(),
    chargeId: text("charge_id").notNull(),
    amount: integer("amount").notNull(),
    currency: text("currency").notNull(),
    metadata: text("metadata", { mode: "json" }),
    createdAt: text("created_at").notNull(),
  },
  (t) => [uniqueIndex("test_gateway_refunds_key_unique").on(t.idempotencyKey), index("test_gateway_refunds_charge_idx").on(t.chargeId)],
);
