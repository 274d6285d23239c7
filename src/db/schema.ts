/**
 * The D1 schema of the whole system, one file per storage area under ./tables, gathered
 * here for the code and for drizzle-kit (drizzle.config.ts names this file).
 * Amounts are integers in minor units; times are ISO 8601 strings (they sort as text).
 * Triggers in the custom migration keep `inventory.reserved` and the discount counters
 * equal to the sums of their active reservation rows, so the stock ledger and discount
 * limits are idempotent by construction: a reservation row's status change moves the
 * stock, nothing else.
 */
export * from "./tables/catalog";
export * from "./tables/checkouts";
export * from "./tables/events";
export * from "./tables/orders";
export * from "./tables/refunds";
export * from "./tables/stock";
