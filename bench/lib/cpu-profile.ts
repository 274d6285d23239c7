/**
 * Reads a V8 CPU profile (DevTools' Profiler.stop) of the Worker's bundle: self and total
 * time by function and by module, each frame mapped through the bundle's source map to
 * the file it came from (src/… for ours, the package for a library). Native functions
 * of the runtime (storage, crypto, the RPC stubs) have no script and keep their own name.
 */
import { readFileSync } from "node:fs";
import { SourceMap } from "node:module";

export interface CpuProfile {
  nodes: Array<{ id: number; callFrame: CallFrame; children?: number[]; positionTicks?: Array<{ line: number; ticks: number }> }>;
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

/** Sample counts: on a busy machine the sampler fires irregularly, so the time between samples misleads; their shares do not. */
export interface ProfileEntry {
  name: string;
  module: string;
  self: number;
  /** With what it calls. */
  total: number;
  /** The source line with most of its own samples ("file:line"), or a native function's busiest caller. */
  hotLine: string;
}

export interface ProfileSummary {
  samples: number;
  /** Samples with a JavaScript or runtime frame on the stack, or V8's own work: not waiting for I/O. */
  busy: number;
  /** V8's entries: (idle) the isolate waiting, (program) the runtime's native work outside any script, (garbage collector). */
  v8: Record<string, number>;
  byModule: Array<{ module: string; self: number }>;
  byFunction: ProfileEntry[];
}

/** The bundle's script as the runtime names it (wrangler serves it as index.js). */
const BUNDLE_URL = "index.js";

/** V8's pseudo-frames: not functions of any module. */
const V8_ENTRIES = new Set(["(root)", "(program)", "(idle)", "(garbage collector)"]);

/** The module a bundled source path belongs to: a package, or our file from src/ on. */
export function moduleOf(source: string): string {
  const parts = source.replace(/\\/g, "/").split("/");
  const nm = parts.lastIndexOf("node_modules");
  // drizzle-orm's own source map names its files node_modules/src/…
  if (nm >= 0 && parts[nm + 1] === "src") return "drizzle-orm";
  if (nm >= 0) return parts[nm + 1]?.startsWith("@") ? `${parts[nm + 1]}/${parts[nm + 2]}` : (parts[nm + 1] ?? source);
  const src = parts.lastIndexOf("src");
  return src >= 0 ? parts.slice(src).join("/") : source;
}

/** Where a frame came from: its source file and line through the map, or the runtime's native code. */
function locator(sourceMap: SourceMap | null) {
  const cache = new Map<string, { module: string; where: string }>();
  return (frame: CallFrame): { module: string; where: string } => {
    if (V8_ENTRIES.has(frame.functionName)) return { module: frame.functionName, where: "" };
    if (!frame.url) return { module: "(runtime native)", where: "" };
    const key = `${frame.url}:${frame.lineNumber}:${frame.columnNumber}`;
    let found = cache.get(key);
    if (!found) {
      // Only the bundle's frames map through its source map; the others are the runtime's own scripts.
      const entry = (frame.url === BUNDLE_URL ? sourceMap?.findEntry(frame.lineNumber, frame.columnNumber) : undefined) as
        | { originalSource?: string; originalLine?: number }
        | undefined;
      found = entry?.originalSource
        ? { module: moduleOf(entry.originalSource), where: `:${entry.originalLine! + 1}` }
        : { module: frame.url, where: `:${frame.lineNumber + 1}` };
      cache.set(key, found);
    }
    return found;
  };
}

export function loadSourceMap(path: string): SourceMap | null {
  try {
    return new SourceMap(JSON.parse(readFileSync(path, "utf8")));
  } catch {
    return null;
  }
}

export function summarizeProfile(profile: CpuProfile, sourceMap: SourceMap | null): ProfileSummary {
  const where = locator(sourceMap);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
  const self = new Map<number, number>();
  for (const id of profile.samples) self.set(id, (self.get(id) ?? 0) + 1);

  const keyOf = new Map<number, { key: string; name: string; module: string }>();
  for (const n of profile.nodes) {
    const { module, where: at } = where(n.callFrame);
    const name = `${n.callFrame.functionName || "(anonymous)"}${at}`;
    keyOf.set(n.id, { key: `${module}\u0000${name}`, name, module });
  }

  // Samples with each node on the stack, children first (the nodes form a tree rooted at (root)).
  const total = new Map<number, number>();
  const order: number[] = [];
  const stack = [profile.nodes.find((n) => !parent.has(n.id))!.id];
  while (stack.length) {
    const id = stack.pop()!;
    order.push(id);
    stack.push(...(byId.get(id)!.children ?? []));
  }
  for (const id of order.reverse()) {
    let sum = self.get(id) ?? 0;
    for (const child of byId.get(id)!.children ?? []) sum += total.get(child) ?? 0;
    total.set(id, sum);
  }

  const entries = new Map<string, ProfileEntry & { lines: Map<string, number> }>();
  const modules = new Map<string, number>();
  const v8: Record<string, number> = {};
  for (const n of profile.nodes) {
    const { key, name, module } = keyOf.get(n.id)!;
    const own = self.get(n.id) ?? 0;
    if (V8_ENTRIES.has(n.callFrame.functionName)) {
      v8[n.callFrame.functionName] = (v8[n.callFrame.functionName] ?? 0) + own;
      continue;
    }
    modules.set(module, (modules.get(module) ?? 0) + own);
    const entry = entries.get(key) ?? { name, module, self: 0, total: 0, hotLine: "", lines: new Map<string, number>() };
    entries.set(key, entry);
    entry.self += own;
    for (const tick of n.callFrame.url ? (n.positionTicks ?? []) : []) {
      const line = lineOf(sourceMap, n.callFrame.url, tick.line);
      entry.lines.set(line, (entry.lines.get(line) ?? 0) + tick.ticks);
    }
    // A native function has no line: where it is called from says what it is doing.
    const caller = parent.get(n.id);
    if (!n.callFrame.url && own > 0 && caller !== undefined) {
      const from = `from ${keyOf.get(caller)!.name} [${keyOf.get(caller)!.module}]`;
      entry.lines.set(from, (entry.lines.get(from) ?? 0) + own);
    }
    // A recursive function's samples count once: only where no caller is the same function.
    let up = parent.get(n.id);
    while (up !== undefined && keyOf.get(up)!.key !== key) up = parent.get(up);
    if (up === undefined) entry.total += total.get(n.id) ?? 0;
  }
  const byFunction = [...entries.values()].map(({ lines, ...entry }) => ({
    ...entry,
    hotLine: [...lines].sort((a, b) => b[1] - a[1])[0]?.[0] ?? "",
  }));
  return {
    samples: profile.samples.length,
    busy: profile.samples.length - (v8["(idle)"] ?? 0) - (v8["(root)"] ?? 0),
    v8,
    byModule: [...modules].map(([module, n]) => ({ module, self: n })).sort((a, b) => b.self - a.self),
    byFunction: byFunction.sort((a, b) => b.self - a.self),
  };
}

/** A line of the bundle (1-based, as positionTicks count) as "source:line". */
function lineOf(sourceMap: SourceMap | null, url: string, line: number): string {
  const entry = (url === BUNDLE_URL ? sourceMap?.findEntry(line - 1, 10_000) : undefined) as { originalSource?: string; originalLine?: number } | undefined;
  return entry?.originalSource ? `${moduleOf(entry.originalSource)}:${entry.originalLine! + 1}` : `${url}:${line}`;
}
