/** The CLI's command line: which command, which options it takes, and usage errors that name the mistake. */
import { describe, expect, it } from "vitest";
import { allOptions, checkCommandLine, parseCommandLine, UsageError, wholeNumber } from "../../../src/cli/cli-args.ts";
import { COMMANDS } from "../../../src/cli/checkout-admin.ts";
import type { Command } from "../../../src/cli/command.ts";

const parse = (argv: string[]) => parseCommandLine(argv, COMMANDS);
const check = (argv: string[]) => {
  const line = parse(argv);
  if (!line.command) throw new Error("no command");
  checkCommandLine(line as typeof line & { command: Command });
  return line;
};

describe("checkout-admin command line", () => {
  it("finds one-word and two-word commands and keeps the rest as arguments", () => {
    expect(parse(["release", "chk_1", "--yes"])).toMatchObject({ command: { name: "release" }, positionals: ["chk_1"], options: { yes: true } });
    expect(parse(["stock", "set", "var_1", "5"])).toMatchObject({ command: { name: "stock set" }, positionals: ["var_1", "5"] });
    expect(parse(["stock"])).toMatchObject({ command: null, group: "stock", positionals: [] });
    expect(parse(["stock", "drop"])).toMatchObject({ command: null, group: "stock", positionals: ["drop"] });
    expect(parse(["--url", "http://x", "locks"])).toMatchObject({ command: { name: "locks" }, options: { url: "http://x" } });
  });

  it("takes --flag value, --flag=value, repeated options and -y", () => {
    const line = check(["refund", "ord_1", "--line=l1:2", "--line", "l2:1", "-y", "--amount", "300"]);
    expect(line.options).toMatchObject({ line: ["l1:2", "l2:1"], yes: true, amount: "300" });
  });

  it("refuses unknown options, options of other commands, missing and empty values", () => {
    expect(() => parse(["locks", "--stat", "x"])).toThrow(new UsageError("Unknown option --stat."));
    expect(() => check(["locks", "--amount", "3"])).toThrow(new UsageError("locks takes no --amount."));
    expect(() => parse(["locks", "--state"])).toThrow(new UsageError("--state needs a value."));
    expect(() => parse(["locks", "--state", "--json"])).toThrow(new UsageError("--state needs a value."));
    expect(() => check(["locks", "--state="])).toThrow(new UsageError("--state needs a value."));
    expect(() => parse(["locks", "--json=yes"])).toThrow(new UsageError("--json takes no value."));
  });

  it("counts arguments", () => {
    expect(() => check(["locks", "extra"])).toThrow(/locks takes no argument: "extra"/);
    expect(() => check(["release"])).toThrow(/release needs more: checkout-admin release ID/);
    expect(() => check(["release", "a", "b"])).toThrow(/at most 1 argument: "b"/);
    expect(() => check(["stock", "set", "var_1"])).toThrow(/checkout-admin stock set VARIANT_ID ON_HAND/);
  });

  it("gives one option one meaning across commands (so one parser serves them all)", () => {
    expect(() => allOptions(COMMANDS)).not.toThrow();
    const clash: Command = { ...COMMANDS[0]!, name: "x", options: { state: { type: "boolean", help: "" } } };
    expect(() => allOptions([...COMMANDS, clash])).toThrow(/--state is declared differently/);
  });

  it("reads whole numbers within bounds only", () => {
    expect(wholeNumber("25", "N", 0, 100)).toBe(25);
    for (const bad of ["-1", "1.5", "1e2", "+3", "", "101", " 5"]) expect(() => wholeNumber(bad, "N", 0, 100), bad).toThrow(UsageError);
  });
});
