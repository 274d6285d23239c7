/**
 * Command-line arguments of `checkout-admin`, parsed by node:util's parseArgs (no
 * dependency: the built CLI runs on plain Node). Options of every command are known to
 * the parser, so a typo is an error, and an option another command takes is refused by
 * name: a mistyped flag never silently runs a different query.
 */
import { parseArgs } from "node:util";
import type { Command, OptionSpec, OptionValues } from "./command.ts";

export class UsageError extends Error {}

export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  url: { type: "string", value: "URL", help: "the Worker (default $CHECKOUT_ADMIN_URL or http://127.0.0.1:8787)" },
  token: { type: "string", value: "TOKEN", help: "the admin token (default $CHECKOUT_ADMIN_TOKEN; npm start prints the local one)" },
  json: { type: "boolean", help: "print the API's JSON instead of tables" },
  "no-color": { type: "boolean", help: "no colours (also when NO_COLOR is set or output is not a terminal)" },
  help: { type: "boolean", short: "h", help: "help (of a command: checkout-admin locks --help)" },
  version: { type: "boolean", help: "print the version" },
};

export interface CommandLine {
  /** null: no command named (or only a group, see `group`). */
  command: Command | null;
  /** The first word when it names a group but no verb followed (`checkout-admin stock`). */
  group: string | null;
  options: OptionValues;
  positionals: string[];
}

/** Every option of every command, so the parser knows which take a value. One name has one type everywhere. */
export function allOptions(commands: readonly Command[]): Record<string, OptionSpec> {
  const all: Record<string, OptionSpec> = { ...GLOBAL_OPTIONS };
  for (const command of commands) {
    for (const [name, spec] of Object.entries(command.options)) {
      const known = all[name];
      if (known && (known.type !== spec.type || Boolean(known.multiple) !== Boolean(spec.multiple) || known.short !== spec.short)) {
        throw new Error(`--${name} is declared differently by two commands`);
      }
      all[name] = spec;
    }
  }
  return all;
}

export function parseCommandLine(argv: string[], commands: readonly Command[]): CommandLine {
  const specs = allOptions(commands);
  let parsed: { values: OptionValues; positionals: string[] };
  try {
    parsed = parseArgs({
      args: argv,
      options: Object.fromEntries(
        Object.entries(specs).map(([name, s]) => [name, { type: s.type, ...(s.multiple ? { multiple: true } : {}), ...(s.short ? { short: s.short } : {}) }]),
      ),
      allowPositionals: true,
      strict: true,
    }) as { values: OptionValues; positionals: string[] };
  } catch (error) {
    throw new UsageError(parseErrorMessage(error));
  }
  const words = parsed.positionals;
  const byName = new Map(commands.map((c) => [c.name, c]));
  const two = words.length >= 2 ? byName.get(`${words[0]} ${words[1]}`) : undefined;
  const one = words.length >= 1 ? byName.get(words[0]!) : undefined;
  const command = two ?? one ?? null;
  const group = !command && words[0] !== undefined && commands.some((c) => c.name.startsWith(`${words[0]} `)) ? words[0]! : null;
  const positionals = words.slice(command ? command.name.split(" ").length : group ? 1 : 0);
  return { command, group, options: parsed.values, positionals };
}

/** Refuses options the command does not take, empty values and a wrong number of arguments. */
export function checkCommandLine(line: CommandLine & { command: Command }): void {
  const { command, options, positionals } = line;
  for (const [name, value] of Object.entries(options)) {
    if (value === undefined) continue;
    if (!(name in command.options) && !(name in GLOBAL_OPTIONS)) throw new UsageError(`${command.name} takes no --${name}.`);
    const values = Array.isArray(value) ? value : [value];
    if (values.some((v) => v === "")) throw new UsageError(`--${name} needs a value.`);
  }
  const [min, max] = command.args;
  if (positionals.length > max)
    throw new UsageError(
      `${command.name} takes ${max === 0 ? "no argument" : `at most ${max} argument${max === 1 ? "" : "s"}`}: "${positionals[max]}" is one too many.`,
    );
  if (positionals.length < min) throw new UsageError(`${command.name} needs more: checkout-admin ${command.name} ${command.usage}`);
}

function parseErrorMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string }).code;
  const option = /'(-{1,2}[^' ]+)/.exec(message)?.[1] ?? "";
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") return `Unknown option ${option}.`;
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE")
    return message.includes("does not take an argument") ? `${option} takes no value.` : `${option} needs a value.`;
  return message;
}

export function stringOption(options: OptionValues, name: string): string | undefined {
  const value = options[name];
  return typeof value === "string" ? value : undefined;
}

export function listOption(options: OptionValues, name: string): string[] {
  const value = options[name];
  return Array.isArray(value) ? value : typeof value === "string" ? [value] : [];
}

export function flag(options: OptionValues, name: string): boolean {
  return options[name] === true;
}

/** A whole number within bounds, from an option or an argument (`what` names it in the error). */
export function wholeNumber(value: string, what: string, min: number, max: number): number {
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) throw new UsageError(`${what} must be a whole number from ${min} to ${max}.`);
  return Number(value);
}

export function intOption(options: OptionValues, name: string, min: number, max: number): number | undefined {
  const value = stringOption(options, name);
  return value === undefined ? undefined : wholeNumber(value, `--${name}`, min, max);
}
