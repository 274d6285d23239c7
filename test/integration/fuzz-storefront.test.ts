/**
 * Fuzzing every storefront route through the Worker's real fetch handler: malformed
 * JSON, wrong types, huge, negative and fractional numbers, unicode and overlong
 * strings, missing and extra fields, wrong content types, bad ids, bad credentials and
 * oversized bodies. Each one must answer a 4xx with the docs/contract.md envelope — never a 500 —
 * and change nothing: every D1 row and the watched carts (version, lines, codes,
 * checkout) are compared before and after, for an open cart and a locked one.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { ADMIN, call, cartWith, completeCheckout, createCart, createProduct, startCheckout, type TestCart } from "../support/api";
import {
  badIdempotencyKey,
  badInteger,
  badString,
  expectRefusal,
  FUZZ_OPTIONS,
  FUZZ_TIMEOUT_MS,
  hugeNumberLiteral,
  malformedAuthorization,
  malformedJson,
  nonMatching,
  nonObjectJson,
  notABoolean,
  notAString,
  oversizedJson,
  streamOf,
  SUPPORTED_CURRENCIES,
  withRawValue,
  wrongContentType,
} from "../support/bad-input";
import { stateFingerprint } from "../support/state-fingerprint";
import { workerFetch } from "../support/worker-fetch";

const CODE = "FUZZ10";

interface Target {
  cart: TestCart;
  lineId: string;
}
interface World {
  open: Target;
  locked: Target;
  stranger: TestCart;
  variantId: string;
  orderId: string;
  orderCart: TestCart;
}

/** A field of a JSON body and values it must refuse. */
interface Field {
  path: string[];
  bad: fc.Arbitrary<unknown>;
  required?: boolean;
  /** Numeric fields also get raw literals such as 1e999 (top-level keys only). */
  numeric?: boolean;
}

interface Route {
  name: string;
  method: string;
  path: (t: Target, w: World) => string;
  /** A valid body; every case below breaks exactly one thing about the request. */
  body?: (t: Target, w: World) => Record<string, unknown>;
  fields?: Field[];
  /** Path parameters to corrupt, with how to put a bad value in. */
  params?: Array<{ name: string; bad: fc.Arbitrary<string>; at: (t: Target, w: World, bad: string) => string }>;
  auth?: boolean;
  idempotent?: boolean;
}

interface Case {
  label: string;
  target: "open" | "locked";
  build: (t: Target, w: World) => { path: string; headers: Record<string, string>; raw?: string };
}

/** Percent-encodes a path segment (lone surrogates, which no URL can carry, become "?"). */
const enc = (s: string) => encodeURIComponent(s.replace(/[\uD800-\uDFFF]/g, (c, i: number) => (isPairedSurrogate(s, i) ? c : "?")));
const isPairedSurrogate = (s: string, i: number) => {
  const code = s.charCodeAt(i);
  return code <= 0xdbff ? (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00 : (s.charCodeAt(i - 1) & 0xfc00) === 0xd800;
};
const cartIdLike = fc.stringMatching(/^cart_[0-9a-hjkmnp-tv-z]{26}$/);
const badCartId = fc.oneof(
  cartIdLike,
  nonMatching(/^cart_[0-9a-z]{26}$/, 30).filter((s) => s.trim() !== "" && s !== "." && s !== ".."),
  fc.string({ minLength: 65, maxLength: 120 }),
);
const badLineId = fc.oneof(
  fc.stringMatching(/^line_[0-9a-z]{26}$/),
  nonMatching(/^line_/, 20).filter((s) => s.trim() !== "" && s !== "." && s !== ".."),
  fc.string({ minLength: 65, maxLength: 100 }),
);
const invalidEmail = fc.oneof(
  badString(254),
  fc.constantFrom("a", "a@", "@b.co", "a b@c.de", "a@b", "ä@ö.ü", "a@@b.co", "<a@b.co>", "a@b.co\n"),
  fc.string({ maxLength: 30 }).filter((s) => !s.includes("@")),
);
const invalidCountry = fc.oneof(
  nonMatching(/^[A-Z]{2}$/),
  notAString.filter((v) => v !== null),
);
const invalidCurrency = fc.oneof(
  nonMatching(/^[A-Z]{3}$/),
  fc.stringMatching(/^[A-Z]{3}$/).filter((c) => !SUPPORTED_CURRENCIES.has(c)),
  notAString,
);
const invalidCode = fc.oneof(
  nonMatching(/^\s*[A-Za-z0-9_-]{1,64}\s*$/),
  fc.string({ unit: fc.constantFrom(..."ABCDEFGHJKMNPQRSTVWXYZ0123456789"), minLength: 65, maxLength: 80 }),
  fc.stringMatching(/^[A-Z]{4,10}[0-9]{2}$/).filter((c) => c !== CODE),
  notAString,
);

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

/** Every way this route's request can be wrong, as a fast-check generator of cases. */
function badRequests(route: Route): fc.Arbitrary<Case> {
  const target = fc.constantFrom<"open" | "locked">("open", "locked");
  const auth = (t: Target) => (route.auth === false ? {} : t.cart.auth);
  const json = { "content-type": "application/json" };
  const cases: Array<fc.Arbitrary<Case>> = [];
  const withBody = (label: string, body: (t: Target, w: World) => string, contentType: string | null = "application/json") =>
    target.map<Case>((tg) => ({
      label,
      target: tg,
      build: (t, w) => ({ path: route.path(t, w), headers: { ...auth(t), ...(contentType ? { "content-type": contentType } : {}) }, raw: body(t, w) }),
    }));

  if (route.body) {
    const valid = route.body;
    cases.push(malformedJson.chain((m) => withBody(m.label, () => m.raw)));
    cases.push(nonObjectJson.chain((m) => withBody(m.label, () => m.raw)));
    cases.push(wrongContentType.chain((ct) => withBody(`content type ${ct ?? "(none)"}`, (t, w) => JSON.stringify(valid(t, w)), ct ?? null)));
    const known = new Set(Object.keys(valid(placeholderTarget, placeholderWorld)));
    cases.push(
      fc
        .tuple(fc.string({ minLength: 1, maxLength: 12 }), fc.jsonValue({ maxDepth: 1 }))
        .filter(([key]) => !known.has(key) && key !== "__proto__")
        .chain(([key, value]) => withBody(`extra field ${JSON.stringify(key)}`, (t, w) => JSON.stringify({ ...valid(t, w), [key]: value }))),
    );
    for (const field of route.fields ?? []) {
      const name = field.path.join(".");
      cases.push(
        field.bad.chain((value) =>
          withBody(`${name} = ${JSON.stringify(value)?.slice(0, 80)}`, (t, w) => JSON.stringify(setAt(valid(t, w), field.path, value))),
        ),
      );
      if (field.required) cases.push(withBody(`missing ${name}`, (t, w) => JSON.stringify(deleteAt(valid(t, w), field.path))));
      if (field.numeric) cases.push(hugeNumberLiteral.chain((lit) => withBody(`${name} = ${lit}`, (t, w) => withRawValue(valid(t, w), field.path[0]!, lit))));
    }
  }

  const validRaw = (t: Target, w: World) => (route.body ? JSON.stringify(route.body(t, w)) : undefined);
  const validHeaders = (t: Target) => ({ ...auth(t), ...(route.body ? json : {}) });
  for (const param of route.params ?? []) {
    cases.push(
      fc.tuple(target, param.bad).map<Case>(([tg, bad]) => ({
        label: `${param.name} = ${JSON.stringify(bad).slice(0, 80)}`,
        target: tg,
        build: (t, w) => ({ path: param.at(t, w, bad), headers: validHeaders(t), raw: validRaw(t, w) }),
      })),
    );
  }
  if (route.auth !== false) {
    cases.push(
      fc.tuple(target, fc.option(malformedAuthorization, { nil: undefined })).map<Case>(([tg, header]) => ({
        label: `authorization ${JSON.stringify(header ?? "(none)")}`,
        target: tg,
        build: (t, w) => ({
          path: route.path(t, w),
          headers: { ...(route.body ? json : {}), ...(header === undefined ? {} : { authorization: header }) },
          raw: validRaw(t, w),
        }),
      })),
    );
    cases.push(
      target.map<Case>((tg) => ({
        label: "another cart's token",
        target: tg,
        build: (t, w) => ({ path: route.path(t, w), headers: { ...validHeaders(t), ...w.stranger.auth }, raw: validRaw(t, w) }),
      })),
    );
  }
  if (route.idempotent) {
    cases.push(
      fc.tuple(target, badIdempotencyKey).map<Case>(([tg, key]) => ({
        label: `idempotency-key of ${key.length} characters`,
        target: tg,
        build: (t, w) => ({ path: route.path(t, w), headers: { ...validHeaders(t), "idempotency-key": key }, raw: validRaw(t, w) }),
      })),
    );
  }
  return fc.oneof(...cases);
}

// Used only to learn a route's valid field names.
const placeholderTarget: Target = { cart: { id: "cart_x", token: "x", auth: {} }, lineId: "line_x" };
const placeholderWorld = { variantId: "var_x" } as World;

const cartPath =
  (suffix = "") =>
  (t: Target) =>
    `/v1/carts/${t.cart.id}${suffix}`;
const cartIdParam = (suffix = "") => ({ name: "cart id", bad: badCartId, at: (_t: Target, _w: World, bad: string) => `/v1/carts/${enc(bad)}${suffix}` });

const ROUTES: Route[] = [
  {
    name: "POST /v1/carts",
    method: "POST",
    path: () => "/v1/carts",
    auth: false,
    idempotent: true,
    body: () => ({ currency: "USD", country: "US", email: "ada@example.com" }),
    fields: [
      { path: ["currency"], bad: invalidCurrency, required: true },
      { path: ["country"], bad: invalidCountry },
      { path: ["email"], bad: invalidEmail },
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
        bad: fc.oneof(badString(64), fc.stringMatching(/^var_[0-9a-z]{26}$/), fc.string({ unit: "grapheme", minLength: 1, maxLength: 20 })),
        required: true,
      },
      { path: ["quantity"], bad: badInteger(1, 99), required: true, numeric: true },
    ],
    params: [cartIdParam("/lines")],
  },
  {
    name: "PATCH /v1/carts/{id}/lines/{line_id}",
    method: "PATCH",
    path: (t) => `/v1/carts/${t.cart.id}/lines/${t.lineId}`,
    body: () => ({ quantity: 3 }),
    fields: [{ path: ["quantity"], bad: badInteger(0, 99), required: true, numeric: true }],
    params: [
      { name: "cart id", bad: badCartId, at: (t, _w, bad) => `/v1/carts/${enc(bad)}/lines/${t.lineId}` },
      { name: "line id", bad: badLineId, at: (t, _w, bad) => `/v1/carts/${t.cart.id}/lines/${enc(bad)}` },
    ],
  },
  {
    name: "DELETE /v1/carts/{id}/lines/{line_id}",
    method: "DELETE",
    path: (t) => `/v1/carts/${t.cart.id}/lines/${t.lineId}`,
    params: [
      { name: "cart id", bad: badCartId, at: (t, _w, bad) => `/v1/carts/${enc(bad)}/lines/${t.lineId}` },
      { name: "line id", bad: badLineId, at: (t, _w, bad) => `/v1/carts/${t.cart.id}/lines/${enc(bad)}` },
    ],
  },
  { name: "DELETE /v1/carts/{id}/lines", method: "DELETE", path: cartPath("/lines"), params: [cartIdParam("/lines")] },
  {
    name: "POST /v1/carts/{id}/discounts",
    method: "POST",
    path: cartPath("/discounts"),
    idempotent: true,
    body: () => ({ code: "OTHER5" }),
    fields: [{ path: ["code"], bad: invalidCode, required: true }],
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
        bad: fc
          .oneof(
            invalidCode.filter((c): c is string => typeof c === "string"),
            fc.string({ minLength: 65, maxLength: 90 }),
          )
          .filter((c) => c.trim() !== "" && c.trim().toUpperCase() !== CODE && c !== "." && c !== ".."),
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
      { path: ["email"], bad: invalidEmail.filter((v) => v !== null) },
      { path: ["country"], bad: invalidCountry },
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
      { path: ["expected_total"], bad: badInteger(0, 1_000_000_000_000), numeric: true },
      // 61..1440 passes the schema and is refused by the saga (CHECKOUT_MAX_TTL_MINUTES = 60).
      { path: ["ttl_minutes"], bad: badInteger(1, 60), numeric: true },
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
        bad: fc.oneof(
          notAString,
          fc.constant({}),
          fc.constant({ method: "stripe", payment_method: "pm_card_visa" }),
          fc.constant({ method: "cash", token: "x" }),
        ),
        required: true,
      },
      { path: ["payment", "method"], bad: fc.oneof(notAString, fc.constantFrom("TEST", "stripe", "", "test ", "tëst")), required: true },
      { path: ["payment", "token"], bad: fc.oneof(notAString, badString(255)), required: true },
      { path: ["payment", "extra"], bad: fc.jsonValue({ maxDepth: 1 }) },
      { path: ["expected_total"], bad: badInteger(0, 1_000_000_000_000), numeric: true },
      { path: ["ttl_minutes"], bad: badInteger(1, 60), numeric: true },
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

describe("fuzz: storefront routes refuse bad input with a 4xx envelope and change nothing", () => {
  let world: World;

  beforeAll(async () => {
    const [variantId] = await createProduct([{ prices: { USD: 1250, EUR: 1150 }, stock: 40 }]);
    const created = await call("POST", "/admin/api/discounts", { headers: ADMIN, body: { code: CODE, type: "percentage", percent: 10 } });
    expect(created.status).toBe(201);
    const open = await cartWith([[variantId!, 2]], { currency: "USD", country: "US", email: "ada@example.com" });
    expect((await call("POST", `/v1/carts/${open.id}/discounts`, { headers: open.auth, body: { code: CODE } })).status).toBe(200);
    const locked = await cartWith([[variantId!, 1]]);
    expect((await call("POST", `/v1/carts/${locked.id}/discounts`, { headers: locked.auth, body: { code: CODE } })).status).toBe(200);
    expect((await startCheckout(locked)).status).toBe(201);
    const orderCart = await cartWith([[variantId!, 1]]);
    const completed = await completeCheckout(orderCart);
    expect(completed.status).toBe(201);
    const lineOf = async (cart: TestCart) => (await call("GET", `/v1/carts/${cart.id}`, { headers: cart.auth })).body.cart.lines[0].id as string;
    world = {
      open: { cart: open, lineId: await lineOf(open) },
      locked: { cart: locked, lineId: await lineOf(locked) },
      stranger: await createCart(),
      variantId: variantId!,
      orderId: completed.body.order.id,
      orderCart,
    };
  });

  for (const route of ROUTES) {
    it(
      `${route.name}: every bad request is a 4xx envelope and changes nothing`,
      async () => {
        // Nothing may change, so every run is compared with the state before the first one.
        const before = await stateFingerprint([world.open.cart, world.locked.cart]);
        await fc.assert(
          fc.asyncProperty(badRequests(route), async (c) => {
            const target = world[c.target];
            const { path, headers, raw } = c.build(target, world);
            const res = await workerFetch(route.method, path, { headers, raw });
            const label = `${route.name} [${c.target} cart] ${c.label}`;
            expectRefusal(res, label);
            expect(await stateFingerprint([world.open.cart, world.locked.cart]), `${label}: state changed`).toEqual(before);
          }),
          FUZZ_OPTIONS,
        );
      },
      FUZZ_TIMEOUT_MS,
    );
  }

  it(
    "GET /v1/orders/{id}: unknown, malformed and foreign requests are refused and reveal nothing",
    async () => {
      const badOrderId = fc.oneof(
        fc.stringMatching(/^ord_[0-9a-z]{26}$/),
        nonMatching(/^ord_/, 30).filter((s) => s.trim() !== "" && s !== "." && s !== ".."),
        fc.string({ minLength: 65, maxLength: 100 }),
      );
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            badOrderId.map((id) => ({ label: `order id ${JSON.stringify(id)}`, path: `/v1/orders/${enc(id)}`, headers: world.orderCart.auth })),
            fc.option(malformedAuthorization, { nil: undefined }).map((h) => ({
              label: `authorization ${h}`,
              path: `/v1/orders/${world.orderId}`,
              headers: (h === undefined ? {} : { authorization: h }) as Record<string, string>,
            })),
            fc.constant({ label: "another cart's token", path: `/v1/orders/${world.orderId}`, headers: world.stranger.auth }),
          ),
          async ({ label, path, headers }) => {
            const res = await workerFetch("GET", path, { headers });
            expectRefusal(res, label);
            expect(JSON.stringify(res.body)).not.toContain(world.orderCart.id);
          },
        ),
        FUZZ_OPTIONS,
      );
    },
    FUZZ_TIMEOUT_MS,
  );

  it(
    "GET /v1/products: a bad currency query is a 400 envelope",
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            nonMatching(/^[A-Z]{3}$/),
            fc.stringMatching(/^[A-Z]{3}$/).filter((c) => !SUPPORTED_CURRENCIES.has(c)),
          ),
          async (currency) => {
            const res = await workerFetch("GET", `/v1/products?currency=${enc(currency)}`);
            expectRefusal(res, `currency ${JSON.stringify(currency)}`);
            expect(res.status).toBe(400);
          },
        ),
        FUZZ_OPTIONS,
      );
      expectRefusal(await workerFetch("GET", "/v1/products?currency=USD&currency=EUR"), "currency twice");
    },
    FUZZ_TIMEOUT_MS,
  );

  it(
    "every storefront POST and PATCH answers 413 payload_too_large for a body over 64 KiB, sized or streamed, and changes nothing",
    async () => {
      const routes = ROUTES.filter((r) => r.body);
      for (const route of routes) {
        for (const tg of ["open", "locked"] as const) {
          const target = world[tg];
          for (const streamed of [false, true]) {
            const text = oversizedJson(route.body!(target, world));
            const before = await stateFingerprint([world.open.cart, world.locked.cart]);
            const res = await workerFetch(route.method, route.path(target, world), {
              headers: { ...(route.auth === false ? {} : target.cart.auth), "content-type": "application/json" },
              raw: streamed ? streamOf(text) : text,
            });
            const label = `${route.name} [${tg}] ${streamed ? "streamed" : "sized"} ${text.length} bytes`;
            expectRefusal(res, label);
            expect(res.status, label).toBe(413);
            expect(res.body.error.code, label).toBe("payload_too_large");
            expect(await stateFingerprint([world.open.cart, world.locked.cart]), `${label}: state changed`).toEqual(before);
          }
        }
      }
    },
    FUZZ_TIMEOUT_MS,
  );

  it("the watched carts are still what the setup made of them (the fuzzing above never landed)", async () => {
    const open = (await call("GET", `/v1/carts/${world.open.cart.id}`, { headers: world.open.cart.auth })).body.cart;
    expect(open).toMatchObject({ version: 3, locked: false, discount_codes: [CODE], country: "US", email: "ada@example.com" });
    expect(open.lines).toMatchObject([{ variant_id: world.variantId, quantity: 2 }]);
    const locked = (await call("GET", `/v1/carts/${world.locked.cart.id}`, { headers: world.locked.cart.auth })).body.cart;
    expect(locked).toMatchObject({ locked: true, checkout: { state: "locked" } });
    const stock = await call("GET", `/admin/api/variants/${world.variantId}/stock`, { headers: ADMIN });
    expect(stock.body).toMatchObject({ on_hand: 39, reserved: 1 });
  });
});

// Keep the generator helpers honest: they must never produce a valid value.
describe("fuzz generators", () => {
  it("produce only values the schemas refuse", () => {
    fc.assert(fc.property(badInteger(1, 99), (v) => !(typeof v === "number" && Number.isInteger(v) && v >= 1 && v <= 99)));
    fc.assert(fc.property(invalidCountry, (v) => !(typeof v === "string" && /^[A-Z]{2}$/.test(v))));
    fc.assert(fc.property(notABoolean, (v) => typeof v !== "boolean"));
  });
});
