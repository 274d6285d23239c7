/**
 * Finds references in a document or a source file that do not resolve: relative
 * Markdown links (their file, and their heading when they name one) and repository
 * paths such as `src/db/schema.ts` or `test/integration/stripe-*.test.ts`. Pure: the
 * file system comes in as a parameter, so the checker is tested on a made-up tree.
 */
import path from "node:path";

export interface RepositoryView {
  exists(rel: string): boolean;
  isDirectory(rel: string): boolean;
  read(rel: string): string;
  /** Every file of the repository, relative to its root, for globs. */
  files: readonly string[];
  /** Path prefixes that are built or written at run time (gitignored). */
  generated: readonly string[];
}

export interface Reference {
  file: string;
  line: number;
  target: string;
  reason: string;
}

/** Top-level folders whose paths the docs and comments name. */
const ROOT_DIRS = ["src", "test", "docs", "scripts", "chaos", "bench", "migrations", "seed", "bin", ".ci"];
const PATH_TOKEN = new RegExp(String.raw`(?<![\w./\-@])((?:${ROOT_DIRS.map((d) => d.replace(".", "\\.")).join("|")})/[\w.*{},<>…\-/]*[\w*}/>])(#[\w-]+)?`, "g");
/** A bare `NAME.md`: a document named without its folder. */
const BARE_DOCUMENT = /(?<![\w./-])([A-Za-z][\w-]*\.md)(#[\w-]+)?\b/g;
const MARKDOWN_LINK = /\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g;
const FENCE = /^\s*(```|~~~)/;

/** GitHub's anchors of a Markdown file's headings (fenced code excluded, repeats numbered). */
export function headingAnchors(markdown: string): string[] {
  const seen = new Map<string, number>();
  const anchors: string[] = [];
  let fenced = false;
  for (const line of markdown.split("\n")) {
    if (FENCE.test(line)) fenced = !fenced;
    const heading = fenced ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const text = heading[1]!.replace(/\[([^\]]*)\]\([^)]*\)/g, "$1").replace(/[`*]/g, "");
    const slug = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\p{M} _-]/gu, "")
      .replace(/ /g, "-");
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.push(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

/** `a{b,c}d` → `abd`, `acd` (one level, as the docs write them). */
function expandBraces(pattern: string): string[] {
  const match = /\{([^{}]*)\}/.exec(pattern);
  if (!match) return [pattern];
  return match[1]!.split(",").flatMap((option) => expandBraces(pattern.slice(0, match.index) + option + pattern.slice(match.index + match[0].length)));
}

function globMatches(pattern: string, files: readonly string[]): boolean {
  const source = pattern
    .split(/(\*\*\/|\*)/)
    .map((part) => (part === "**/" ? "(?:.*/)?" : part === "*" ? "[^/]*" : part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")))
    .join("");
  const regex = new RegExp(`^${source}(?:/.*)?$`);
  return files.some((f) => regex.test(f));
}

function lineOf(text: string, index: number): number {
  return text.slice(0, index).split("\n").length;
}

/** Why `target` (a path from the root, maybe with an anchor) does not resolve, or null. */
function unresolved(target: string, anchor: string | undefined, repo: RepositoryView): string | null {
  if (repo.generated.some((g) => target.startsWith(g))) return null;
  if (/[<>…]|\.\.\./.test(target)) return null; // a placeholder such as `.chaos/<time>/`
  const paths = expandBraces(target);
  for (const p of paths) {
    if (p.includes("*")) {
      if (!globMatches(p, repo.files)) return "no file matches";
      continue;
    }
    if (p.endsWith("/") ? !repo.isDirectory(p.slice(0, -1)) : !repo.exists(p)) return "no such file";
  }
  if (anchor && target.endsWith(".md") && !headingAnchors(repo.read(target)).includes(anchor.slice(1))) return "no such heading";
  return null;
}

/** The references of `file` (relative to the repository root) that do not resolve. */
export function brokenReferences(file: string, text: string, kind: "markdown" | "source", repo: RepositoryView): Reference[] {
  const broken: Reference[] = [];
  // `index` is into `within`, a copy of the text with the same lines.
  const report = (within: string, index: number, target: string, reason: string | null) => {
    if (reason) broken.push({ file, line: lineOf(within, index), target, reason });
  };
  const dir = path.posix.dirname(file);

  if (kind === "markdown") {
    const withoutCode = text
      .split("\n")
      .reduce<{ fenced: boolean; lines: string[] }>(
        (acc, line) => {
          if (FENCE.test(line)) acc.fenced = !acc.fenced;
          acc.lines.push(acc.fenced || FENCE.test(line) ? "" : line);
          return acc;
        },
        { fenced: false, lines: [] },
      )
      .lines.join("\n");
    for (const match of withoutCode.matchAll(MARKDOWN_LINK)) {
      const link = match[1]!;
      if (/^[a-z][a-z0-9+.-]*:/i.test(link) || link.startsWith("/")) continue; // a URL, or a path on the server
      const [target = "", anchor] = link.split("#", 2);
      if (target === "") {
        report(withoutCode, match.index, link, headingAnchors(text).includes(anchor ?? "") ? null : "no such heading");
        continue;
      }
      const resolved = path.posix.normalize(path.posix.join(dir, target));
      if (resolved.startsWith("..")) report(withoutCode, match.index, link, "outside the repository");
      else report(withoutCode, match.index, link, unresolved(resolved, anchor ? `#${anchor}` : undefined, repo));
    }
  }

  // Paths and document names in the text (code included), link targets aside: they were checked above.
  const scanned = kind === "markdown" ? text.replace(MARKDOWN_LINK, (link) => link.replace(/\]\([^)]*\)$/, "]")) : text;
  for (const match of scanned.matchAll(PATH_TOKEN)) report(scanned, match.index, match[1]! + (match[2] ?? ""), unresolved(match[1]!, match[2], repo));

  for (const match of scanned.matchAll(BARE_DOCUMENT)) {
    const name = match[1]!;
    const candidates = [path.posix.join(dir, name), name, `docs/${name}`];
    const found = candidates.find((c) => repo.exists(c));
    if (!found) report(scanned, match.index, name, "no such document");
    else if (match[2] && !headingAnchors(repo.read(found)).includes(match[2].slice(1))) report(scanned, match.index, name + match[2], "no such heading");
  }
  return broken;
}
