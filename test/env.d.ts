import type { D1Migration } from "cloudflare:test";

declare global {
  namespace Cloudflare {
    // Test-only binding (vitest.config.ts): the D1 migrations each test file applies.
    interface Env {
      TEST_MIGRATIONS: D1Migration[];
    }
  }
}
