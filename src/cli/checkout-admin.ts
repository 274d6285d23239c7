/**
 * `checkout-admin`: the operators' CLI for the admin API. `checkout-admin --help` lists
 * the commands, `checkout-admin <command> --help` explains one; the exit codes are in
 * command.ts (EXIT). Every command takes --url and --token (or CHECKOUT_ADMIN_URL /
 * CHECKOUT_ADMIN_TOKEN) and --json for the raw answer.
 */
import { ApiError, ConnectionError, createAdminClient } from "./admin-client.ts";
import { checkCommandLine, flag, parseCommandLine, stringOption, UsageError, type CommandLine } from "./cli-args.ts";
import { EXIT, type Command, type Io } from "./command.ts";
import { catalogCommands } from "./commands/catalog-commands.ts";
import { eventCommands } from "./commands/event-commands.ts";
import { healthCommands } from "./commands/health-commands.ts";
import { lockCommands } from "./commands/lock-commands.ts";
import { orderCommands } from "./commands/order-commands.ts";
import { show } from "./commands/show-command.ts";
import { commandHelp, groupHelp, overviewHelp } from "./help.ts";
import { localeFromEnvironment } from "./locale.ts";
import { painter } from "./text-table.ts";
import { VERSION } from "./version.ts";

export { EXIT } from "./command.ts";

export const COMMANDS: readonly Command[] = [...healthCommands, ...lockCommands, ...orderCommands, ...eventCommands, show, ...catalogCommands];

const DEFAULT_URL = "http://127.0.0.1:8787";

export interface MainIo {
  out(text: string): void;
  err(text: string): void;
  progress?: Io["progress"];
  confirm?: Io["confirm"];
}

export async function main(argv: string[], env: Record<string, string | undefined>, io: MainIo, colour: boolean): Promise<number> {
  const overview = overviewHelp(COMMANDS, VERSION);
  let line: CommandLine;
  try {
    line = parseCommandLine(argv, COMMANDS);
    if (flag(line.options, "version")) {
      io.out(VERSION);
      return EXIT.ok;
    }
    // `checkout-admin locks --help` and `checkout-admin help locks` alike.
    const helpWord = !line.command && !line.group && line.positionals[0] === "help";
    if (flag(line.options, "help") || helpWord) {
      const asked = helpWord
        ? parseCommandLine(
            argv.filter((a) => a !== "help"),
            COMMANDS,
          )
        : line;
      io.out(asked.command ? commandHelp(asked.command) : asked.group ? groupHelp(asked.group, COMMANDS) : overview);
      return EXIT.ok;
    }
    if (line.group && !line.command) {
      const verb = line.positionals[0];
      throw new UsageError(
        `${verb === undefined ? `${line.group} needs a subcommand` : `Unknown command "${line.group} ${verb}"`}.\n\n${groupHelp(line.group, COMMANDS)}`,
      );
    }
    if (!line.command) {
      const word = argv.find((a) => !a.startsWith("-"));
      throw new UsageError(`${word === undefined ? "Name a command." : `Unknown command "${word}".`}\n\n${overview}`);
    }
    checkCommandLine(line as CommandLine & { command: Command });
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(error.message);
    return EXIT.usage;
  }

  const command = line.command;
  const url = stringOption(line.options, "url") ?? env.CHECKOUT_ADMIN_URL ?? DEFAULT_URL;
  const token = stringOption(line.options, "token") ?? env.CHECKOUT_ADMIN_TOKEN;
  const full: Io = {
    out: io.out,
    err: io.err,
    paint: painter(colour && !flag(line.options, "no-color")),
    locale: localeFromEnvironment(env),
    progress: io.progress ?? (() => {}),
    confirm: io.confirm ?? null,
  };
  try {
    if (!token) throw new UsageError("No admin token: pass --token or set CHECKOUT_ADMIN_TOKEN (npm start prints the local one).");
    const client = createAdminClient(url, token);
    return await command.run({ client, options: line.options, positionals: line.positionals, io: full, json: flag(line.options, "json") });
  } catch (error) {
    full.progress(null);
    if (error instanceof UsageError) {
      io.err(`${error.message}\n(checkout-admin ${command.name} --help explains it.)`);
      return EXIT.usage;
    }
    if (error instanceof ConnectionError) {
      io.err(`checkout-admin: ${error.message}`);
      return EXIT.unreachable;
    }
    if (error instanceof ApiError) {
      io.err(`checkout-admin: ${error.status} ${error.code}: ${error.message}`);
      return error.status === 400 ? EXIT.usage : EXIT.failed;
    }
    throw error;
  }
}
