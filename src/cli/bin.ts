/** The process around `main`: stdout/stderr, colour, progress and the prompt on a terminal, the exit code. */
import { createInterface } from "node:readline/promises";
import { EXIT, main } from "./checkout-admin.ts";

async function ask(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^(y|yes)$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

const progressShown = { on: false };
function progress(text: string | null): void {
  if (!process.stderr.isTTY) return;
  if (text === null) {
    if (progressShown.on) process.stderr.write("\r\x1b[K");
    progressShown.on = false;
    return;
  }
  process.stderr.write(`\r\x1b[K${text}`);
  progressShown.on = true;
}

const colour = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
main(
  process.argv.slice(2),
  process.env,
  { out: (t) => console.log(t), err: (t) => console.error(t), progress, confirm: process.stdin.isTTY ? ask : null },
  colour,
).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(`checkout-admin: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = EXIT.failed;
  },
);
