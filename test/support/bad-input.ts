/**
 * Bad input for the fuzz tests: fast-check generators of values and requests a route
 * must refuse (malformed JSON, wrong types, huge, negative and fractional numbers,
 * unicode and overlong strings, missing and extra fields, wrong content types), and
 * the check that a refusal is the docs/contract.md envelope with a 4xx status.
 */
import fc from "fast-check";
import { expect } from "vitest";
import type { Res } from "./api";

export const MAX_BODY_BYTES = 64 * 1024;

/** A refusal: 4xx (never 5xx, never 2xx), JSON, `{error: {code, message, details?}}`. */
export function expectRefusal(res: Res, label: string): void {
  expect(res.status, `${label}: status (body ${JSON.stringify(res.body)?.slice(0, 300)})`).toBeGreaterThanOrEqual(400);
  expect(res.status, `${label}: status (body ${JSON.stringify(res.body)?.slice(0, 300)})`).toBeLessThan(500);
  expectErrorEnvelope(res, label);
}

/** The docs/contract.md error envelope and nothing else, as JSON. */
export function expectErrorEnvelope(res: Res, label: string): void {
  expect(res.headers.get("content-type") ?? "", `${label}: content type`).toMatch(/^application\/json/);
  expect(res.body, `${label}: envelope`).toMatchObject({ error: { code: expect.stringMatching(/^[a-z][a-z0-9_]*$/), message: expect.any(String) } });
  expect(Object.keys(res.body), `${label}: nothing beside error`).toEqual(["error"]);
  const details = res.body.error.details;
  if (details !== undefined) expect(typeof details === "object" && details !== null && !Array.isArray(details), `${label}: details`).toBe(true);
}

// ------------------------------------------------------------------ values

/** JSON values of the other kinds than the one a field wants. */
export const notANumber = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 2 }),
  fc.constant({}),
  fc.constant("1"),
);
export const notAString = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 2 }),
  fc.constant({}),
);
export const notABoolean = fc.oneof(fc.constantFrom("true", "false", 0, 1, null, "yes"), fc.constant([]), fc.constant({}));

/** Numbers no integer field in [min, max] accepts: out of range, fractional, huge, or not numbers. */
export function badInteger(min: number, max: number): fc.Arbitrary<unknown> {
  return fc.oneof(
    notANumber,
    fc.integer({ min: -1_000_000_000, max: min - 1 }),
    fc.integer({ min: max + 1, max: max + 1_000_000_000 }),
    fc.double({ min: min - 10, max: max + 10, noNaN: true, noDefaultInfinity: true }).filter((n) => !Number.isInteger(n)),
    fc.constantFrom(1e21, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, -Number.MAX_SAFE_INTEGER - 2, 0.5, -0.5, 1.0000001, min - 1, max + 1),
  );
}

/** Whether a query parameter read with z.coerce.number().int() in [min, max] takes `value` (Number(): "+5", "1e1", " 7 " too). */
export function coercesToIntegerIn(value: string, min: number, max: number): boolean {
  const n = Number(value);
  return Number.isInteger(n) && n >= min && n <= max;
}

/** Strings past `maxLength` (ASCII and unicode) and things that are not strings. */
export function badString(maxLength: number, options: { allowEmpty?: boolean } = {}): fc.Arbitrary<unknown> {
  return fc.oneof(
    notAString,
    // Too long even after trimming: most of these fields trim before they count.
    fc.string({ minLength: maxLength + 1, maxLength: maxLength + 64 }).filter((s) => s.trim().length > maxLength),
    fc.string({ unit: "grapheme", minLength: maxLength + 1, maxLength: maxLength + 16 }).filter((s) => s.trim().length > maxLength),
    fc.constant("x".repeat(Math.min(maxLength * 10, 20_000) + 1)),
    ...(options.allowEmpty ? [] : [fc.constant("")]),
  );
}

/** Strings that do not match `pattern` (unicode, spaces, symbols, control characters). */
export function nonMatching(pattern: RegExp, maxLength = 16): fc.Arbitrary<string> {
  return fc
    .oneof(
      fc.string({ maxLength }),
      fc.string({ unit: "grapheme", maxLength }),
      fc.string({ unit: "binary", maxLength }),
      fc.constantFrom("", " ", "\u0000", "e\u0301", "🛒", "Ünïcödé", "1; DROP TABLE carts", "<script>", "../..", "%00"),
    )
    .filter((s) => !pattern.test(s));
}

/** A raw number literal JSON.parse turns into Infinity or a rounded huge value. */
export const hugeNumberLiteral = fc.constantFrom("1e999", "-1e999", "123456789012345678901234567890", "1e21", "9007199254740993", "-0.0000000000000000001");

// ---------------------------------------------------------------- requests

export interface RawBody {
  /** The bytes to send, already encoded. */
  raw: string;
  contentType?: string;
  label: string;
}

/** Bodies that are not JSON at all. */
export const malformedJson: fc.Arbitrary<RawBody> = fc
  .oneof(
    fc.constantFrom(
      "{",
      "}",
      "[",
      '{"a":',
      '{"a":1,}',
      "{'a':1}",
      "nul",
      "tru",
      "{a:1}",
      '{"a":1}{',
      '{"a":"\\u12"}',
      "NaN",
      "undefined",
      '"unterminated',
      "\u0000",
      "{}}",
      "[1,2",
    ),
    fc.string({ maxLength: 40 }),
  )
  .filter((raw) => {
    try {
      JSON.parse(raw);
      return false;
    } catch {
      return true;
    }
  })
  .map((raw) => ({ raw, label: `malformed JSON ${JSON.stringify(raw)}` }));

/** Valid JSON whose top level is not an object. */
export const nonObjectJson: fc.Arbitrary<RawBody> = fc
  .oneof(fc.integer(), fc.string({ maxLength: 10 }), fc.boolean(), fc.constant(null), fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }))
  .map((value) => ({ raw: JSON.stringify(value), label: `top-level ${JSON.stringify(value)}` }));

/** Content types that are not JSON (and none at all). */
export const wrongContentType = fc.constantFrom(
  undefined,
  "text/plain",
  "text/html",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "application/xml",
  "application/octet-stream",
  "application/jsonx",
  "json",
);

/** Authorization headers that carry no usable bearer token. */
export const malformedAuthorization = fc.constantFrom(
  "",
  "Bearer",
  "Bearer ",
  "Basic dXNlcjpwYXNz",
  "bearer",
  "Token abc",
  `Bearer ${"a".repeat(600)}`,
  "Bearer a b",
  "Bearer\ttoken\tx",
);

/** Idempotency-Key values outside 1..255 characters (header-safe). */
export const badIdempotencyKey = fc.oneof(
  fc.constant(""),
  fc.string({ unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789-"), minLength: 256, maxLength: 400 }),
);

/** A body over the 64 KiB limit, as valid JSON so only its size is wrong. */
export function oversizedJson(base: Record<string, unknown> = {}): string {
  return JSON.stringify({ ...base, padding: "x".repeat(MAX_BODY_BYTES + 1) });
}

/** The same bytes as a stream without a Content-Length (chunked), so the limit must count. */
export function streamOf(text: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  const chunk = 8 * 1024;
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + chunk));
      offset += chunk;
    },
  });
}

/** JSON text of `body` with the value at `key` swapped for a raw literal (e.g. 1e999). */
export function withRawValue(body: Record<string, unknown>, key: string, literal: string): string {
  const marker = "__raw_value_marker__";
  return JSON.stringify({ ...body, [key]: marker }).replace(`"${marker}"`, literal);
}

/**
 * The fuzz tests' run settings: each case is a few Worker round trips, so stop at the
 * first failure instead of shrinking through dozens more (the counterexample is printed
 * as found), with a timeout generous enough for a small CI machine.
 */
export const FUZZ_OPTIONS = { numRuns: 40, endOnFailure: true } as const;
export const FUZZ_TIMEOUT_MS = 120_000;
/** Currencies the migrations create: a code of three capitals must avoid them to be invalid. */
export const SUPPORTED_CURRENCIES: ReadonlySet<string> = new Set(["USD", "EUR", "GBP", "JPY", "CAD", "AUD"]);
