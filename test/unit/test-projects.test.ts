/**
 * Files in a shared runtime see what every earlier file left behind, and what it still
 * has in flight (alarms, the queue's consumer). A file that compares every table, or
 * runs the cleanup job on the real queue (it moves every file's events and refunds), must
 * have a runtime of its own, or it fails or passes by the order files happen to run in.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ownRuntimeTests } from "../projects.ts";

const ROOT = path.join(import.meta.dirname, "..", "..");
const INTEGRATION = "test/integration";

/** The lists' globs only use `*` within a file name. */
const matches = (file: string, glob: string) => new RegExp(`^${glob.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*")}$`).test(file);

/** What makes a file judge, or move, the whole database. */
const WHOLE_DATABASE_CALLS: Array<[string, RegExp]> = [
  ["compares every table", /\b(d1Fingerprint|stateFingerprint|expectEveryAnswer)\(/],
  ["runs the cleanup job on the real queue", /\brunCleanup\(env\b/],
];

describe("vitest projects", () => {
  const files = readdirSync(path.join(ROOT, INTEGRATION))
    .filter((f) => f.endsWith(".test.ts"))
    .map((f) => `${INTEGRATION}/${f}`);

  it("the glob matcher reads the lists as vitest does", () => {
    const glob = `${INTEGRATION}/d1-*.test.ts`;
    expect(matches(`${INTEGRATION}/d1-limits.test.ts`, glob)).toBe(true);
    expect(matches(`${INTEGRATION}/d1-limits.spec.ts`, glob)).toBe(false);
    expect(matches(`${INTEGRATION}/nested/d1-limits.test.ts`, glob)).toBe(false);
  });

  it("every list entry names at least one file", () => {
    for (const glob of ownRuntimeTests)
      expect(
        files.some((f) => matches(f, glob)),
        glob,
      ).toBe(true);
  });

  it("a file that judges or moves the whole database has a runtime of its own", () => {
    const misplaced = files.flatMap((file) => {
      const source = readFileSync(path.join(ROOT, file), "utf8");
      const why = WHOLE_DATABASE_CALLS.filter(([, pattern]) => pattern.test(source)).map(([reason]) => reason);
      return why.length && !ownRuntimeTests.some((glob) => matches(file, glob)) ? [`${file} ${why.join(", ")}`] : [];
    });
    expect(misplaced).toEqual([]);
  });
});
