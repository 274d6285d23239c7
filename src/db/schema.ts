/**
 * The D1 schema of the whole system. Amounts are integers in minor units; times are
 * ISO 8601 strings (they sort as text). Triggers in the custom migration keep
 * `inventory.reserved` and the discount counters equal to the sums of their active
 * reservation rows, so the stock ledger and discount limits are idempotent by
 * construction: a reservation row's status change moves the stock, nothing else.
 */
import { sql } from "drizzle-orm";
import { check, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const products = sqliteTable("products", {
  id: text("id").primaryKey(),
  title: text("title").notNull(),
  active: integer("active", { mode: "boolean" }).notNull().default(true),
  createdAt: text("created_at").notNull(),
});

export const variants = sqliteTable(
  "variants",
  {
    id: text("id").primaryKey(),
    productId: text("product_id")
      .notNull()
      .references(() => products.id),
    sku: text("sku").notNull(),
    title: text("title").notNull(),
    taxClass: text("tax_class").notNull().default("standard"),
    active: integer("active", { mode: "boolean" }).notNull().default(true),
    createdAt: text("created_at").notNull(),
  },
  (t) => [uniqueIndex("variants_sku_unique").on(t.sku), index("variants_product_idx").on(t.productId)],
);

export const variantPrices = sqliteTable(
  "variant_prices",
  {
    variantId: text("variant_id")
      .notNull()
      .references(() => variants.id),
    currency: text("currency").notNull(),
    amount: integer("amount").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.variantId, t.currency] }), check("variant_prices_amount_nonnegative", sql`${t.amount} >= 0`)],
);

export const currencies = sqliteTable("currencies", {
  code: text("code").primaryKey(),
  exponent: integer("exponent").notNull(),
  /** Decimal string: units of this currency per one unit of the base currency. */
  rateFromBase: text("rate_from_base").notNull(),
  updatedAt: text("updated_at").notNull(),
});

export const taxRates = sqliteTable(
  "tax_rates",
  {
    country: text("country").notNull(),
    taxClass: text("tax_class").notNull(),
    name: text("name").notNull(),
    rateBps: integer("rate_bps").notNull(),
    inclusive: integer("inclusive", { mode: "boolean" }).notNull().default(false),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.country, t.taxClass] }), check("tax_rates_rate_range", sql`${t.rateBps} >= 0 AND ${t.rateBps} <= 10000`)],
);

export const discounts = sqliteTable(
  "discounts",
  {
    code: text("code").primaryKey(),
    type: text("type", { enum: ["percentage", "fixed"] }).notNull(),
    /** Percentage in basis points (10% = 1000). */
    percentBps: integer("percent_bps"),
    amount: integer("amount"),
    currency: text("currency"),
    startsAt: text("starts_at"),
    endsAt: text("ends_at"),
    usageLimit: integer("usage_limit"),
    minSubtotal: integer("min_subtotal"),
    usedCount: integer("used_count").notNull().default(0),
    reservedCount: integer("reserved_count").notNull().default(0),
    active: integer("active", { mode: "boolean" }).notNull().default(true),
    createdAt: text("created_at").notNull(),
  },
  (t) => [
    check("discounts_usage_within_limit", sql`${t.usageLimit} IS NULL OR ${t.usedCount} + ${t.reservedCount} <= ${t.usageLimit}`),
    check("discounts_counts_nonnegative", sql`${t.usedCount} >= 0 AND ${t.reservedCount} >= 0`),
  ],
);

export const inventory = sqliteTable(
  "inventory",
  {
    variantId: text("variant_id")
      .primaryKey()
      .references(() => variants.id),
    onHand: integer("on_hand").notNull(),
    reserved: integer("reserved").notNull().default(0),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [
    check("inventory_on_hand_nonnegative", sql`${t.onHand} >= 0`),
    check("inventory_reserved_nonnegative", sql`${t.reserved} >= 0`),
    check("inventory_reserved_within_on_hand", sql`${t.reserved} <= ${t.onHand}`),
  ],
);

/** Every admin change to on_hand (initial stock included), so conservation can be checked. */
export const inventoryAdjustments = sqliteTable(
  "inventory_adjustments",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    variantId: text("variant_id")
      .notNull()
      .references(() => variants.id),
    delta: integer("delta").notNull(),
    reason: text("reason").notNull(),
    at: text("at").notNull(),
  },
  (t) => [index("inventory_adjustments_variant_idx").on(t.variantId)],
);

export const stockReservations = sqliteTable(
  "stock_reservations",
  {
    checkoutId: text("checkout_id").notNull(),
    variantId: text("variant_id")
      .notNull()
      .references(() => variants.id),
    quantity: integer("quantity").notNull(),
    status: text("status", { enum: ["active", "committed", "released"] }).notNull(),
    expiresAt: text("expires_at").notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    /** The cart's email in lower case when the checkout started: who a purchase limit counts. */
    customerEmail: text("customer_email"),
  },
  (t) => [
    primaryKey({ columns: [t.checkoutId, t.variantId] }),
    index("stock_reservations_status_expires_idx").on(t.status, t.expiresAt),
    index("stock_reservations_variant_idx").on(t.variantId, t.status),
    index("stock_reservations_customer_idx").on(t.variantId, t.customerEmail),
    check("stock_reservations_quantity_positive", sql`${t.quantity} > 0`),
  ],
);

/**
 * Per-customer purchase limits of drop variants. A trigger (migration 0004) refuses a
 * reservation that would take a customer's active plus committed units past the limit,
 * inside the reservation batch, so racing checkouts can never pass it.
 */
export const purchaseLimits = sqliteTable(
  "purchase_limits",
  {
    variantId: text("variant_id")
      .primaryKey()
      .references(() => variants.id),
    maxPerCustomer: integer("max_per_customer").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [check("purchase_limits_max_positive", sql`${t.maxPerCustomer} >= 1`)],
);

export const discountReservations = sqliteTable(
  "discount_reservations",
  {
    checkoutId: text("checkout_id").notNull(),
    code: text("code")
      .notNull()
      .references(() => discounts.code),
    status: text("status", { enum: ["active", "consumed", "released"] }).notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.checkoutId, t.code] }), index("discount_reservations_code_idx").on(t.code, t.status)],
);

export const checkouts = sqliteTable(
  "checkouts",
  {
    id: text("id").primaryKey(),
    cartId: text("cart_id").notNull(),
    state: text("state").notNull(),
    phase: text("phase").notNull(),
    currency: text("currency").notNull(),
    total: integer("total"),
    orderId: text("order_id"),
    attempts: integer("attempts").notNull().default(0),
    failureReason: text("failure_reason", { mode: "json" }),
    createdAt: text("created_at").notNull(),
    lockedAt: text("locked_at"),
    completedAt: text("completed_at"),
    failedAt: text("failed_at"),
    cancelledAt: text("cancelled_at"),
    expiredAt: text("expired_at"),
    expiresAt: text("expires_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [
    index("checkouts_cart_idx").on(t.cartId, t.createdAt),
    index("checkouts_state_expires_idx").on(t.state, t.expiresAt),
    index("checkouts_created_idx").on(t.createdAt),
  ],
);

/** The timeline of a checkout: one row per state transition or notable step. */
export const checkoutEvents = sqliteTable(
  "checkout_events",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    checkoutId: text("checkout_id").notNull(),
    at: text("at").notNull(),
    state: text("state").notNull(),
    phase: text("phase").notNull(),
    event: text("event").notNull(),
    /** Unique per checkout, so a batch replayed after a crash adds no duplicate entry. */
    key: text("key").notNull(),
    detail: text("detail", { mode: "json" }),
  },
  (t) => [index("checkout_events_checkout_idx").on(t.checkoutId, t.id), uniqueIndex("checkout_events_key_unique").on(t.checkoutId, t.key)],
);

/** The signed price snapshot (quote) frozen at price lock: cart and line figures in `body`. */
export const quotes = sqliteTable(
  "quotes",
  {
    id: text("id").primaryKey(),
    checkoutId: text("checkout_id").notNull(),
    currency: text("currency").notNull(),
    exchangeRate: text("exchange_rate").notNull(),
    exchangeRateUpdatedAt: text("exchange_rate_updated_at"),
    subtotal: integer("subtotal").notNull(),
    discountTotal: integer("discount_total").notNull(),
    taxTotal: integer("tax_total").notNull(),
    total: integer("total").notNull(),
    body: text("body", { mode: "json" }).notNull(),
    signature: text("signature").notNull(),
    status: text("status", { enum: ["active", "used", "released"] }).notNull(),
    createdAt: text("created_at").notNull(),
    expiresAt: text("expires_at").notNull(),
  },
  (t) => [uniqueIndex("quotes_checkout_unique").on(t.checkoutId), check("quotes_total_nonnegative", sql`${t.total} >= 0`)],
);

/** The frozen figures of one line, shared by price snapshots and order lines. */
const lineFigures = () => ({
  lineId: text("line_id").notNull(),
  variantId: text("variant_id").notNull(),
  sku: text("sku").notNull(),
  quantity: integer("quantity").notNull(),
  unitPrice: integer("unit_price").notNull(),
  subtotal: integer("subtotal").notNull(),
  discountTotal: integer("discount_total").notNull(),
  taxTotal: integer("tax_total").notNull(),
  total: integer("total").notNull(),
});

/** Line-level price snapshots of each quote, for queries and audits. */
export const priceSnapshots = sqliteTable(
  "price_snapshots",
  {
    quoteId: text("quote_id").notNull(),
    ...lineFigures(),
  },
  (t) => [primaryKey({ columns: [t.quoteId, t.lineId] })],
);

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

export const outbox = sqliteTable(
  "outbox",
  {
    id: text("id").primaryKey(),
    type: text("type").notNull(),
    payload: text("payload", { mode: "json" }).notNull(),
    status: text("status", { enum: ["pending", "enqueued", "delivered", "undeliverable", "dead"] }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
    createdAt: text("created_at").notNull(),
    enqueuedAt: text("enqueued_at"),
    deliveredAt: text("delivered_at"),
  },
  (t) => [index("outbox_status_created_idx").on(t.status, t.createdAt)],
);

export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    eventId: text("event_id").notNull(),
    attempt: integer("attempt").notNull(),
    status: integer("status"),
    ok: integer("ok", { mode: "boolean" }).notNull(),
    error: text("error"),
    durationMs: integer("duration_ms"),
    at: text("at").notNull(),
  },
  (t) => [index("webhook_deliveries_event_idx").on(t.eventId, t.attempt)],
);
