/**
 * The `.d.ts` files of the typed client (src/client), for build/client. tsc writes them,
 * except one: src/client/api-types.ts derives the API's types from the server's zod
 * schemas, and its declarations would import zod and the routes (and through them hono
 * and drizzle) into every storefront that uses the client. Its types are written out
 * instead, each expanded by the type checker into the plain object type it stands for,
 * so the client's types import nothing but each other and stay exactly the schemas'.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";

const ROOT = path.resolve(import.meta.dirname, "..");
const CLIENT_DIR = path.join(ROOT, "src", "client");
const API_TYPES = path.join(CLIENT_DIR, "api-types.ts");

function compilerOptions(): ts.CompilerOptions {
  const config = ts.getParsedCommandLineOfConfigFile(path.join(ROOT, "tsconfig.json"), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  if (!config) throw new Error("tsconfig.json could not be read");
  return { ...config.options, noEmit: false, declaration: true, emitDeclarationOnly: true, rootDir: path.join(ROOT, "src"), outDir: path.join(ROOT, "build", ".declarations") };
}

/** api-types.ts with every exported type alias replaced by the type it resolves to. */
function expandedApiTypes(program: ts.Program): string {
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(API_TYPES);
  if (!source) throw new Error(`${API_TYPES} is not in the program`);
  const flags = ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.InTypeAlias | ts.TypeFormatFlags.UseSingleQuotesForStringLiteralType;
  const parts: string[] = [];
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement)) continue;
    if (ts.isTypeAliasDeclaration(statement)) {
      const text = checker.typeToString(checker.getTypeAtLocation(statement.name), statement, flags);
      parts.push(`export type ${statement.name.text} = ${text};`);
    } else {
      parts.push(statement.getText(source));
    }
  }
  // Parsed and printed again: one member per line, like any declaration file.
  const printed = ts.createPrinter().printFile(ts.createSourceFile("api-types.d.ts", parts.join("\n"), ts.ScriptTarget.Latest, true, ts.ScriptKind.TS));
  const unresolved = printed.match(/\b(z|zod)\.\w+|import\(/);
  if (unresolved) throw new Error(`api-types still refers to ${unresolved[0]} after expansion`);
  return `// The storefront API's types, expanded from the server's schemas by scripts/client-declarations.ts.\n${printed}`;
}

/** Writes build/client/*.d.ts; relative imports get the `.js` a Node ESM consumer resolves. */
export function emitClientDeclarations(outDir: string): string[] {
  const program = ts.createProgram([path.join(CLIENT_DIR, "index.ts")], compilerOptions());
  const errors = ts.getPreEmitDiagnostics(program);
  if (errors.length) throw new Error(ts.formatDiagnostics(errors, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => ROOT, getNewLine: () => "\n" }));
  const written: string[] = [];
  mkdirSync(outDir, { recursive: true });
  const emitted = program.emit(
    undefined,
    (fileName, text) => {
      const relative = path.relative(path.join(ROOT, "build", ".declarations", "client"), fileName);
      if (relative.startsWith("..") || path.isAbsolute(relative)) return; // the server's files the client's imports reach
      const body = relative === "api-types.d.ts" ? expandedApiTypes(program) : text;
      const target = path.join(outDir, relative);
      writeFileSync(target, body.replace(/(from\s+["'])(\.\.?\/[^"']+?)(["'])/g, (_, a: string, spec: string, b: string) => `${a}${spec.endsWith(".js") ? spec : `${spec}.js`}${b}`));
      written.push(target);
    },
    undefined,
    true,
  );
  if (emitted.emitSkipped) throw new Error("tsc skipped the client's declarations");
  return written;
}
