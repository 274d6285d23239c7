/** What every `checkout-admin` command is made of: its options, its help, and how it runs. */
import type { AdminClient } from "./admin-client.ts";
import type { Paint } from "./text-table.ts";

/** Exit codes, for scripts (printed by --help). */
export const EXIT = { ok: 0, failed: 1, usage: 2, unreachable: 3 } as const;

export const EXIT_CODES_HELP = `Exit codes:
  0  ok
  1  the check or action failed or was refused (diagnostics fail, release/refund/cancel
     refused by the server or declined at the prompt, cleanup errors)
  2  usage error, or a change asked for without --yes when stdin is not a terminal
  3  cannot talk to the admin API (URL, token, server down or failing)`;

export interface Io {
  out(text: string): void;
  err(text: string): void;
  paint: Paint;
  /** Whose conventions money is written in (BCP 47, from LC_ALL / LC_MONETARY / LANG); undefined: Intl's default. */
  locale: string | undefined;
  /** One line of progress on stderr, replacing the previous one on a terminal (null clears it). Silent when stderr is not a terminal. */
  progress(text: string | null): void;
  /** Asks a yes/no question on the terminal; null when stdin is not a terminal (no one to ask). */
  confirm: ((question: string) => Promise<boolean>) | null;
}

export interface OptionSpec {
  type: "string" | "boolean";
  multiple?: boolean;
  short?: string;
  /** The value's name in the help ("N", "ID"). */
  value?: string;
  help: string;
}

/** The options given on the command line, by name. */
export type OptionValues = Record<string, string | boolean | string[] | undefined>;

export interface CommandContext {
  client: AdminClient;
  /** Every option given, validated against the command's own (and the global) ones. */
  options: OptionValues;
  positionals: string[];
  io: Io;
  json: boolean;
}

export interface Command {
  /** One word (`locks`) or a group and a verb (`stock set`). */
  name: string;
  summary: string;
  /** What follows the name in the usage line, e.g. "ID [--yes]". */
  usage: string;
  /** How many positional arguments it takes. */
  args: [min: number, max: number];
  options: Record<string, OptionSpec>;
  /** Longer help after the usage line. */
  details?: string;
  examples?: string[];
  run(ctx: CommandContext): Promise<number>;
}
