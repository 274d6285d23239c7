/**
 * The storefront fuzz's cases, enumerated: every (route, what is wrong, cart state) is a
 * case of its own, run in every run, and fast-check generates only the values inside a
 * case. Each case names the one answer it must get (status and error code).
 */
import fc from "fast-check";
import type { TestCart } from "./api";
import { badInteger, badString, nonMatching, notAString, SUPPORTED_CURRENCIES } from "./bad-input";
import { badIdempotencyKeyKind, enc, type Kind, noCredentialsKind, type RouteRequest, requestKinds, safeSegment, variedKind } from "./fuzz-requests";

export const CODE = "FUZZ10";

export interface Target {
  cart: TestCart;
  lineId: string;
}
export type CartState = "open" | "locked";
export interface World {
  stranger: TestCart;
  variantId: string;
  /** A paid order, read with its own cart's token. */
  orderId: string;
  orderCart: TestCart;
}
/** What a storefront case's request is built against: a cart of the pool, and what every case shares. */
type At = [Target, World];

export interface Route extends Omit<RouteRequest<At>, "headers" | "known"> {
  name: string;
  method: string;
  auth?: boolean;
  /** The route's own credentials, where a pool cart's token is not the one it takes (the pool cart plays no part then). */
  headers?: (t: Target, w: World) => Record<string, string>;
  idempotent?: boolean;
}

/** One case: what is wrong (`kind`), on which cart, and the values fast-check makes for it. */
export interface Case extends Kind<At> {
  route: Route;
  state: CartState;
}

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

// Used only to learn a route's valid field names.
const placeholderTarget: Target = { cart: { id: "cart_x", token: "x", auth: {} }, lineId: "line_x" };
const placeholderWorld = { variantId: "var_x" } as World;

/** Every way this route's request can be wrong, on each cart state: the enumerated cases. */
export function casesOf(route: Route): Case[] {
  const request: RouteRequest<At> = {
    ...route,
    headers: route.headers ?? ((t) => (route.auth === false ? {} : t.cart.auth)),
    known: (key) => Object.hasOwn(route.body?.(placeholderTarget, placeholderWorld) ?? {}, key),
  };
  const kinds = requestKinds(request);
  if (route.auth !== false) {
    kinds.push(
      noCredentialsKind(request, "no bearer token"),
      variedKind(
        request,
        "another cart's token",
        fc.constant(null),
        () => "another cart's token",
        (_v, valid, _t, w) => ({ ...valid, headers: { ...valid.headers, ...w.stranger.auth } }),
      ),
    );
  }
  if (route.idempotent) kinds.push(badIdempotencyKeyKind(request));
  const states: CartState[] = route.auth === false || route.headers ? ["open"] : ["open", "locked"];
  return states.flatMap((state) => kinds.map((k) => ({ ...k, route, state })));
}

const cartPath =
  (suffix = "") =>
  (t: Target) =>
    `/v1/carts/${t.cart.id}${suffix}`;
const cartIdParam = (suffix = "") => ({ name: "cart id", bad: badCartId, at: (bad: string) => `/v1/carts/${enc(bad)}${suffix}` });
const lineParams = [
  { name: "cart id", bad: badCartId, at: (bad: string, t: Target) => `/v1/carts/${enc(bad)}/lines/${t.lineId}` },
  { name: "line id", bad: badLineId, at: (bad: string, t: Target) => `/v1/carts/${t.cart.id}/lines/${enc(bad)}` },
];
/** Up to 1,000,000 passes the schema; past the per-line limit (99) the cart refuses it. */
const QUANTITY = (min: number) => ({ "not an integer in range": badInteger(min, 1_000_000), "over the line limit": fc.integer({ min: 100, max: 1_000_000 }) });
const total = { "not an integer in range": badInteger(0, 1_000_000_000_000) };
// 61..1440 passes the schema and is refused by the saga (CHECKOUT_MAX_TTL_MINUTES = 60).
const ttl = { "not an integer in range": badInteger(1, 60) };

export const ROUTES: Route[] = [
  {
    name: "GET /v1/products",
    method: "GET",
    path: () => "/v1/products?currency=USD",
    auth: false,
    params: [
      {
        name: "currency",
        bad: { "currency: invalid": invalidCurrency.filter((c): c is string => typeof c === "string") },
        at: (bad) => `/v1/products?currency=${enc(bad)}`,
      },
      { name: "currency", bad: { "currency: given twice": fc.constantFrom("USD", "EUR") }, at: (bad) => `/v1/products?currency=USD&currency=${bad}` },
    ],
  },
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
      { name: "cart id", bad: badCartId, at: (bad) => `/v1/carts/${enc(bad)}/discounts/${CODE}` },
      {
        name: "code",
        // Any spelling of the applied code would remove it (codes are case-insensitive).
        bad: {
          "overlong code": fc.string({ minLength: 65, maxLength: 90 }).filter(safeSegment),
          "code not applied": fc.oneof(unknownCode, nonMatching(/^\s*[A-Za-z0-9_-]{1,64}\s*$/).filter(safeSegment)),
        },
        at: (bad, t) => `/v1/carts/${t.cart.id}/discounts/${enc(bad)}`,
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
  {
    name: "GET /v1/orders/{id}",
    method: "GET",
    path: (_t, w) => `/v1/orders/${w.orderId}`,
    headers: (_t, w) => w.orderCart.auth,
    params: [
      {
        name: "order id",
        bad: {
          "unknown order id": fc.stringMatching(/^ord_[0-9a-hjkmnp-tv-z]{26}$/),
          "malformed order id": nonMatching(/^ord_/, 30).filter(safeSegment),
          "overlong order id": fc.string({ minLength: 65, maxLength: 100 }).filter(safeSegment),
        },
        at: (bad) => `/v1/orders/${enc(bad)}`,
      },
    ],
  },
];
