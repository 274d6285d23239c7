/** The help texts: the overview (`checkout-admin --help`), a group's and one command's (`checkout-admin locks --help`). */
import { GLOBAL_OPTIONS } from "./cli-args.ts";
import { EXIT_CODES_HELP, type Command, type OptionSpec } from "./command.ts";

function optionLines(options: Record<string, OptionSpec>): string[] {
  const rows = Object.entries(options).map(([name, o]) => {
    const left = `${o.short ? `-${o.short}, ` : ""}--${name}${o.value ? ` ${o.value}` : ""}${o.multiple ? " …" : ""}`;
    return [left, o.help] as const;
  });
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, help]) => `  ${left.padEnd(width)}  ${help}`);
}

export function overviewHelp(commands: readonly Command[], version: string): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return `checkout-admin ${version}: the operators' CLI of Edge Checkout's admin API.

Usage: checkout-admin <command> [options]      (checkout-admin <command> --help for one)

Commands:
${commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join("\n")}

Options of every command:
${optionLines(GLOBAL_OPTIONS).join("\n")}

${EXIT_CODES_HELP}

Examples:
  checkout-admin monitor --hours 1
  checkout-admin locks --state active
  checkout-admin show chk_…
  checkout-admin release chk_… --yes
  checkout-admin stock set var_… 25
  checkout-admin orders --all --csv > orders.csv
  checkout-admin redeliver --dead`;
}

export function groupHelp(group: string, commands: readonly Command[]): string {
  const members = commands.filter((c) => c.name.startsWith(`${group} `));
  const width = Math.max(...members.map((c) => c.name.length));
  return `Usage: checkout-admin ${group} <${members.map((c) => c.name.slice(group.length + 1)).join("|")}> …

${members.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join("\n")}

checkout-admin ${members[0]?.name ?? group} --help for one of them.`;
}

const sentence = (text: string) => text[0]!.toUpperCase() + text.slice(1) + (/[.…]$/.test(text) ? "" : ".");

export function commandHelp(command: Command): string {
  const own = Object.keys(command.options).length ? ["", "Options:", ...optionLines(command.options)] : [];
  return [
    `Usage: checkout-admin ${command.name}${command.usage ? ` ${command.usage}` : ""}`,
    "",
    sentence(command.summary),
    ...(command.details ? ["", command.details] : []),
    ...own,
    "",
    "Options of every command: --url URL, --token TOKEN, --json, --no-color, --help (checkout-admin --help).",
    ...(command.examples?.length ? ["", "Examples:", ...command.examples.map((e) => `  ${e}`)] : []),
    "",
    EXIT_CODES_HELP,
  ].join("\n");
}
