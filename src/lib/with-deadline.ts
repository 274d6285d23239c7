/**
 * Runs `work` with an abort signal and settles within `ms` whatever the work does: a
 * plain ref'd timer aborts it and, should the abort not end it, rejects on its own
 * (a `TimeoutError` naming `what`). Node's fetch can stay pending for good when the
 * server is killed under it — its `AbortSignal.timeout` never fired in a chaos run, and
 * the harness waited on it until CI's limit. Used by the CLI, the harnesses and e2e.
 */
export async function withDeadline<T>(ms: number, what: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer!: ReturnType<typeof setTimeout>; // set at once: a promise executor runs synchronously
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new Error(`${what} did not finish within ${ms / 1_000} s`);
      error.name = "TimeoutError";
      controller.abort(error);
      reject(error);
    }, ms);
  });
  const running = work(controller.signal);
  running.catch(() => {}); // the loser of the race must not surface as an unhandled rejection
  try {
    return await Promise.race([running, expired]);
  } finally {
    clearTimeout(timer);
  }
}
