/**
 * The repository documents itself: every relative link in the docs resolves (to a file,
 * and to a heading when it names one), every repository path named in the docs or in a
 * source comment exists, and nothing cites a document that is not in the repository.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { brokenReferences, headingAnchors, type Reference } from "../support/doc-references.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const SOURCE_DIRS = ["src", "test", "scripts", "chaos", "bench"];
const SOURCE_EXTENSIONS = [".ts", ".tsx", ".mts", ".mjs", ".js"];
/** Built or written at run time, and gitignored: named in the docs, never committed. */
const GENERATED = ["src/storefront/generated/", "bench/results/", "e2e-artifacts/", ".chaos/", ".wrangler/", "dist/", "node_modules/", ".dev.vars"];
/** Documents the project once relied on that were never part of the repository. */
const OUTSIDE_DOCUMENTS = /\b(?:API|DESIGN|CONVENTIONS)\.md\b/;

function walk(dir: string, keep: (file: string) => boolean): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = path.posix.join(dir, entry.name);
    if (GENERATED.some((g) => `${rel}/`.startsWith(g))) continue;
    if (entry.isDirectory()) out.push(...walk(rel, keep));
    else if (keep(rel)) out.push(rel);
  }
  return out;
}

const markdownFiles = ["README.md", "CHANGELOG.md", ...walk("docs", (f) => f.endsWith(".md"))];
/** The checker and its own test name made-up files on purpose. */
const CHECKER = ["test/support/doc-references.ts", "test/unit/doc-references.test.ts"];
const sourceFiles = SOURCE_DIRS.flatMap((d) => walk(d, (f) => SOURCE_EXTENSIONS.some((e) => f.endsWith(e)) && !CHECKER.includes(f)));
const repositoryFiles = walk(".", () => true).map((f) => f.replace(/^\.\//, ""));

const filesystem = {
  exists: (rel: string) => existsSync(path.join(ROOT, rel)),
  isDirectory: (rel: string) => existsSync(path.join(ROOT, rel)) && statSync(path.join(ROOT, rel)).isDirectory(),
  read: (rel: string) => readFileSync(path.join(ROOT, rel), "utf8"),
  files: repositoryFiles,
  generated: GENERATED,
};

const describeBroken = (broken: Reference[]) => broken.map((b) => `${b.file}:${b.line}: ${b.target} (${b.reason})`);

describe("documentation references", () => {
  it("finds the documents and sources it checks", () => {
    expect(markdownFiles).toContain("docs/contract.md");
    expect(sourceFiles).toContain("src/app.ts");
    expect(sourceFiles.length).toBeGreaterThan(100);
  });

  it("resolves every relative link and file reference in the docs, the README and the changelog", () => {
    const broken = markdownFiles.flatMap((file) => brokenReferences(file, filesystem.read(file), "markdown", filesystem));
    expect(describeBroken(broken)).toEqual([]);
  });

  it("resolves every repository path named in source comments and strings", () => {
    const broken = sourceFiles.flatMap((file) => brokenReferences(file, filesystem.read(file), "source", filesystem));
    expect(describeBroken(broken)).toEqual([]);
  });

  it("cites no document outside the repository from the docs, the README, the changelog or the source", () => {
    const citing = [...markdownFiles, ...sourceFiles].filter((file) => OUTSIDE_DOCUMENTS.test(filesystem.read(file)));
    expect(citing).toEqual([]);
  });
});

describe("the reference checker itself", () => {
  const fake = (files: Record<string, string>) => ({
    exists: (rel: string) => rel in files || Object.keys(files).some((f) => f.startsWith(`${rel}/`)),
    isDirectory: (rel: string) => Object.keys(files).some((f) => f.startsWith(`${rel}/`)),
    read: (rel: string) => files[rel] ?? "",
    files: Object.keys(files),
    generated: ["bench/results/"],
  });
  const repo = fake({
    "docs/a.md": "# Title\n\n## The `POST /v1/x` call\n\n## Title\n",
    "src/app.ts": "",
    "test/integration/stripe-checkout.test.ts": "",
  });
  const broken = (text: string, kind: "markdown" | "source" = "markdown") => brokenReferences("docs/b.md", text, kind, repo).map((b) => b.target);

  it("slugs headings as GitHub does, numbering repeats", () => {
    expect(headingAnchors("# Title\n## The `POST /v1/x` call\n## Title\n```\n# not a heading\n```\n")).toEqual(["title", "the-post-v1x-call", "title-1"]);
  });

  it("flags a missing file, a missing heading and a missing path, and accepts what exists", () => {
    expect(broken("[a](a.md) [b](a.md#the-post-v1x-call) [c](a.md#title-1) [d](../src/app.ts) [e](https://example.com/x.md) [f](#nowhere)")).toEqual([
      "#nowhere",
    ]);
    expect(broken("[a](missing.md) [b](a.md#missing)")).toEqual(["missing.md", "a.md#missing"]);
    expect(broken("see `src/app.ts`, `src/gone.ts`, `test/integration/stripe-*.test.ts`, `test/unit/*.property.test.ts`")).toEqual([
      "src/gone.ts",
      "test/unit/*.property.test.ts",
    ]);
  });

  it("skips generated paths and placeholders, and reads paths in source text", () => {
    expect(broken("`bench/results/latest.json` and `.chaos/<time>-seed-<seed>/`")).toEqual([]);
    expect(broken("// the schema is in src/db/schema.ts; see docs/a.md#title", "source")).toEqual(["src/db/schema.ts"]);
  });
});
