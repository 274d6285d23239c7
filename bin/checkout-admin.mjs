#!/usr/bin/env node
// `npx checkout-admin …`. An installed package runs the built CLI (build/cli/checkout-admin.mjs,
// plain JavaScript made by `npm run build:package` when the package is packed or installed);
// a development checkout runs the TypeScript source through tsx, so it is never a stale build.
import { existsSync } from "node:fs";

const source = new URL("../src/cli/bin.ts", import.meta.url);
const withTsx = async () => {
  try {
    (await import("tsx/esm/api")).register();
    return true;
  } catch {
    return false;
  }
};
if (existsSync(source) && (await withTsx())) {
  await import(source.href);
} else {
  await import("../build/cli/checkout-admin.mjs");
}
