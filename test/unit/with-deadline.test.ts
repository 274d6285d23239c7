import { describe, expect, it } from "vitest";
import { withDeadline } from "../../src/lib/with-deadline";

describe("withDeadline", () => {
  it("answers with the work's result when it settles in time", async () => {
    await expect(withDeadline(1_000, "quick", async () => "done")).resolves.toBe("done");
  });

  it("passes the work's own failure through unchanged", async () => {
    await expect(withDeadline(1_000, "failing", async () => Promise.reject(new TypeError("fetch failed")))).rejects.toThrow(TypeError);
  });

  it("settles with a TimeoutError and aborts the work when the work never settles", async () => {
    let seen: AbortSignal | null = null;
    const started = Date.now();
    const outcome = withDeadline(50, "GET /stuck", (signal) => {
      seen = signal;
      return new Promise<never>(() => {}); // a fetch that ignores its signal
    });
    await expect(outcome).rejects.toMatchObject({ name: "TimeoutError", message: "GET /stuck did not finish within 0.05 s" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(40);
    expect(seen!.aborted).toBe(true);
  });
});
