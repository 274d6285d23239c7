#!/usr/bin/env node
// `npx checkout-admin …`: runs the TypeScript CLI (src/cli/checkout-admin.ts) through tsx, no build step.
import { register } from "tsx/esm/api";

register();
await import("../src/cli/checkout-admin.ts");
