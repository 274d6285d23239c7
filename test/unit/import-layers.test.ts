/**
 * The source reads from the top down: the Worker's edge (routes, storefront) calls the admin
 * and the cron jobs, which call the cart object and its saga, which call the services
 * (inventory, payments, events, orders), which write D1 through src/db, over a pure domain
 * and contract, over src/lib and the shared names of src/vocabulary. An import may point down or sideways, never back up, and no
 * files import each other in a loop. The typed client and the CLI are packages of their
 * own: they may use the pure domain, never the server.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");

/** Bottom first; a file belongs to the first layer with a prefix of its path. */
const LAYERS: { name: string; paths: string[] }[] = [
  { name: "vocabulary", paths: ["src/vocabulary/"] },
  { name: "lib", paths: ["src/lib/"] },
  { name: "pure domain and contract", paths: ["src/checkout/", "src/contract/"] },
  { name: "typed client", paths: ["src/client/"] },
  { name: "D1 records", paths: ["src/db/"] },
  { name: "services", paths: ["src/inventory/", "src/payments/", "src/events/", "src/orders/"] },
  { name: "cart object and saga", paths: ["src/cart/"] },
  { name: "admin and jobs", paths: ["src/admin/", "src/jobs/"] },
  { name: "edge", paths: ["src/routes/", "src/storefront/", "src/app.ts", "src/index.ts"] },
];
/** Packages that run outside the Worker: these layers and nothing above them. */
const PACKAGES: { name: string; paths: string[]; may: string[] }[] = [
  { name: "typed client", paths: ["src/client/"], may: ["src/client/", "src/contract/", "src/checkout/", "src/lib/", "src/vocabulary/"] },
  { name: "CLI", paths: ["src/cli/"], may: ["src/cli/", "src/client/", "src/contract/", "src/checkout/", "src/lib/", "src/vocabulary/"] },
];
/** Runtime bindings and storage drivers that the pure layers and the packages never touch. */
const SERVER_ONLY = /^(?:cloudflare:|drizzle-orm|hono(?:\/|$))/;
const PURE = ["src/checkout/", "src/contract/", "src/vocabulary/"];

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) return rel === "src/storefront/generated" ? [] : sourceFiles(rel);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith(".d.ts") ? [rel] : [];
  });
}

const files = sourceFiles("src");
const known = new Set(files);

/** The repository file an import names, or null for a package or a file outside src. */
function resolveImport(from: string, specifier: string): string | null {
  if (!specifier.startsWith(".")) return null;
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier));
  const candidates = [base, base.replace(/\.js$/, ".ts"), base.replace(/\.js$/, ".tsx"), `${base}.ts`, `${base}.tsx`, `${base}/index.ts`];
  return candidates.find((c) => known.has(c)) ?? null;
}

const imports = new Map(
  files.map((file) => {
    const specifiers = ts.preProcessFile(readFileSync(path.join(ROOT, file), "utf8"), true, true).importedFiles.map((i) => i.fileName);
    return [file, specifiers] as const;
  }),
);
const edges = new Map(files.map((file) => [file, (imports.get(file) ?? []).map((s) => resolveImport(file, s)).filter((t): t is string => t !== null)]));

const layerOf = (file: string) => LAYERS.findIndex((layer) => layer.paths.some((p) => file === p || file.startsWith(p)));
const under = (file: string, prefixes: string[]) => prefixes.some((p) => file.startsWith(p));

describe("import layers", () => {
  it("places every source file in a layer or a package", () => {
    const placed = (f: string) => layerOf(f) >= 0 || PACKAGES.some((p) => under(f, p.paths));
    expect(files.filter((f) => !placed(f))).toEqual([]);
    expect(files.length).toBeGreaterThan(100);
  });

  it("never imports from a layer above", () => {
    const upward = files.flatMap((from) =>
      (edges.get(from) ?? [])
        .filter((to) => layerOf(from) >= 0 && layerOf(to) > layerOf(from))
        .map((to) => `${from} (${LAYERS[layerOf(from)]!.name}) -> ${to} (${LAYERS[layerOf(to)]!.name})`),
    );
    expect(upward).toEqual([]);
  });

  it("keeps the typed client and the CLI free of the server", () => {
    const leaks = PACKAGES.flatMap((pkg) =>
      files
        .filter((f) => under(f, pkg.paths))
        .flatMap((from) => [
          ...(edges.get(from) ?? []).filter((to) => !under(to, pkg.may)).map((to) => `${pkg.name}: ${from} -> ${to}`),
          ...(imports.get(from) ?? []).filter((s) => SERVER_ONLY.test(s)).map((s) => `${pkg.name}: ${from} -> ${s}`),
        ]),
    );
    expect(leaks).toEqual([]);
  });

  it("keeps the domain and the contract free of storage and the runtime", () => {
    const leaks = files
      .filter((f) => under(f, PURE))
      .flatMap((from) => (imports.get(from) ?? []).filter((s) => SERVER_ONLY.test(s)).map((s) => `${from} -> ${s}`));
    expect(leaks).toEqual([]);
  });

  it("gives the saga its host, never the cart object itself", () => {
    const saga = files.filter((f) => f.startsWith("src/cart/saga/"));
    expect(saga.length).toBeGreaterThan(5);
    expect(saga.flatMap((from) => (edges.get(from) ?? []).filter((to) => to === "src/cart/cart-object.ts").map((to) => `${from} -> ${to}`))).toEqual([]);
  });

  it("has no files that import each other in a loop", () => {
    // Tarjan's strongly connected components over the file graph; any component of two or
    // more files is a loop (type-only imports count: they tie the files' meaning together).
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const loops: string[][] = [];
    let counter = 0;
    const visit = (file: string) => {
      index.set(file, counter);
      low.set(file, counter);
      counter += 1;
      stack.push(file);
      onStack.add(file);
      for (const to of edges.get(file) ?? []) {
        if (!index.has(to)) {
          visit(to);
          low.set(file, Math.min(low.get(file)!, low.get(to)!));
        } else if (onStack.has(to)) low.set(file, Math.min(low.get(file)!, index.get(to)!));
      }
      if (low.get(file) === index.get(file)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== file);
        if (component.length > 1) loops.push(component.sort());
      }
    };
    for (const file of files) if (!index.has(file)) visit(file);
    expect(loops).toEqual([]);
  });
});
