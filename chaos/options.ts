/**
 * Command line of `npm run chaos`:
 *   --seconds N      how long shoppers run (default: the profile's)
 *   --seed N         replay a run's plan (default: a new seed, printed)
 *   --profile NAME   `full` (default, 120 s) or `short` (CI: under 3 minutes in all)
 *   --concurrency N  shoppers at once (default: the profile's)
 *   --crashes N      SIGKILLs of the server during the run (at least 5)
 *   --plan-only      print the plan's digest and first steps, run nothing
 *   --keep           keep the server's state folder even when the run is clean
 */
export interface Profile {
  name: "full" | "short";
  seconds: number;
  concurrency: number;
  crashes: number;
  /** The most the settle phase waits for short deadlines (ttl_minutes: 1) to pass. */
  settleMaxSeconds: number;
  /** After the deadlines and the cron run: how long every checkout gets to end or lock. */
  terminalBoundSeconds: number;
  flashShoppers: number;
  flashUnits: number;
}

export const PROFILES: Record<Profile["name"], Profile> = {
  full: { name: "full", seconds: 120, concurrency: 14, crashes: 6, settleMaxSeconds: 80, terminalBoundSeconds: 45, flashShoppers: 24, flashUnits: 8 },
  short: { name: "short", seconds: 45, concurrency: 10, crashes: 5, settleMaxSeconds: 65, terminalBoundSeconds: 30, flashShoppers: 16, flashUnits: 6 },
};

export interface ChaosOptions {
  profile: Profile;
  seed: number;
  planOnly: boolean;
  keep: boolean;
}

export function parseOptions(argv: string[]): ChaosOptions {
  const args = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("--")) throw new Error(`Unexpected argument ${arg}`);
    const [name, inline] = arg.slice(2).split("=", 2) as [string, string | undefined];
    const value = inline ?? (argv[i + 1] && !argv[i + 1]!.startsWith("--") ? argv[++i]! : true);
    args.set(name, value);
  }
  const known = new Set(["seconds", "seed", "profile", "concurrency", "crashes", "plan-only", "keep"]);
  for (const name of args.keys()) if (!known.has(name)) throw new Error(`Unknown option --${name}`);
  const number = (name: string, min: number, max: number): number | undefined => {
    const raw = args.get(name);
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (raw === true || !Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} takes a whole number from ${min} to ${max}`);
    return n;
  };
  const profileName = args.get("profile") ?? "full";
  if (profileName !== "full" && profileName !== "short") throw new Error("--profile is full or short");
  const base = PROFILES[profileName];
  const seed = number("seed", 0, 2 ** 32 - 1);
  return {
    profile: {
      ...base,
      seconds: number("seconds", 10, 3_600) ?? base.seconds,
      concurrency: number("concurrency", 1, 64) ?? base.concurrency,
      crashes: number("crashes", 5, 100) ?? base.crashes,
    },
    seed: seed ?? (Date.now() ^ (process.pid << 8)) >>> 0,
    planOnly: args.has("plan-only"),
    keep: args.has("keep"),
  };
}
