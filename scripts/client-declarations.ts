/**
 * The `.d.ts` files of the typed client (src/client), for build/client. tsc writes them;
 * but a client module that takes its types from the server (api-types.ts from the zod
 * schemas, client-errors.ts from the error catalogue) would make its declarations import
 * the server's modules, and through them zod, hono and drizzle, into every storefront that
 * uses the client. In those files each type alias is written out instead, expanded by the
 * type checker into the plain type it stands for, and the server imports are dropped: the
 * client's types import nothing but each other and stay exactly the server's.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";

const ROOT = path.resolve(import.meta.dirname, "..");
const CLIENT_DIR = path.join(ROOT, "src", "client");
const DECLARATIONS_DIR = path.join(ROOT, "build", ".declarations");

function compilerOptions(): ts.CompilerOptions {
  const config = ts.getParsedCommandLineOfConfigFile(path.join(ROOT, "tsconfig.json"), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  if (!config) throw new Error("tsconfig.json could not be read");
  return { ...config.options, noEmit: false, declaration: true, emitDeclarationOnly: true, rootDir: path.join(ROOT, "src"), outDir: DECLARATIONS_DIR };
}

const leavesClient = (specifier: string) => !specifier.startsWith("./");

/** The emitted declarations of `source` without its server imports, each plain type alias expanded. */
function selfContained(program: ts.Program, source: ts.SourceFile, emitted: string): string {
  const checker = program.getTypeChecker();
  const aliases = new Map(source.statements.filter(ts.isTypeAliasDeclaration).map((a) => [a.name.text, a]));
  const flags = ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.InTypeAlias | ts.TypeFormatFlags.UseSingleQuotesForStringLiteralType;
  const declarations = ts.createSourceFile(source.fileName.replace(/\.ts$/, ".d.ts"), emitted, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const parts: string[] = [];
  for (const statement of declarations.statements) {
    if (ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier) && leavesClient(statement.moduleSpecifier.text)) continue;
    const original = ts.isTypeAliasDeclaration(statement) && !statement.typeParameters ? aliases.get(statement.name.text) : undefined;
    if (original) {
      const comment = statement.getFullText().slice(0, statement.getStart() - statement.getFullStart());
      parts.push(`${comment}export type ${original.name.text} = ${checker.typeToString(checker.getTypeAtLocation(original.name), original, flags)};`);
    } else {
      parts.push(statement.getFullText());
    }
  }
  // Parsed and printed again: one member per line, like any declaration file.
  const printed = ts.createPrinter().printFile(ts.createSourceFile(declarations.fileName, parts.join("\n"), ts.ScriptTarget.Latest, true, ts.ScriptKind.TS));
  const unresolved = printed.match(/\b(z|zod)\.\w+|import\(/);
  if (unresolved) throw new Error(`${path.basename(source.fileName)}: its types still refer to ${unresolved[0]} after expansion`);
  return printed;
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
      const relative = path.relative(path.join(DECLARATIONS_DIR, "client"), fileName);
      if (relative.startsWith("..") || path.isAbsolute(relative)) return; // the server's files the client's imports reach
      const source = program.getSourceFile(path.join(CLIENT_DIR, relative.replace(/\.d\.ts$/, ".ts")));
      if (!source) throw new Error(`no source for ${relative}`);
      const fromServer = source.statements.some(
        (s) => ts.isImportDeclaration(s) && ts.isStringLiteral(s.moduleSpecifier) && leavesClient(s.moduleSpecifier.text),
      );
      const body = fromServer ? selfContained(program, source, text) : text;
      const target = path.join(outDir, relative);
      writeFileSync(
        target,
        body.replace(
          /(from\s+["'])(\.\.?\/[^"']+?)(["'])/g,
          (_, a: string, spec: string, b: string) => `${a}${spec.endsWith(".js") ? spec : `${spec}.js`}${b}`,
        ),
      );
      written.push(target);
    },
    undefined,
    true,
  );
  if (emitted.emitSkipped) throw new Error("tsc skipped the client's declarations");
  return written;
}
