/** Orders, their lines and the payments behind them (ours, and the built-in test gateway's own ledger). */
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { lineFigures } from "./line-figures";

export const orders = sqliteTable(
  "orders",
  {
    id: text("id").primaryKey(),
    number: integer("number").notNull(),
    checkoutId: text("checkout_id").notNull(),
    cartId: text("cart_id").notNull(),
    /** `cancelled` is also where an interrupted payment leaves an order that was never paid. */
    status: text("status", { enum: ["pending_payment", "paid", "partially_refunded", "refunded", "cancelled"] }).notNull(),
    currency: text("currency").notNull(),
    email: text("email"),
    subtotal: integer("subtotal").notNull(),
    discountTotal: integer("discount_total").notNull(),
    taxTotal: integer("tax_total").notNull(),
    total: integer("total").notNull(),
    lines: text("lines", { mode: "json" }).notNull(),
    /** The sum of the order's succeeded refunds, recomputed from them whenever one settles. */
    refundedTotal: integer("refunded_total").notNull().default(0),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("orders_checkout_unique").on(t.checkoutId),
    uniqueIndex("orders_number_unique").on(t.number),
    index("orders_created_idx").on(t.createdAt, t.id),
    index("orders_email_idx").on(t.email),
  ],
);

export const orderLines = sqliteTable(
  "order_lines",
  {
    orderId: text("order_id").notNull(),
    ...lineFigures(),
  },
  (t) => [primaryKey({ columns: [t.orderId, t.lineId] })],
);

/** Our record of each payment attempt of a checkout (what the saga knows). */
export const payments = sqliteTable(
  "payments",
  {
    id: text("id").primaryKey(),
    checkoutId: text("checkout_id").notNull(),
    attempt: integer("attempt").notNull(),
    provider: text("provider").notNull(),
    reference: text("reference"),
    status: text("status", { enum: ["requires_action", "authorized", "declined", "failed", "captured", "voided", "refunded", "not_required"] }).notNull(),
    amount: integer("amount").notNull(),
    capturedAmount: integer("captured_amount"),
    currency: text("currency").notNull(),
    declineCode: text("decline_code"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [uniqueIndex("payments_checkout_attempt_unique").on(t.checkoutId, t.attempt), index("payments_status_idx").on(t.status, t.createdAt)],
);

/**
 * The built-in test gateway's own ledger: what a real processor would hold. Kept apart
 * from `payments` so tests can see what the gateway did even when the saga crashed
 * before recording it.
 */
export const testGatewayCharges = sqliteTable(
  "test_gateway_charges",
  {
    id: text("id").primaryKey(),
    authorizationKey: text("authorization_key").notNull(),
    token: text("token").notNull(),
    status: text("status", { enum: ["authorized", "requires_action", "declined", "captured", "voided", "refunded", "void_requested"] }).notNull(),
    amount: integer("amount").notNull(),
    capturedAmount: integer("captured_amount"),
    refundedAmount: integer("refunded_amount"),
    currency: text("currency").notNull(),
    declineCode: text("decline_code"),
    metadata: text("metadata", { mode: "json" }),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [uniqueIndex("test_gateway_charges_key_unique").on(t.authorizationKey)],
);
