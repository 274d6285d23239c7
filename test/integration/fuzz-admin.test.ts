/**
 * Fuzzing every admin route through the Worker's fetch handler: bad bodies (malformed
 * JSON, wrong types, out-of-range, fractional and huge numbers, unicode and overlong
 * strings, unknown currencies, missing and extra fields, wrong content types), bad path
 * and query parameters, conflicts (a taken SKU or code, stock below what is reserved,
 * releasing an ended checkout) and bad credentials. Each answer is a 4xx docs/contract.md
 * envelope, never a 500, and no D1 row and no watched cart changes.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { MAX_PAGE_SIZE } from "../../src/admin/checkout-locks";
import { MAX_WINDOW_HOURS } from "../../src/admin/checkout-statistics";
import { MAX_BATCH_SIZE } from "../../src/jobs/cleanup";
import { ADMIN, call, cartWith, completeCheckout, createProduct, startCheckout, type TestCart } from "../support/api";
import {
  badInteger,
  badString,
  coercesToIntegerIn,
  expectRefusal,
  FUZZ_OPTIONS,
  FUZZ_TIMEOUT_MS,
  hugeNumberLiteral,
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

const EXISTING_CODE = "ADMINFUZZ";

interface World {
  variantId: string;
  sku: string;
  lockedCart: TestCart;
  lockedCheckoutId: string;
  completedCheckoutId: string;
}

interface Request {
  label: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  raw?: string;
}

const enc = (s: string) => encodeURIComponent(s.replace(/[\uD800-\uDFFF]/g, "?"));
const json = { ...ADMIN, "content-type": "application/json" };
const safeSegment = (s: string) => s.trim() !== "" && s !== "." && s !== "..";

/** The ways a JSON body can be wrong, around a valid one, with per-field bad values. */
function badBodies(
  method: string,
  path: (w: World) => string,
  valid: (w: World) => Record<string, unknown>,
  fields: Array<{ path: Array<string | number>; bad: fc.Arbitrary<unknown>; required?: boolean; numeric?: boolean }>,
): fc.Arbitrary<(w: World) => Request> {
  const withRaw = (label: string, raw: (w: World) => string, contentType: string | null = "application/json") =>
    fc.constant(
      (w: World): Request => ({ label, method, path: path(w), headers: { ...ADMIN, ...(contentType ? { "content-type": contentType } : {}) }, raw: raw(w) }),
    );
  const setAt = (body: Record<string, unknown>, at: Array<string | number>, value: unknown, remove = false) => {
    const copy = structuredClone(body);
    let node: any = copy;
    for (const key of at.slice(0, -1)) node = node[key];
    if (remove) delete node[at.at(-1)!];
    else node[at.at(-1)!] = value;
    return copy;
  };
  const cases: Array<fc.Arbitrary<(w: World) => Request>> = [
    malformedJson.chain((m) => withRaw(m.label, () => m.raw)),
    nonObjectJson.chain((m) => withRaw(m.label, () => m.raw)),
    wrongContentType.chain((ct) => withRaw(`content type ${ct ?? "(none)"}`, (w) => JSON.stringify(valid(w)), ct ?? null)),
    fc
      .tuple(fc.string({ minLength: 1, maxLength: 12 }), fc.jsonValue({ maxDepth: 1 }))
      .filter(
        ([key]) =>
          ![
            "title",
            "variants",
            "on_hand",
            "code",
            "type",
            "percent",
            "amount",
            "currency",
            "starts_at",
            "ends_at",
            "usage_limit",
            "min_subtotal",
            "name",
            "rate_bps",
            "inclusive",
            "rate_from_base",
            "exponent",
            "max_per_customer",
            "__proto__",
          ].includes(key) && !/^[A-Z]{3}$/.test(key),
      )
      .chain(([key, value]) => withRaw(`extra field ${JSON.stringify(key)}`, (w) => JSON.stringify({ ...valid(w), [key]: value }))),
    // Without a token, or with a wrong one, even a valid body is refused.
    fc
      .constantFrom<Record<string, string>>(
        {},
        { authorization: "Bearer wrong-token" },
        { authorization: "test-admin-token" },
        { authorization: "Basic dGVzdC1hZG1pbi10b2tlbg==" },
      )
      .map(
        (auth) =>
          (w: World): Request => ({
            label: `admin credentials ${JSON.stringify(auth)}`,
            method,
            path: path(w),
            headers: { ...auth, "content-type": "application/json" },
            raw: JSON.stringify(valid(w)),
          }),
      ),
  ];
  for (const field of fields) {
    const name = field.path.join(".");
    cases.push(
      field.bad.map(
        (value) =>
          (w: World): Request => ({
            label: `${name} = ${JSON.stringify(value)?.slice(0, 80)}`,
            method,
            path: path(w),
            headers: json,
            raw: JSON.stringify(setAt(valid(w), field.path, value)),
          }),
      ),
    );
    if (field.required)
      cases.push(
        fc.constant(
          (w: World): Request => ({
            label: `missing ${name}`,
            method,
            path: path(w),
            headers: json,
            raw: JSON.stringify(setAt(valid(w), field.path, undefined, true)),
          }),
        ),
      );
    if (field.numeric && field.path.length === 1) {
      cases.push(
        hugeNumberLiteral.map(
          (lit) =>
            (w: World): Request => ({
              label: `${name} = ${lit}`,
              method,
              path: path(w),
              headers: json,
              raw: withRawValue(valid(w), String(field.path[0]), lit),
            }),
        ),
      );
    }
  }
  return fc.oneof(...cases);
}

const invalidCurrencyCode = fc.oneof(
  nonMatching(/^[A-Z]{3}$/).filter(safeSegment),
  fc.stringMatching(/^[A-Z]{3}$/).filter((c) => !SUPPORTED_CURRENCIES.has(c)),
);
const badPrices = fc.oneof(
  notAString.filter((v) => typeof v !== "object" || v === null || Array.isArray(v)),
  fc.constant({ usd: 100 }),
  fc.constant({ USD: -1 }),
  fc.constant({ USD: 10.5 }),
  fc.constant({ USD: "100" }),
  fc.constant({ USD: 1e21 }),
  invalidCurrencyCode.map((c) => ({ [c]: 100 })),
  fc.constant(
    Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`C${String.fromCharCode(65 + (i % 26))}${String.fromCharCode(65 + Math.floor(i / 26))}`, 1])),
  ),
);

const ROUTES: Array<{ name: string; requests: fc.Arbitrary<(w: World) => Request> }> = [
  {
    name: "POST /admin/api/products",
    requests: fc.oneof(
      badBodies(
        "POST",
        () => "/admin/api/products",
        () => ({ title: "Fuzz product", variants: [{ sku: "FUZZ-NEW-1", title: "One", prices: { USD: 1000 }, stock: 5, tax_class: "standard" }] }),
        [
          { path: ["title"], bad: fc.oneof(badString(200), fc.constantFrom("   ", "\t\n")), required: true },
          { path: ["variants"], bad: fc.oneof(notAString, fc.constant([]), fc.constant([{}])), required: true },
          {
            path: ["variants", 0, "sku"],
            bad: fc.oneof(
              nonMatching(/^\s*[A-Za-z0-9._-]{1,64}\s*$/),
              fc.string({ unit: fc.constantFrom(..."ABC123"), minLength: 65, maxLength: 80 }),
              notAString,
            ),
            required: true,
          },
          { path: ["variants", 0, "title"], bad: fc.oneof(badString(200), fc.constant("  ")) },
          { path: ["variants", 0, "prices"], bad: badPrices, required: true },
          { path: ["variants", 0, "stock"], bad: badInteger(0, 1_000_000_000) },
          { path: ["variants", 0, "tax_class"], bad: nonMatching(/^\s*[a-z0-9_-]{1,32}\s*$/) },
          { path: ["variants", 0, "extra"], bad: fc.jsonValue({ maxDepth: 1 }) },
        ],
      ),
      // Conflicts: a SKU that exists already (409), the same SKU twice (400), too many variants (400).
      fc.constantFrom("taken", "twice", "many").map((kind) => (w: World): Request => {
        const variant = (sku: string) => ({ sku, prices: { USD: 100 }, stock: 1 });
        const variants =
          kind === "taken"
            ? [variant(w.sku)]
            : kind === "twice"
              ? [variant("FUZZ-TWICE"), variant("FUZZ-TWICE")]
              : Array.from({ length: 101 }, (_, i) => variant(`FUZZ-MANY-${i}`));
        return { label: `variants: ${kind}`, method: "POST", path: "/admin/api/products", headers: json, raw: JSON.stringify({ title: "Conflict", variants }) };
      }),
    ),
  },
  {
    name: "GET/PUT /admin/api/variants/{id}/stock",
    requests: fc.oneof(
      badBodies(
        "PUT",
        (w) => `/admin/api/variants/${w.variantId}/stock`,
        () => ({ on_hand: 50 }),
        [{ path: ["on_hand"], bad: badInteger(0, 1_000_000_000), required: true, numeric: true }],
      ),
      // Below what the locked checkout reserves: 409, nothing written (not even the adjustment row).
      fc.constant(
        (w: World): Request => ({
          label: "on_hand below reserved",
          method: "PUT",
          path: `/admin/api/variants/${w.variantId}/stock`,
          headers: json,
          raw: JSON.stringify({ on_hand: 0 }),
        }),
      ),
      fc
        .tuple(
          fc.constantFrom("GET", "PUT"),
          fc.oneof(fc.stringMatching(/^var_[0-9a-z]{26}$/), nonMatching(/^var_/, 20).filter(safeSegment), fc.string({ minLength: 65, maxLength: 90 })),
        )
        .map(
          ([method, id]) =>
            (): Request => ({
              label: `${method} unknown variant ${JSON.stringify(id)}`,
              method,
              path: `/admin/api/variants/${enc(id)}/stock`,
              headers: json,
              raw: method === "PUT" ? JSON.stringify({ on_hand: 5 }) : undefined,
            }),
        ),
    ),
  },
  {
    name: "GET/PUT /admin/api/variants/{id}/limits",
    requests: fc.oneof(
      // 0, negative, fractional, absurd, not a number (null is valid: it clears).
      badBodies(
        "PUT",
        (w) => `/admin/api/variants/${w.variantId}/limits`,
        () => ({ max_per_customer: 2 }),
        [{ path: ["max_per_customer"], bad: badInteger(1, 1_000_000).filter((v) => v !== null), required: true, numeric: true }],
      ),
      fc
        .tuple(
          fc.constantFrom("GET", "PUT"),
          fc.oneof(fc.stringMatching(/^var_[0-9a-z]{26}$/), nonMatching(/^var_/, 20).filter(safeSegment), fc.string({ minLength: 65, maxLength: 90 })),
        )
        .map(
          ([method, id]) =>
            (): Request => ({
              label: `${method} unknown variant ${JSON.stringify(id)}`,
              method,
              path: `/admin/api/variants/${enc(id)}/limits`,
              headers: json,
              raw: method === "PUT" ? JSON.stringify({ max_per_customer: 1 }) : undefined,
            }),
        ),
    ),
  },
  {
    name: "PUT /admin/api/variants/{id}/prices",
    requests: fc.oneof(
      badPrices.map(
        (prices) =>
          (w: World): Request => ({
            label: `prices ${JSON.stringify(prices).slice(0, 80)}`,
            method: "PUT",
            path: `/admin/api/variants/${w.variantId}/prices`,
            headers: json,
            raw: JSON.stringify(prices),
          }),
      ),
      malformedJson.map(
        (m) =>
          (w: World): Request => ({ label: m.label, method: "PUT", path: `/admin/api/variants/${w.variantId}/prices`, headers: json, raw: m.raw }),
      ),
      wrongContentType.map(
        (ct) =>
          (w: World): Request => ({
            label: `content type ${ct}`,
            method: "PUT",
            path: `/admin/api/variants/${w.variantId}/prices`,
            headers: { ...ADMIN, ...(ct ? { "content-type": ct } : {}) },
            raw: JSON.stringify({ USD: 5 }),
          }),
      ),
      fc.stringMatching(/^var_[0-9a-z]{26}$/).map(
        (id) => (): Request => ({
          label: `unknown variant ${id}`,
          method: "PUT",
          path: `/admin/api/variants/${id}/prices`,
          headers: json,
          raw: JSON.stringify({ USD: 5 }),
        }),
      ),
    ),
  },
  {
    name: "POST /admin/api/discounts",
    requests: fc.oneof(
      badBodies(
        "POST",
        () => "/admin/api/discounts",
        () => ({
          code: "FUZZNEW",
          type: "percentage",
          percent: 10,
          usage_limit: 5,
          starts_at: "2026-01-01T00:00:00.000Z",
          ends_at: "2030-01-01T00:00:00.000Z",
        }),
        [
          {
            path: ["code"],
            bad: fc.oneof(nonMatching(/^\s*[A-Za-z0-9_-]{1,64}\s*$/), fc.string({ unit: fc.constantFrom(..."ABC"), minLength: 65, maxLength: 70 }), notAString),
            required: true,
          },
          { path: ["type"], bad: fc.oneof(notAString, fc.constantFrom("PERCENTAGE", "percent", "", "free")), required: true },
          { path: ["percent"], bad: fc.oneof(notANumberOrFinite(), fc.constantFrom(0, -5, 100.01, 101, 12.345, 1e308)), required: true, numeric: true },
          { path: ["usage_limit"], bad: badInteger(1, 1_000_000_000), numeric: true },
          { path: ["min_subtotal"], bad: badInteger(0, 1_000_000_000_000), numeric: true },
          { path: ["starts_at"], bad: fc.oneof(notAString, fc.constantFrom("2026-13-01T00:00:00Z", "yesterday", "2026-01-01", "", "2026-01-01T00:00:00")) },
          { path: ["ends_at"], bad: fc.oneof(notAString, fc.constantFrom("2025-01-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z", "never")) },
          { path: ["currency"], bad: invalidCurrencyCode },
        ],
      ),
      fc
        .constantFrom(
          { code: EXISTING_CODE, type: "percentage", percent: 5 },
          { code: "FUZZFIXED", type: "fixed" },
          { code: "FUZZFIXED", type: "fixed", amount: -1 },
          { code: "FUZZFIXED", type: "fixed", amount: 100, currency: "ZZZ" },
          { code: "fuzz pct", type: "percentage", percent: 5 },
        )
        .map(
          (body) => (): Request => ({ label: JSON.stringify(body), method: "POST", path: "/admin/api/discounts", headers: json, raw: JSON.stringify(body) }),
        ),
    ),
  },
  {
    name: "PUT /admin/api/tax-rates/{country}/{tax_class}",
    requests: fc.oneof(
      badBodies(
        "PUT",
        () => "/admin/api/tax-rates/US/standard",
        () => ({ name: "Sales tax", rate_bps: 725, inclusive: false }),
        [
          { path: ["name"], bad: fc.oneof(badString(64), fc.constant("   ")), required: true },
          { path: ["rate_bps"], bad: badInteger(0, 10_000), required: true, numeric: true },
          { path: ["inclusive"], bad: notABoolean },
        ],
      ),
      fc.tuple(fc.oneof(nonMatching(/^[A-Z]{2}$/).filter(safeSegment), fc.constant("usa")), fc.constant("standard")).map(
        ([country, cls]) =>
          (): Request => ({
            label: `country ${JSON.stringify(country)}`,
            method: "PUT",
            path: `/admin/api/tax-rates/${enc(country)}/${cls}`,
            headers: json,
            raw: JSON.stringify({ name: "T", rate_bps: 1 }),
          }),
      ),
      nonMatching(/^\s*[a-z0-9_-]{1,32}\s*$/)
        .filter(safeSegment)
        .map(
          (cls) => (): Request => ({
            label: `tax class ${JSON.stringify(cls)}`,
            method: "PUT",
            path: `/admin/api/tax-rates/US/${enc(cls)}`,
            headers: json,
            raw: JSON.stringify({ name: "T", rate_bps: 1 }),
          }),
        ),
    ),
  },
  {
    name: "PUT /admin/api/currencies/{code}",
    requests: fc.oneof(
      badBodies(
        "PUT",
        () => "/admin/api/currencies/NZD",
        () => ({ rate_from_base: "1.62", exponent: 2 }),
        [
          {
            path: ["rate_from_base"],
            bad: fc.oneof(notAString, fc.constantFrom("0", "0.0", "-1", "1e5", "abc", "1.", ".5", "1,5", " 1.2", "1234567890123.1", "1.1234567890123")),
            required: true,
          },
          { path: ["exponent"], bad: badInteger(0, 4), required: true, numeric: true },
        ],
      ),
      nonMatching(/^[A-Z]{3}$/)
        .filter(safeSegment)
        .map(
          (code) => (): Request => ({
            label: `code ${JSON.stringify(code)}`,
            method: "PUT",
            path: `/admin/api/currencies/${enc(code)}`,
            headers: json,
            raw: JSON.stringify({ rate_from_base: "1", exponent: 2 }),
          }),
        ),
      fc.constant(
        (): Request => ({
          label: "base currency with a rate other than 1",
          method: "PUT",
          path: "/admin/api/currencies/USD",
          headers: json,
          raw: JSON.stringify({ rate_from_base: "1.1", exponent: 2 }),
        }),
      ),
    ),
  },
  {
    name: "GET /admin/api/checkout-locks (list, statistics, one lock, diagnostics)",
    requests: fc.oneof(
      fc
        .record({ key: fc.constantFrom("state", "limit", "cart_id", "cursor"), value: fc.string({ maxLength: 600 }) })
        .filter(({ key, value }) =>
          key === "state"
            ? ![
                "active",
                "validating",
                "reserving",
                "locked",
                "authorizing",
                "creating_order",
                "capturing",
                "committing",
                "completed",
                "rolling_back",
                "failed",
                "cancelled",
                "expired",
              ].includes(value)
            : key === "limit"
              ? !coercesToIntegerIn(value, 1, MAX_PAGE_SIZE)
              : key === "cart_id"
                ? value.length === 0 || value.length > 64
                : true,
        )
        .map(
          ({ key, value }) =>
            (): Request => ({
              label: `list ${key}=${JSON.stringify(value).slice(0, 60)}`,
              method: "GET",
              path: `/admin/api/checkout-locks?${key}=${enc(value)}`,
              headers: ADMIN,
            }),
        ),
      fc
        .oneof(
          fc.constantFrom("0", "-1", "abc", "1.5", "2161", "1e9", ""),
          fc.string({ maxLength: 12 }).filter((v) => !coercesToIntegerIn(v, 1, MAX_WINDOW_HOURS)),
        )
        .map(
          (hours) => (): Request => ({
            label: `statistics hours=${JSON.stringify(hours)}`,
            method: "GET",
            path: `/admin/api/checkout-locks/statistics?hours=${enc(hours)}`,
            headers: ADMIN,
          }),
        ),
      fc
        .oneof(
          fc.stringMatching(/^chk_[0-9a-z]{26}$/),
          nonMatching(/^chk_/, 30).filter((s) => safeSegment(s) && s !== "statistics"),
          fc.string({ minLength: 65, maxLength: 80 }),
        )
        .map((id) => (): Request => ({ label: `lock ${JSON.stringify(id)}`, method: "GET", path: `/admin/api/checkout-locks/${enc(id)}`, headers: ADMIN })),
      fc.oneof(fc.stringMatching(/^chk_[0-9a-z]{26}$/), fc.string({ minLength: 65, maxLength: 80 }), fc.constant("")).map(
        (id) => (): Request => ({
          label: `diagnostics lock_id=${JSON.stringify(id)}`,
          method: "GET",
          path: `/admin/api/diagnostics?lock_id=${enc(id)}`,
          headers: ADMIN,
        }),
      ),
      fc
        .constantFrom("/admin/api/checkout-locks", "/admin/api/checkout-locks/statistics", "/admin/api/diagnostics")
        .chain((path) =>
          fc
            .constantFrom<Record<string, string>>({}, { authorization: "Bearer nope" }, { authorization: "Bearer test-admin-token-x" })
            .map((auth) => (): Request => ({ label: `${path} with ${JSON.stringify(auth)}`, method: "GET", path, headers: auth })),
        ),
    ),
  },
  {
    name: "POST /admin/api/checkout-locks/{id}/release and /admin/api/cleanup",
    requests: fc.oneof(
      fc.oneof(fc.stringMatching(/^chk_[0-9a-z]{26}$/), nonMatching(/^chk_/, 30).filter(safeSegment), fc.string({ minLength: 65, maxLength: 80 })).map(
        (id) => (): Request => ({
          label: `release unknown ${JSON.stringify(id)}`,
          method: "POST",
          path: `/admin/api/checkout-locks/${enc(id)}/release`,
          headers: ADMIN,
        }),
      ),
      // An ended checkout cannot be released (409), and nothing about it changes.
      fc.constant(
        (w: World): Request => ({
          label: "release a completed checkout",
          method: "POST",
          path: `/admin/api/checkout-locks/${w.completedCheckoutId}/release`,
          headers: ADMIN,
        }),
      ),
      fc.constantFrom<Record<string, string>>({}, { authorization: "Bearer nope" }).map(
        (auth) =>
          (w: World): Request => ({
            label: `release without the admin token ${JSON.stringify(auth)}`,
            method: "POST",
            path: `/admin/api/checkout-locks/${w.lockedCheckoutId}/release`,
            headers: auth,
          }),
      ),
      fc
        .oneof(
          fc.constantFrom("0", "-1", "501", "abc", "2.5", ""),
          fc.string({ maxLength: 10 }).filter((v) => !coercesToIntegerIn(v, 1, MAX_BATCH_SIZE)),
        )
        .map(
          (size) => (): Request => ({
            label: `cleanup batch_size=${JSON.stringify(size)}`,
            method: "POST",
            path: `/admin/api/cleanup?batch_size=${enc(size)}`,
            headers: ADMIN,
          }),
        ),
      fc.constantFrom<Record<string, string>>({}, { authorization: "Bearer nope" }).map(
        (auth) => (): Request => ({
          label: `cleanup without the admin token ${JSON.stringify(auth)}`,
          method: "POST",
          path: "/admin/api/cleanup",
          headers: auth,
        }),
      ),
    ),
  },
];

function notANumberOrFinite(): fc.Arbitrary<unknown> {
  return fc.oneof(fc.string({ maxLength: 5 }), fc.boolean(), fc.constant(null), fc.constant([]), fc.constant({}));
}

describe("fuzz: admin routes refuse bad input with a 4xx envelope and change nothing", () => {
  let world: World;

  beforeAll(async () => {
    const sku = `FUZZ-ADMIN-${Date.now().toString(36)}`;
    const product = await call("POST", "/admin/api/products", {
      headers: ADMIN,
      body: { title: "Admin fuzz", variants: [{ sku, prices: { USD: 2000 }, stock: 20 }] },
    });
    expect(product.status).toBe(201);
    const variantId: string = product.body.product.variants[0].id;
    expect((await call("POST", "/admin/api/discounts", { headers: ADMIN, body: { code: EXISTING_CODE, type: "percentage", percent: 10 } })).status).toBe(201);
    const lockedCart = await cartWith([[variantId, 3]]);
    const locked = await startCheckout(lockedCart);
    expect(locked.status).toBe(201);
    const [other] = await createProduct([{ stock: 5 }]);
    const completed = await completeCheckout(await cartWith([[other!, 1]]));
    expect(completed.status).toBe(201);
    world = { variantId, sku, lockedCart, lockedCheckoutId: locked.body.checkout.id, completedCheckoutId: completed.body.checkout.id };
  });

  for (const route of ROUTES) {
    it(
      `${route.name}: every bad request is a 4xx envelope and changes nothing`,
      async () => {
        const before = await stateFingerprint([world.lockedCart]);
        await fc.assert(
          fc.asyncProperty(route.requests, async (build) => {
            const request = build(world);
            const res = await workerFetch(request.method, request.path, { headers: request.headers, raw: request.raw });
            const label = `${request.method} ${request.path.slice(0, 120)} — ${request.label}`;
            expectRefusal(res, label);
            expect(await stateFingerprint([world.lockedCart]), `${label}: state changed`).toEqual(before);
          }),
          FUZZ_OPTIONS,
        );
      },
      FUZZ_TIMEOUT_MS,
    );
  }

  it(
    "every admin POST and PUT answers 413 payload_too_large for a body over 64 KiB, sized or streamed, and changes nothing",
    async () => {
      const before = await stateFingerprint([world.lockedCart]);
      const targets: Array<[string, string]> = [
        ["POST", "/admin/api/products"],
        ["PUT", `/admin/api/variants/${world.variantId}/stock`],
        ["PUT", `/admin/api/variants/${world.variantId}/prices`],
        ["PUT", `/admin/api/variants/${world.variantId}/limits`],
        ["POST", "/admin/api/discounts"],
        ["PUT", "/admin/api/tax-rates/US/standard"],
        ["PUT", "/admin/api/currencies/NZD"],
      ];
      for (const [method, path] of targets) {
        for (const streamed of [false, true]) {
          const text = oversizedJson();
          const res = await workerFetch(method, path, { headers: json, raw: streamed ? streamOf(text) : text });
          const label = `${method} ${path} ${streamed ? "streamed" : "sized"}`;
          expectRefusal(res, label);
          expect(res.status, label).toBe(413);
        }
      }
      expect(await stateFingerprint([world.lockedCart])).toEqual(before);
    },
    FUZZ_TIMEOUT_MS,
  );

  it("the locked checkout is still locked and its stock still reserved after all of it", async () => {
    const cart = (await call("GET", `/v1/carts/${world.lockedCart.id}`, { headers: world.lockedCart.auth })).body.cart;
    expect(cart.checkout).toMatchObject({ state: "locked", lock_id: world.lockedCheckoutId });
    const stock = await call("GET", `/admin/api/variants/${world.variantId}/stock`, { headers: ADMIN });
    expect(stock.body).toMatchObject({ on_hand: 20, reserved: 3, available: 17 });
  });
});
