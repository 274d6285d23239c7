/**
 * What the storefront and admin fuzz share: a case's requests (`Kind`: what is wrong, and
 * the values fast-check makes for it), the ways a JSON body can be wrong around a valid
 * one, and the check that a case got its one answer and changed nothing.
 */
import fc from "fast-check";
import { expect, it } from "vitest";
import type { Res, TestCart } from "./api";
import {
  badIdempotencyKey,
  expectRefusal,
  FUZZ_TIMEOUT_MS,
  hugeNumberLiteral,
  malformedAuthorization,
  malformedJson,
  nonObjectJson,
  oversizedJson,
  streamOf,
  withRawValue,
  wrongContentType,
} from "./bad-input";
import { stateFingerprint } from "./state-fingerprint";
import { workerFetch } from "./worker-fetch";

export interface Built {
  path: string;
  headers: Record<string, string>;
  raw?: BodyInit;
}

/** A case's requests: what is wrong (`kind`) and the values fast-check makes, each built against the case's setting `A`. */
export interface Kind<A extends unknown[]> {
  kind: string;
  values: fc.Arbitrary<{ detail: string; build: (...a: A) => Built }>;
}

export function kindOf<A extends unknown[], T>(kind: string, arb: fc.Arbitrary<T>, detail: (v: T) => string, build: (v: T, ...a: A) => Built): Kind<A> {
  return { kind, values: arb.map((v) => ({ detail: detail(v), build: (...a: A) => build(v, ...a) })) };
}

/** A body field and the ways its value can be wrong (one case each). */
export interface Field {
  path: Array<string | number>;
  bad: Record<string, fc.Arbitrary<unknown>>;
  required?: boolean;
  /** Numeric fields also get raw literals such as 1e999 (top-level keys only). */
  numeric?: boolean;
}

export const JSON_TYPE: Record<string, string> = { "content-type": "application/json" };

/** Percent-encodes a path segment (lone surrogates, which no URL can carry, become "?"). */
export const enc = (s: string) => encodeURIComponent(s.replace(/[\uD800-\uDFFF]/g, (c, i: number) => (isPairedSurrogate(s, i) ? c : "?")));
const isPairedSurrogate = (s: string, i: number) => {
  const code = s.charCodeAt(i);
  return code <= 0xdbff ? (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00 : (s.charCodeAt(i - 1) & 0xfc00) === 0xd800;
};
/** A path segment the URL parser keeps as one (not empty, not a dot segment). */
export const safeSegment = (s: string) => s.trim() !== "" && s !== "." && s !== "..";

function edited(body: Record<string, unknown>, path: Array<string | number>, edit: (node: any, key: string | number) => void): Record<string, unknown> {
  const copy = structuredClone(body);
  let node: any = copy;
  for (const key of path.slice(0, -1)) node = node[key];
  edit(node, path.at(-1)!);
  return copy;
}
export const setAt = (body: Record<string, unknown>, path: Array<string | number>, value: unknown) =>
  edited(body, path, (node, key) => {
    node[key] = value;
  });
export const deleteAt = (body: Record<string, unknown>, path: Array<string | number>) =>
  edited(body, path, (node, key) => {
    delete node[key];
  });

/** A route's valid request, as every case breaks one thing about it. */
export interface RouteRequest<A extends unknown[]> {
  path: (...a: A) => string;
  /** The valid request's headers, without its content type. */
  headers: (...a: A) => Record<string, string>;
  /** A valid JSON body, if the route takes one. */
  body?: (...a: A) => Record<string, unknown>;
  fields?: Field[];
  /** Whether a key is one the body may carry: "an unknown field" avoids those. */
  known?: (key: string) => boolean;
  /** Path parameters: each bad value put in place by `at`. */
  params?: Array<{ name: string; bad: Record<string, fc.Arbitrary<string>>; at: (bad: string, ...a: A) => string }>;
}

/** The valid request, built. */
export function validRequest<A extends unknown[]>(r: RouteRequest<A>, ...a: A): Built {
  return { path: r.path(...a), headers: { ...r.headers(...a), ...(r.body ? JSON_TYPE : {}) }, raw: r.body ? JSON.stringify(r.body(...a)) : undefined };
}

/** A case of the valid request with one thing changed by `vary`. */
export function variedKind<A extends unknown[], T>(
  r: RouteRequest<A>,
  kind: string,
  arb: fc.Arbitrary<T>,
  detail: (v: T) => string,
  vary: (v: T, valid: Built, ...a: A) => Built,
): Kind<A> {
  return kindOf(kind, arb, detail, (v, ...a: A) => vary(v, validRequest(r, ...a), ...a));
}

/** Every way the body or a path parameter of a route can be wrong, one case each. */
export function requestKinds<A extends unknown[]>(r: RouteRequest<A>): Array<Kind<A>> {
  const kinds = r.body ? bodyKinds(r, r.body) : [];
  for (const param of r.params ?? []) {
    for (const [what, arb] of Object.entries(param.bad)) {
      kinds.push(
        variedKind(
          r,
          what,
          arb,
          (bad) => `${param.name} = ${JSON.stringify(bad).slice(0, 80)}`,
          (bad, valid, ...a: A) => ({ ...valid, path: param.at(bad, ...a) }),
        ),
      );
    }
  }
  return kinds;
}

/** The valid request without a usable bearer credential: none, or a malformed Authorization header. */
export function noCredentialsKind<A extends unknown[]>(r: RouteRequest<A>, kind: string): Kind<A> {
  return variedKind(
    r,
    kind,
    fc.option(malformedAuthorization, { nil: undefined }),
    (header) => `authorization ${JSON.stringify(header ?? "(none)")}`,
    (header, valid: Built, ..._a: A) => {
      const { authorization: _, ...headers } = valid.headers;
      return { ...valid, headers: header === undefined ? headers : { ...headers, authorization: header } };
    },
  );
}

/** The valid request under an Idempotency-Key outside 1..255 characters. */
export function badIdempotencyKeyKind<A extends unknown[]>(r: RouteRequest<A>): Kind<A> {
  return variedKind(
    r,
    "a bad Idempotency-Key",
    badIdempotencyKey,
    (key) => `idempotency-key of ${key.length} characters`,
    (key, valid: Built, ..._a: A) => ({ ...valid, headers: { ...valid.headers, "idempotency-key": key } }),
  );
}

/** Every way a JSON body can be wrong around a valid one: malformed, not an object, not JSON, too large, an unknown field, and each field's bad values. */
function bodyKinds<A extends unknown[]>(r: RouteRequest<A>, body: (...a: A) => Record<string, unknown>): Array<Kind<A>> {
  const sent = (raw: BodyInit, a: A, type: Record<string, string> = JSON_TYPE): Built => ({
    path: r.path(...a),
    headers: { ...r.headers(...a), ...type },
    raw,
  });
  const valid = (a: A) => JSON.stringify(body(...a));
  const known = r.known ?? (() => false);
  const kinds: Array<Kind<A>> = [
    // Bytes that are not JSON, and JSON whose top level is not an object.
    ...[malformedJson, nonObjectJson].map((arb, i) =>
      kindOf(
        i === 0 ? "malformed JSON" : "JSON that is not an object",
        arb,
        (m) => m.label,
        (m, ...a: A) => sent(m.raw, a),
      ),
    ),
    kindOf(
      "not a JSON content type",
      wrongContentType,
      (ct) => `content type ${ct ?? "(none)"}`,
      (ct, ...a: A) => sent(valid(a), a, ct ? { "content-type": ct } : {}),
    ),
    kindOf(
      "a body over 64 KiB",
      fc.boolean(),
      (streamed) => (streamed ? "streamed, no Content-Length" : "sized"),
      (streamed, ...a: A) => {
        const text = oversizedJson(body(...a));
        return sent(streamed ? streamOf(text) : text, a);
      },
    ),
    kindOf(
      "an unknown field",
      fc.tuple(fc.string({ minLength: 1, maxLength: 12 }), fc.jsonValue({ maxDepth: 1 })).filter(([key]) => !known(key) && key !== "__proto__"),
      ([key]) => `extra field ${JSON.stringify(key)}`,
      ([key, value], ...a: A) => sent(JSON.stringify({ ...body(...a), [key]: value }), a),
    ),
  ];
  for (const field of r.fields ?? []) {
    const name = field.path.join(".");
    for (const [what, arb] of Object.entries(field.bad)) {
      kinds.push(
        kindOf(
          `${name}: ${what}`,
          arb,
          (v) => `${name} = ${JSON.stringify(v)?.slice(0, 80)}`,
          (v, ...a: A) => sent(JSON.stringify(setAt(body(...a), field.path, v)), a),
        ),
      );
    }
    if (field.required)
      kinds.push(
        kindOf(
          `${name}: missing`,
          fc.constant(null),
          () => `no ${name}`,
          (_v, ...a: A) => sent(JSON.stringify(deleteAt(body(...a), field.path)), a),
        ),
      );
    if (field.numeric && field.path.length === 1)
      kinds.push(
        kindOf(
          `${name}: a huge number literal`,
          hugeNumberLiteral,
          (lit) => `${name} = ${lit}`,
          (lit, ...a: A) => sent(withRawValue(body(...a), String(field.path[0]), lit), a),
        ),
      );
  }
  return kinds;
}

/**
 * Runs one case: `runs` values, each sent through the Worker's fetch handler, must get
 * `answer` ("status code") in the error envelope and leave D1 and the watched carts as
 * they were. Returns the values' own settings (what fast-check picked) for statistics.
 */
export async function expectEveryAnswer<A extends unknown[]>(options: {
  method: string;
  kind: Kind<A>;
  setting: fc.Arbitrary<A>;
  answer: string;
  watched: (...a: A) => TestCart[];
  label: (...a: A) => string;
  runs: number;
  /** More to hold of each answer. */
  check?: (res: Res, where: string) => void;
  onAnswered?: (...a: A) => void;
}): Promise<void> {
  const { method, kind, answer } = options;
  await fc.assert(
    fc.asyncProperty(kind.values, options.setting, async (value, a) => {
      const watched = options.watched(...a);
      const before = await stateFingerprint(watched);
      const { path, headers, raw } = value.build(...a);
      const res = await workerFetch(method, path, { headers, raw });
      const where = `${options.label(...a)}: ${value.detail}`;
      expectRefusal(res, where);
      expect(`${res.status} ${res.body.error.code}`, `${where} (${JSON.stringify(res.body.error).slice(0, 300)})`).toBe(answer);
      expect(await stateFingerprint(watched), `${where}: state changed`).toEqual(before);
      options.check?.(res, where);
      options.onAnswered?.(...a);
    }),
    { numRuns: options.runs, endOnFailure: true },
  );
}

/** One test per route, running each of the route's cases in turn. */
export function itRunsEveryCase<R extends { name: string }, C>(routes: R[], casesOf: (route: R) => C[], run: (c: C) => Promise<void>): void {
  for (const route of routes) {
    it(
      `${route.name}: every case`,
      async () => {
        for (const c of casesOf(route)) await run(c);
      },
      FUZZ_TIMEOUT_MS,
    );
  }
}
