import os from "node:os";
import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { buildDocsAssets } from "./scripts/build-docs-assets.ts";
import { buildStorefrontBundle } from "./scripts/build-storefront.ts";
import { fuzzTests, relaxedTests, stripeTests, stripeWholeDatabaseTests, wholeDatabaseTests } from "./test/projects.ts";

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  // The pool skips wrangler's [build]: make the storefront's browser bundle the Worker imports.
  await buildStorefrontBundle();
  buildDocsAssets(); // the API reference's renderer, served from [assets] at /docs/*
  // One Workers project per gateway: the cart object reads its gateway from its own
  // bindings, so the Stripe tests need a Worker whose bindings select Stripe.
  const workersProject = (
    name: string,
    include: string[],
    exclude: string[],
    extraBindings: Record<string, string> = {},
    {
      ownStorage = false,
      ratelimits,
      groupOrder = 0,
    }: {
      ownStorage?: boolean;
      ratelimits?: Record<string, { namespace_id: string; simple: { limit: number; period: 10 | 60 } }>;
      groupOrder?: number;
    } = {},
  ) => ({
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          // Test-only bindings: the migrations to apply, secrets with known values, and
          // the switch that lets tests inject faults into saga phases (never set in production).
          bindings: {
            TEST_MIGRATIONS: migrations,
            ADMIN_TOKEN: "test-admin-token",
            QUOTE_SIGNING_SECRET: "test-quote-secret",
            WEBHOOK_SECRET: "whsec_dGVzdC13ZWJob29rLXNlY3JldA==",
            CHECKOUT_FAULT_INJECTION: "enabled",
            CHECKOUT_LOGGING_ENABLED: "false",
            CHECKOUT_RATE_LIMIT_PER_MINUTE: "1000",
            ...extraBindings,
          },
          ...(ratelimits ? { ratelimits } : {}),
        },
      }),
    ],
    test: {
      name,
      setupFiles: ["./test/support/apply-migrations.ts", "./test/support/file-isolation.ts", "./test/support/forgotten-pauses.ts"],
      include,
      exclude,
      testTimeout: 30_000,
      // One runtime per project worker, reused file after file: starting Miniflare, loading
      // the Worker and migrating D1 for each file was most of the suite's time. Files then
      // share D1 and object storage: each test makes its own ids and counts its own work,
      // and test/support/file-isolation.ts gives back the settings a file changed.
      // Files that judge the whole database (a clean bill of health, the cron job's
      // totals, statistics) get a runtime of their own instead.
      isolate: ownStorage,
      // A shared runtime lives as long as its project keeps the pool's workers: run beside
      // another project, the pool hands its workers back and forth and each hand-over starts
      // a new runtime. So each shared-runtime project gets a group of its own (see below).
      sequence: { groupOrder },
    },
  });
  const stripeBindings = {
    CHECKOUT_PAYMENT_GATEWAY: "stripe",
    STRIPE_SECRET_KEY: "sk_test_double",
    STRIPE_WEBHOOK_SECRET: "whsec_test_double",
    STRIPE_API_BASE: "https://stripe.test",
    CORS_ORIGINS: "https://shop.test",
  };
  // Signature checks compare with workerd's crypto.subtle.timingSafeEqual (not in Node).
  const workersCryptoUnits = ["test/unit/quote-signature.property.test.ts", "test/unit/stripe-webhook-signature.test.ts"];
  return {
    test: {
      // Files and the tests in each run in a random order (the seed is printed; replay one
      // with --sequence.seed=N): no test may lean on what another left behind.
      sequence: { shuffle: true },
      // Two at least: vitest's default on a 2-core machine (cores - 1) runs every file in
      // one worker while the runtime's own work waits on I/O.
      maxWorkers: Math.max(2, os.availableParallelism() - 1),
      projects: [
        // The pure modules (pricing, money, the storefront client…) run in plain Node: no
        // runtime start-up per file, and proof that they need no Workers runtime. The Workers
        // projects' timeout: vitest's 5 s default timed out a ~1 s property test on a loaded machine.
        { test: { name: "unit", include: ["test/unit/**/*.test.ts"], exclude: workersCryptoUnits, environment: "node", testTimeout: 30_000 } },
        // Groups run one after another: first the projects whose files each get a runtime
        // anyway (and the unit tests), then each shared-runtime project alone.
        workersProject(
          "workers",
          ["test/integration/**/*.test.ts", ...workersCryptoUnits],
          [stripeTests, relaxedTests, fuzzTests, ...wholeDatabaseTests],
          {},
          { groupOrder: 1 },
        ),
        workersProject("whole-database", wholeDatabaseTests, [], {}, { ownStorage: true }),
        // The fuzz compares every table before and after each case (a runtime of its own), and
        // its checkout cases must meet validation, not the checkout limiter's 5 a minute (the
        // limiter itself is tested where it applies, in the workers project).
        workersProject(
          "fuzz",
          [fuzzTests],
          [],
          {},
          { ownStorage: true, ratelimits: { CHECKOUT_RATE_LIMITER: { namespace_id: "1001", simple: { limit: 1_000_000, period: 60 } } } },
        ),
        // The lock's two switches turned off (DESIGN.md config): superseding and edit-cancels.
        workersProject(
          "relaxed-lock",
          [relaxedTests],
          [],
          {
            CHECKOUT_PREVENT_CONCURRENT: "false",
            CHECKOUT_ENABLE_CART_PROTECTION: "false",
            // Few files, and their "nothing changed" checks read every table: a runtime each.
          },
          { ownStorage: true },
        ),
        // Stripe's API is a double inside the tests (test/support/stripe-double.ts) at STRIPE_API_BASE.
        workersProject("stripe", [stripeTests], stripeWholeDatabaseTests, stripeBindings, { groupOrder: 2 }),
        workersProject("stripe-whole-database", stripeWholeDatabaseTests, [], stripeBindings, { ownStorage: true }),
      ],
    },
  };
});
