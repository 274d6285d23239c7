import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  return {
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
          },
        },
      }),
    ],
    test: {
      setupFiles: ["./test/support/apply-migrations.ts"],
      include: ["test/unit/**/*.test.ts", "test/integration/**/*.test.ts"],
      testTimeout: 30_000,
    },
  };
});
