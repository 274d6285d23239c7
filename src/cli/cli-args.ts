/**
 * Command-line arguments of `checkout-admin`: a command, positional arguments and
 * `--flag value` / `--flag=value` / `--switch` options. Unknown flags are errors, so a
 * typo never silently runs a different query.
 */

export class UsageError extends Error {}

export interface ParsedArgs {
  command: string | null;
  positionals: string[];
  flags: Map<string, string | true>;
}

/** Flags that take no value, for every command. */
export const GLOBAL_SWITCHES: ReadonlySet<string> = new Set(["json", "help", "fail-on-warn", "no-color"]);

/** `known`: flags that take a value; `commandSwitches`: commands' own flags that take none (`--dead`). */
export function parseArgs(argv: string[], known: ReadonlySet<string>, commandSwitches: ReadonlySet<string> = new Set()): ParsedArgs {
  const switches = new Set([...GLOBAL_SWITCHES, ...commandSwitches]);
  const flags = new Map<string, string | true>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "-h") {
      flags.set("help", true);
      continue;
    }
    if (!arg.startsWith("--")) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    if (!known.has(name) && !switches.has(name)) throw new UsageError(`Unknown option --${name}.`);
    if (switches.has(name)) {
      if (eq !== -1) throw new UsageError(`--${name} takes no value.`);
      flags.set(name, true);
      continue;
    }
    const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined || value === "" || (eq === -1 && value.startsWith("--"))) throw new UsageError(`--${name} needs a value.`);
    flags.set(name, value);
  }
  return { command: positionals.shift() ?? null, positionals, flags };
}

export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const value = args.flags.get(name);
  return typeof value === "string" ? value : undefined;
}

export function intFlag(args: ParsedArgs, name: string, min: number, max: number): number | undefined {
  const value = stringFlag(args, name);
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}.`);
  return Number(value);
}
