/** Help and version: `checkout-admin locks --help` explains locks, not the whole tool. */
import { describe, expect, it } from "vitest";
import { COMMANDS } from "../../../src/cli/checkout-admin.ts";
import pkg from "../../../package.json" with { type: "json" };
import { runCli } from "./fake-admin-api.ts";

describe("checkout-admin help", () => {
  it("prints each command's own help, with each of its options, for --help, -h and help NAME", async () => {
    for (const command of COMMANDS) {
      const run = await runCli([...command.name.split(" "), "--help"]);
      expect(run.code, command.name).toBe(0);
      expect(run.stdout.split("\n")[0]).toBe(`Usage: checkout-admin ${command.name}${command.usage ? ` ${command.usage}` : ""}`);
      for (const option of Object.keys(command.options)) expect(run.stdout, `${command.name} --${option}`).toContain(`--${option}`);
      expect(run.stdout).not.toContain("Commands:");
    }
    expect((await runCli(["help", "stock", "set"])).stdout).toMatch(/^Usage: checkout-admin stock set VARIANT_ID ON_HAND/);
    expect((await runCli(["locks", "-h"])).stdout).toMatch(/^Usage: checkout-admin locks /);
  });

  it("prints the overview with every command and the exit codes", async () => {
    const run = await runCli(["--help"]);
    expect(run.code).toBe(0);
    for (const command of COMMANDS) expect(run.stdout).toContain(`  ${command.name} `);
    expect(run.stdout).toMatch(/Exit codes:\n {2}0 {2}ok\n {2}1 .*\n.*\n {2}2 {2}usage error.*\n {2}3 {2}cannot talk/);
  });

  it("lists a group's verbs when the verb is missing or unknown (a usage error)", async () => {
    const run = await runCli(["stock"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^stock needs a subcommand\.\n\nUsage: checkout-admin stock <get\|set>/);
    expect((await runCli(["stock", "--help"])).stdout).toMatch(/^Usage: checkout-admin stock <get\|set>/);
    expect((await runCli(["stock", "drop"])).stderr).toMatch(/^Unknown command "stock drop"/);
  });

  it("prints the package's version", async () => {
    const run = await runCli(["--version"]);
    expect(run).toMatchObject({ code: 0, stdout: pkg.version });
  });

  it("answers an unknown command or none with the overview on stderr and exit 2", async () => {
    for (const argv of [["lockz"], []]) {
      const run = await runCli(argv);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe("");
      expect(run.stderr).toMatch(argv.length ? /^Unknown command "lockz"/ : /^Name a command/);
      expect(run.stderr).toContain("Commands:");
    }
  });
});
