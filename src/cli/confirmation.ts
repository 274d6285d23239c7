/**
 * Changes an operator cannot take back (release, refund, cancel) ask first on a
 * terminal; `--yes` answers for scripts. With no terminal to ask and no --yes, the CLI
 * refuses instead of guessing: a script must say what it means.
 */
import { flag, UsageError } from "./cli-args.ts";
import type { CommandContext, OptionSpec } from "./command.ts";

export const YES_OPTION: Record<string, OptionSpec> = {
  yes: { type: "boolean", short: "y", help: "do it without asking (for scripts; needed when stdin is not a terminal)" },
};

/** True to go ahead; false when the operator answered no. */
export async function confirmed({ options, io }: CommandContext, question: string | (() => Promise<string>)): Promise<boolean> {
  if (flag(options, "yes")) return true;
  if (!io.confirm) throw new UsageError("This changes things and stdin is not a terminal to ask on: pass --yes to go ahead.");
  const text = typeof question === "string" ? question : await question();
  return io.confirm(text);
}
