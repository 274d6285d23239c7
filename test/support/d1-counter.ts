/**
 * Counts the D1 round trips and Durable Object storage operations the Worker makes
 * while a function runs, for the round-trip budget test (and the benchmark's scaling
 * figures, which read that test's report).
 *
 * Why it wraps prototypes: in the Workers test pool the Worker, its cart objects and
 * the tests run in one isolate, so they share the classes behind the D1 binding
 * (D1Database, D1PreparedStatement) and behind `ctx.storage`. Wrapping those classes'
 * methods while `fn` runs counts every call the routes and the saga make, through the
 * same binding they use, without a line of instrumentation in src/: nothing exists to
 * be switched on by mistake in production. Tests in a file run one at a time and the
 * alarms of a checkout lie minutes ahead, so a window holds only the calls of `fn`.
 *
 * One round trip = one awaited call to D1: `batch`, `exec`, `query`, `dump`, or a
 * statement's `run` / `all` / `first` / `raw`. Sessions (`withSession`) have their own
 * classes and would escape the count, so they are counted separately and a test can
 * insist there were none.
 */
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";

/** D1's production limit (local SQLite allows thousands, so only a count can catch it). */
export const D1_MAX_BOUND_PARAMETERS = 100;
/** D1's production limit on the statements of one batch (local D1 does not enforce it). */
export const D1_MAX_BATCH_STATEMENTS = 1_000;

export interface WorkCount {
  /** Awaited D1 calls: each batch or lone statement is one. */
  d1RoundTrips: number;
  /** SQL statements those round trips carried (a batch carries many). */
  d1Statements: number;
  /** The most parameters bound to one statement. */
  maxBoundParameters: number;
  /** The most statements sent in one batch. */
  maxBatchStatements: number;
  /** D1 sessions opened (their statements are not counted above). */
  d1Sessions: number;
  /** Cart object storage: key-value reads, writes, deletes, lists, and alarm calls. */
  storage: { get: number; put: number; delete: number; list: number; alarm: number };
  storageOps: number;
}

type AnyFn = (...args: unknown[]) => unknown;
type Patch = { target: Record<string, unknown>; name: string; original: AnyFn };

function emptyCount(): WorkCount {
  return {
    d1RoundTrips: 0,
    d1Statements: 0,
    maxBoundParameters: 0,
    maxBatchStatements: 0,
    d1Sessions: 0,
    storage: { get: 0, put: 0, delete: 0, list: 0, alarm: 0 },
    storageOps: 0,
  };
}

function wrap(patches: Patch[], target: object, names: string[], before: (name: string, args: unknown[]) => void): void {
  const methods = target as Record<string, unknown>;
  for (const name of names) {
    const original = methods[name];
    if (typeof original !== "function") continue;
    patches.push({ target: methods, name, original: original as AnyFn });
    methods[name] = function (this: unknown, ...args: unknown[]) {
      before(name, args);
      return (original as AnyFn).apply(this, args);
    };
  }
}

/**
 * Runs `fn` and returns what it cost. `cartStub` is any cart object: it is only used to
 * reach the storage classes, which every cart object shares.
 */
export async function countWork<T>(cartStub: DurableObjectStub, fn: () => Promise<T>): Promise<{ result: T; count: WorkCount }> {
  const count = emptyCount();
  const { kvProto, storageProto } = await runInDurableObject(cartStub, (_instance, state) => ({
    kvProto: Object.getPrototypeOf(state.storage.kv) as object,
    storageProto: Object.getPrototypeOf(state.storage) as object,
  }));
  const databaseProto = Object.getPrototypeOf(env.DB) as object;
  const statementProto = Object.getPrototypeOf(env.DB.prepare("SELECT 1")) as object;

  const patches: Patch[] = [];
  const bound = (params: number) => (count.maxBoundParameters = Math.max(count.maxBoundParameters, params));
  wrap(patches, databaseProto, ["batch", "exec", "query", "dump", "withSession"], (name, args) => {
    if (name === "withSession") {
      count.d1Sessions++;
      return;
    }
    count.d1RoundTrips++;
    const statements = name === "batch" ? (args[0] as unknown[]).length : 1;
    count.d1Statements += statements;
    count.maxBatchStatements = Math.max(count.maxBatchStatements, statements);
  });
  wrap(patches, statementProto, ["run", "all", "first", "raw", "bind"], (name, args) => {
    if (name === "bind") {
      bound(args.length);
      return;
    }
    count.d1RoundTrips++;
    count.d1Statements++;
  });
  wrap(patches, kvProto, ["get", "put", "delete", "list"], (name) => {
    count.storage[name as "get" | "put" | "delete" | "list"]++;
  });
  wrap(patches, storageProto, ["get", "put", "delete", "list", "deleteAll", "getAlarm", "setAlarm", "deleteAlarm"], (name) => {
    if (name.endsWith("Alarm")) count.storage.alarm++;
    else count.storage[(name === "deleteAll" ? "delete" : name) as "get" | "put" | "delete" | "list"]++;
  });
  try {
    const result = await fn();
    const s = count.storage;
    count.storageOps = s.get + s.put + s.delete + s.list + s.alarm;
    return { result, count };
  } finally {
    for (const p of patches.reverse()) p.target[p.name] = p.original;
  }
}
