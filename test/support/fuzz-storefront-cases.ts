/**
 * The storefront fuzz's cases, enumerated: every (route, what is wrong, cart state) is a
 * case of its own, run in every run, and fast-check generates only the values inside a
 * case. Each case names the one answer it must get (status and error code).
 */
import fc from "fast-check";
import type { TestCart } from "./api";
import {
  badIdempotencyKey,
  badInteger,
  badString,
  hugeNumberLiteral,
  malformedAuthorization,
  malformedJson,
  nonMatching,
  nonObjectJson,
  notAString,
  SUPPORTED_CURRENCIES,
  withRawValue,
  wrongContentType,
} from "./bad-input";

export const CODE = "FUZZ10";

export interface Target {
  cart: TestCart;
  lineId: string;
}
export type CartState = "open" | "locked";
export interface World {
  stranger: TestCart;
  variantId: string;
}

/** A way a value can be wrong, with its generator (one case each: their answers differ). */
type BadValues = Record<string, fc.Arbitrary<unknown>>;

interface Field {
  path: string[];
  bad: BadValues;
  required?: boolean;
  /** Numeric fields also get raw literals such as 1e999 (top-level keys only). */
  numeric?: boolean;
}

interface Param {
  name: string;
  bad: Record<string, fc.Arbitrary<string>>;
  at: (t: Target, w: World, bad: string) => string;
}

export interface Route {
  name: string;
  method: string;
  path: (t: Target, w: World) => string;
  /** A valid body; every case below breaks exactly one thing about the request. */
  body?: (t: Target, w: World) => Record<string, unknown>;
  fields?: Field[];
  params?: Param[];
  auth?: boolean;
  idempotent?: boolean;
}

export interface Built {
  path: string;
  headers: Record<string, string>;
  raw?: string;
}

/** One case: what is wrong (`kind`), on which cart, and the values fast-check makes for it. */
export interface Case {
  route: Route;
  kind: string;
  state: CartState;
  values: fc.Arbitrary<{ detail: string; build: (t: Target, w: World) => Built }>;
}

/** Percent-encodes a path segment (lone surrogates, which no URL can carry, become "?"). */
export const enc = (s: string) => encodeURIComponent(s.replace(/[\uD800-\uDFFF]/g, (c, i: number) => (isPairedSurrogate(s, i) ? c : "?")));
const isPairedSurrogate = (s: string, i: number) => {
  const code = s.charCodeAt(i);
  return code <= 0xdbff ? (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00 : (s.charCodeAt(i - 1) & 0xfc00) === 0xd800;
};
const safeSegment = (s: string) => s.trim() !== "" && s !== "." && s !== "..";
const badCartId = {
  "unknown cart id": fc.stringMatching(/^cart_[0-9a-hjkmnp-tv-z]{26}$/),
  "malformed cart id": nonMatching(/^cart_[0-9a-z]{26}$/, 30).filter(safeSegment),
  "overlong cart id": fc.string({ minLength: 65, maxLength: 120 }).filter(safeSegment),
};
const badLineId = {
  "unknown line id": fc.stringMatching(/^line_[0-9a-z]{26}$/),
  "malformed line id": nonMatching(/^line_/, 20).filter(safeSegment),
  "overlong line id": fc.string({ minLength: 65, maxLength: 100 }).filter(safeSegment),
};
const invalidEmail = fc.oneof(
  badString(254),
  fc.constantFrom("a", "a@", "@b.co", "a b@c.de", "a@b", "ä@ö.ü", "a@@b.co", "<a@b.co>", "a@b.co\n"),
  fc.string({ maxLength: 30 }).filter((s) => !s.includes("@")),
);
export const invalidCountry = fc.oneof(
  nonMatching(/^[A-Z]{2}$/),
  notAString.filter((v) => v !== null),
);
const invalidCurrency = fc.oneof(
  nonMatching(/^[A-Z]{3}$/),
  fc.stringMatching(/^[A-Z]{3}$/).filter((c) => !SUPPORTED_CURRENCIES.has(c)),
  notAString,
);
const malformedCode = fc.oneof(
  nonMatching(/^\s*[A-Za-z0-9_-]{1,64}\s*$/),
  fc.string({ unit: fc.constantFrom(..."ABCDEFGHJKMNPQRSTVWXYZ0123456789"), minLength: 65, maxLength: 80 }),
  notAString,
);
const unknownCode = fc.stringMatching(/^[A-Z]{4,10}[0-9]{2}$/).filter((c) => c !== CODE);

function setAt(body: Record<string, unknown>, path: string[], value: unknown): Record<string, unknown> {
  const copy = structuredClone(body);
  let node: Record<string, unknown> = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
  node[path.at(-1)!] = value;
  return copy;
}

function deleteAt(body: Record<string, unknown>, path: string[]): Record<string, unknown> {
  const copy = structuredClone(body);
  let node: Record<string, unknown> = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
  delete node[path.at(-1)!];
  return copy;
}

// Used only to learn a route's valid field names.
const placeholderTarget: Target = { cart: { id: "cart_x", token: "x", auth: {} }, lineId: "line_x" };
const placeholderWorld = { variantId: "var_x" } as World;
const JSON_TYPE: Record<string, string> = { "content-type": "application/json" };

/** Every way this route's request can be wrong, on each cart state: the enumerated cases. */
export function casesOf(route: Route): Case[] {
  const auth = (t: Target) => (route.auth === false ? {} : t.cart.auth);
  const validRaw = (t: Target, w: World) => (route.body ? JSON.stringify(route.body(t, w)) : undefined);
  const validHeaders = (t: Target) => ({ ...auth(t), ...(route.body ? JSON_TYPE : {}) });
  const kinds: Array<{ kind: string; values: Case["values"] }> = [];
  const body = <T>(
    kind: string,
    arb: fc.Arbitrary<T>,
    detail: (v: T) => string,
    raw: (v: T, t: Target, w: World) => string,
    type = (_v: T): Record<string, string> => JSON_TYPE,
  ) =>
    kinds.push({
      kind,
      values: arb.map((v) => ({ detail: detail(v), build: (t, w) => ({ path: route.path(t, w), headers: { ...auth(t), ...type(v) }, raw: raw(v, t, w) }) })),
    });

  if (route.body) {
    const valid = route.body;
    body(
      "malformed JSON",
      malformedJson,
      (m) => m.label,
      (m) => m.raw,
    );
    body(
      "JSON that is not an object",
      nonObjectJson,
      (m) => m.label,
      (m) => m.raw,
    );
    body(
      "not a JSON content type",
      wrongContentType,
      (ct) => `content type ${ct ?? "(none)"}`,
      (_ct, t, w) => JSON.stringify(valid(t, w)),
      (ct): Record<string, string> => (ct ? { "content-type": ct } : {}),
    );
    const known = new Set(Object.keys(valid(placeholderTarget, placeholderWorld)));
    body(
      "an unknown field",
      fc.tuple(fc.string({ minLength: 1, maxLength: 12 }), fc.jsonValue({ maxDepth: 1 })).filter(([key]) => !known.has(key) && key !== "__proto__"),
      ([key]) => `extra field ${JSON.stringify(key)}`,
      ([key, value], t, w) => JSON.stringify({ ...valid(t, w), [key]: value }),
    );
    for (const field of route.fields ?? []) {
      const name = field.path.join(".");
      for (const [what, arb] of Object.entries(field.bad)) {
        body(
          `${name}: ${what}`,
          arb,
          (v) => `${name} = ${JSON.stringify(v)?.slice(0, 80)}`,
          (v, t, w) => JSON.stringify(setAt(valid(t, w), field.path, v)),
        );
      }
      if (field.required)
        body(
          `${name}: missing`,
          fc.constant(null),
          () => `no ${name}`,
          (_v, t, w) => JSON.stringify(deleteAt(valid(t, w), field.path)),
        );
      if (field.numeric)
        body(
          `${name}: a huge number literal`,
          hugeNumberLiteral,
          (lit) => `${name} = ${lit}`,
          (lit, t, w) => withRawValue(valid(t, w), field.path[0]!, lit),
        );
    }
  }
  for (const param of route.params ?? []) {
    for (const [what, arb] of Object.entries(param.bad)) {
      kinds.push({
        kind: what,
        values: arb.map((bad) => ({
          detail: `${param.name} = ${JSON.stringify(bad).slice(0, 80)}`,
          build: (t, w) => ({ path: param.at(t, w, bad), headers: validHeaders(t), raw: validRaw(t, w) }),
        })),
      });
    }
  }
  if (route.auth !== false) {
    kinds.push({
      kind: "no bearer token",
      values: fc.option(malformedAuthorization, { nil: undefined }).map((header) => ({
        detail: `authorization ${JSON.stringify(header ?? "(none)")}`,
        build: (t, w) => ({
          path: route.path(t, w),
          headers: { ...(route.body ? JSON_TYPE : {}), ...(header === undefined ? {} : { authorization: header }) },
          raw: validRaw(t, w),
        }),
      })),
    });
    kinds.push({
      kind: "another cart's token",
      values: fc.constant({
        detail: "another cart's token",
        build: (t: Target, w: World) => ({ path: route.path(t, w), headers: { ...validHeaders(t), ...w.stranger.auth }, raw: validRaw(t, w) }),
      }),
    });
  }
  if (route.idempotent) {
    kinds.push({
      kind: "a bad Idempotency-Key",
      values: badIdempotencyKey.map((key) => ({
        detail: `idempotency-key of ${key.length} characters`,
        build: (t, w) => ({ path: route.path(t, w), headers: { ...validHeaders(t), "idempotency-key": key }, raw: validRaw(t, w) }),
      })),
    });
  }
  const states: CartState[] = route.auth === false ? ["open"] : ["open", "locked"];
  return states.flatMap((state) => kinds.map((k) => ({ route, kind: k.kind, state, values: k.values })));
}

const cartPath =
  (suffix = "") =>
  (t: Target) =>
    `/v1/carts/${t.cart.id}${suffix}`;
const cartIdParam = (suffix = "") => ({ name: "cart id", bad: badCartId, at: (_t: Target, _w: World, bad: string) => `/v1/carts/${enc(bad)}${suffix}` });
const lineParams = [
  { name: "cart id", bad: badCartId, at: (t: Target, _w: World, bad: string) => `/v1/carts/${enc(bad)}/lines/${t.lineId}` },
  { name: "line id", bad: badLineId, at: (t: Target, _w: World, bad: string) => `/v1/carts/${t.cart.id}/lines/${enc(bad)}` },
];
/** Up to 1,000,000 passes the schema; past the per-line limit (99) the cart refuses it. */
const QUANTITY = (min: number) => ({ "not an integer in range": badInteger(min, 1_000_000), "over the line limit": fc.integer({ min: 100, max: 1_000_000 }) });
const total = { "not an integer in range": badInteger(0, 1_000_000_000_000) };
// 61..1440 passes the schema and is refused by the saga (CHECKOUT_MAX_TTL_MINUTES = 60).
const ttl = { "not an integer in range": badInteger(1, 60) };

export const ROUTES: Route[] = [
  {
    name: "POST /v1/carts",
    method: "POST",
    path: () => "/v1/carts",
    auth: false,
    idempotent: true,
    body: () => ({ currency: "USD", country: "US", email: "ada@example.com" }),
    fields: [
      { path: ["currency"], bad: { invalid: invalidCurrency }, required: true },
      { path: ["country"], bad: { invalid: invalidCountry } },
      { path: ["email"], bad: { invalid: invalidEmail } },
    ],
  },
  { name: "GET /v1/carts/{id}", method: "GET", path: cartPath(), params: [cartIdParam()] },
  {
    name: "POST /v1/carts/{id}/lines",
    method: "POST",
    path: cartPath("/lines"),
    idempotent: true,
    body: (_t, w) => ({ variant_id: w.variantId, quantity: 1 }),
    fields: [
      {
        path: ["variant_id"],
        bad: {
          malformed: badString(64),
          unknown: fc.oneof(fc.stringMatching(/^var_[0-9a-z]{26}$/), fc.string({ unit: "grapheme", minLength: 1, maxLength: 20 })),
        },
        required: true,
      },
      { path: ["quantity"], bad: QUANTITY(1), required: true, numeric: true },
    ],
    params: [cartIdParam("/lines")],
  },
  {
    name: "PATCH /v1/carts/{id}/lines/{line_id}",
    method: "PATCH",
    path: (t) => `/v1/carts/${t.cart.id}/lines/${t.lineId}`,
    body: () => ({ quantity: 3 }),
    fields: [
      {
        path: ["quantity"],
        bad: QUANTITY(0),
        required: true,
        numeric: true,
      },
    ],
    params: lineParams,
  },
  { name: "DELETE /v1/carts/{id}/lines/{line_id}", method: "DELETE", path: (t) => `/v1/carts/${t.cart.id}/lines/${t.lineId}`, params: lineParams },
  { name: "DELETE /v1/carts/{id}/lines", method: "DELETE", path: cartPath("/lines"), params: [cartIdParam("/lines")] },
  {
    name: "POST /v1/carts/{id}/discounts",
    method: "POST",
    path: cartPath("/discounts"),
    idempotent: true,
    body: () => ({ code: "OTHER5" }),
    fields: [{ path: ["code"], bad: { malformed: malformedCode, unknown: unknownCode }, required: true }],
    params: [cartIdParam("/discounts")],
  },
  {
    name: "DELETE /v1/carts/{id}/discounts/{code}",
    method: "DELETE",
    path: (t) => `/v1/carts/${t.cart.id}/discounts/${CODE}`,
    params: [
      { name: "cart id", bad: badCartId, at: (_t, _w, bad) => `/v1/carts/${enc(bad)}/discounts/${CODE}` },
      {
        name: "code",
        // Any spelling of the applied code would remove it (codes are case-insensitive).
        bad: {
          "overlong code": fc.string({ minLength: 65, maxLength: 90 }).filter(safeSegment),
          "code not applied": fc.oneof(unknownCode, nonMatching(/^\s*[A-Za-z0-9_-]{1,64}\s*$/).filter(safeSegment)),
        },
        at: (t, _w, bad) => `/v1/carts/${t.cart.id}/discounts/${enc(bad)}`,
      },
    ],
  },
  {
    name: "PATCH /v1/carts/{id}",
    method: "PATCH",
    path: cartPath(),
    body: () => ({ email: "grace@example.com", country: "DE" }),
    fields: [
      { path: ["email"], bad: { invalid: invalidEmail.filter((v) => v !== null) } },
      { path: ["country"], bad: { invalid: invalidCountry } },
    ],
    params: [cartIdParam()],
  },
  {
    name: "POST /v1/carts/{id}/checkout",
    method: "POST",
    path: cartPath("/checkout"),
    idempotent: true,
    body: () => ({ ttl_minutes: 15 }),
    fields: [
      { path: ["expected_total"], bad: total, numeric: true },
      { path: ["ttl_minutes"], bad: ttl, numeric: true },
    ],
    params: [cartIdParam("/checkout")],
  },
  {
    name: "POST /v1/carts/{id}/checkout/complete",
    method: "POST",
    path: cartPath("/checkout/complete"),
    idempotent: true,
    body: () => ({ payment: { method: "test", token: "tok_visa" } }),
    fields: [
      {
        path: ["payment"],
        bad: { invalid: fc.oneof(notAString, fc.constant({}), fc.constant({ method: "cash", token: "x" })) },
        required: true,
      },
      { path: ["payment", "method"], bad: { invalid: fc.oneof(notAString, fc.constantFrom("TEST", "", "test ", "tëst")) }, required: true },
      { path: ["payment", "token"], bad: { invalid: fc.oneof(notAString, badString(255)) }, required: true },
      { path: ["payment", "extra"], bad: { "any value": fc.jsonValue({ maxDepth: 1 }) } },
      { path: ["expected_total"], bad: total, numeric: true },
      { path: ["ttl_minutes"], bad: ttl, numeric: true },
    ],
    params: [cartIdParam("/checkout/complete")],
  },
  { name: "GET /v1/carts/{id}/checkout", method: "GET", path: cartPath("/checkout"), params: [cartIdParam("/checkout")] },
  {
    name: "POST /v1/carts/{id}/checkout/cancel",
    method: "POST",
    path: cartPath("/checkout/cancel"),
    idempotent: true,
    params: [cartIdParam("/checkout/cancel")],
  },
];
