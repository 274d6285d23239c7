/**
 * Which integration files run in which vitest project (vitest.config.ts builds the
 * projects from these lists). Most files share one runtime per project, file after file;
 * the lists below name the files that need a runtime of their own.
 * test/unit/test-projects.test.ts checks that every file comparing every table or running
 * the cleanup job on the real queue is in one of them.
 */
export const stripeTests = "test/integration/stripe-*.test.ts";
// The cleanup job's totals with Stripe: a whole-database judgement too.
export const stripeWholeDatabaseTests = ["test/integration/stripe-cleanup.test.ts"];
export const relaxedTests = "test/integration/relaxed-lock-*.test.ts";
export const fuzzTests = "test/integration/fuzz-*.test.ts";
// Whole-database judgements (a clean bill of health, the cron job's totals, statistics,
// "no row changed" over every table, the relay of the whole outbox): what another file
// left behind would change their answers, or make them read it all again and again.
export const wholeDatabaseTests = [
  // Counting every D1 and storage call while a request runs: another file's alarm
  // firing in the window would be counted too.
  "test/integration/catalog-cache.test.ts",
  "test/integration/d1-*.test.ts",
  "test/integration/drop-sold-out.test.ts",
  "test/integration/admin-console-stock.test.ts",
  "test/integration/admin-events.test.ts",
  "test/integration/admin-refund-errors.test.ts",
  "test/integration/admin-diagnostics.test.ts",
  "test/integration/admin-statistics.test.ts",
  "test/integration/cleanup-*.test.ts",
  "test/integration/purchase-limits.test.ts",
  // Runs the cleanup job, which relays every file's pending events to the real queue:
  // its consumer then moves them on while another file compares every table.
  "test/integration/refund-crash-recovery.test.ts",
  "test/integration/security-access.test.ts",
  "test/integration/security-idempotency.test.ts",
  "test/integration/webhooks-relay.test.ts",
];

/** The files whose projects give each file a runtime of its own (`ownStorage` in vitest.config.ts: a new such project joins here too). */
export const ownRuntimeTests: string[] = [...wholeDatabaseTests, ...stripeWholeDatabaseTests, fuzzTests, relaxedTests];
