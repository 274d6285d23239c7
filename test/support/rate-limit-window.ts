/**
 * The Rate Limiting binding counts in windows aligned to the wall clock (the local runtime
 * keys them by epoch), so a test that counts attempts must run inside one window: if less
 * than `neededMs` of the current 60 s window is left, wait for the next.
 */
export const RATE_LIMIT_WINDOW_MS = 60_000;

export async function insideOneRateLimitWindow(neededMs: number): Promise<void> {
  const left = RATE_LIMIT_WINDOW_MS - (Date.now() % RATE_LIMIT_WINDOW_MS);
  if (left < neededMs) await new Promise((resolve) => setTimeout(resolve, left + 100));
}
