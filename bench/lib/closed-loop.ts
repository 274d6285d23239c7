/**
 * Closed-loop load: each virtual user sends its next request only when the last one
 * answered, so the load adapts to the server instead of piling up a queue the client
 * invented. A warm-up runs first and is not measured; a sample counts only when its
 * request started and finished inside the measured window.
 */
import { performance } from "node:perf_hooks";
import { LatencyHistogram } from "./latency-histogram.ts";

export interface LoopWindow {
  warmupMs: number;
  durationMs: number;
}

export class Recorder {
  readonly histograms = new Map<string, LatencyHistogram>();
  readonly counts = new Map<string, number>();
  /** Server CPU time inside the measured window (ms), when it can be read. */
  serverCpuMs: number | null = null;
  /** Iterations that failed (an unexpected status, a dropped connection), with the first messages. */
  failures = 0;
  readonly failureMessages: string[] = [];
  constructor(
    readonly measureStart: number,
    readonly measureEnd: number,
  ) {}

  inWindow(startedAt: number, endedAt = performance.now()): boolean {
    return startedAt >= this.measureStart && endedAt <= this.measureEnd;
  }

  /** Records a latency under `name` if it lies in the measured window. */
  latency(name: string, startedAt: number, ms: number): void {
    if (!this.inWindow(startedAt, startedAt + ms)) return;
    let h = this.histograms.get(name);
    if (!h) {
      h = new LatencyHistogram();
      this.histograms.set(name, h);
    }
    h.record(ms);
  }

  /** Counts a completed unit of work (a checkout, a request) under `name`, if in the window. */
  done(name: string, startedAt: number): void {
    if (!this.inWindow(startedAt)) return;
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
  }

  count(name: string): number {
    return this.counts.get(name) ?? 0;
  }

  histogram(name: string): LatencyHistogram {
    return this.histograms.get(name) ?? new LatencyHistogram();
  }

  /** Units per second over the measured window. */
  rate(name: string): number {
    return this.count(name) / ((this.measureEnd - this.measureStart) / 1000);
  }
}

/**
 * Runs `users` loops of `iteration` for warm-up + duration. An iteration that throws is
 * counted as a failure (the scenario fails) and its user carries on after a short pause.
 */
export async function runClosedLoop(
  users: number,
  window: LoopWindow,
  iteration: (user: number, rec: Recorder) => Promise<void>,
  serverCpu: (() => number) | null = null,
): Promise<Recorder> {
  const start = performance.now();
  const rec = new Recorder(start + window.warmupMs, start + window.warmupMs + window.durationMs);
  let cpuAtStart: number | null = null;
  if (serverCpu) {
    setTimeout(() => {
      cpuAtStart = serverCpu();
    }, window.warmupMs);
    setTimeout(() => {
      if (cpuAtStart !== null) rec.serverCpuMs = serverCpu() - cpuAtStart;
    }, window.warmupMs + window.durationMs);
  }
  await Promise.all(
    Array.from({ length: users }, async (_, user) => {
      while (performance.now() < rec.measureEnd) {
        try {
          await iteration(user, rec);
        } catch (error) {
          rec.failures++;
          if (rec.failureMessages.length < 5) rec.failureMessages.push(error instanceof Error ? error.message : String(error));
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    }),
  );
  return rec;
}

/** Runs `tasks` with at most `concurrency` in flight (setup work, races). */
export async function runPool<T>(items: T[], concurrency: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        await task(items[index]!, index);
      }
    }),
  );
}
