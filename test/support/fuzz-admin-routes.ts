/**
 * The admin fuzz's routes (test/support/fuzz-admin-cases.ts makes their cases): each
 * route's valid request, its fields and parameters with the ways their values can be
 * wrong, and the requests the stored state refuses with their answers (docs/contract.md).
 */
import fc from "fast-check";
import { LOCK_STATE_FILTERS, MAX_PAGE_SIZE } from "../../src/admin/checkout-locks";
import { MAX_WINDOW_HOURS } from "../../src/admin/checkout-statistics";
import { ORDER_STATUSES } from "../../src/admin/orders";
import { MAX_BULK_REDELIVER_LIMIT, MAX_EVENT_PAGE_SIZE } from "../../src/admin/webhook-events";
import { EVENT_STATUSES, EVENT_TYPES } from "../../src/contract/webhook-event";
import { MAX_PURCHASE_LIMIT } from "../../src/inventory/purchase-limits";
import { MAX_BATCH_SIZE } from "../../src/jobs/cleanup";
import { badInteger, badString, coercesToIntegerIn, nonMatching, notABoolean, notANumber, notAString, SUPPORTED_CURRENCIES } from "./bad-input";
import { type AdminRoute, type AdminWorld, EXISTING_CODE } from "./fuzz-admin-cases";
import { enc, safeSegment } from "./fuzz-requests";

const idsOf = (prefix: string, maxLength = 64) => ({
  "unknown id": fc.stringMatching(new RegExp(`^${prefix}_[0-9a-hjkmnp-tv-z]{26}$`)),
  "malformed id": nonMatching(new RegExp(`^${prefix}_`), 20).filter((s) => safeSegment(s) && s !== "statistics" && s !== "redeliver"),
  "overlong id": fc.string({ minLength: maxLength + 1, maxLength: maxLength + 30 }).filter(safeSegment),
});
const idParam = (prefix: string, at: (id: string) => string, maxLength?: number) => [{ name: "id", bad: idsOf(prefix, maxLength), at }];
const notAnInteger = (min: number, max: number) => ({
  "not an integer in range": fc
    .oneof(fc.constantFrom("0", "-1", "abc", "1.5", "1e99", "", " "), fc.string({ maxLength: 12 }))
    .filter((v) => !coercesToIntegerIn(v, min, max)),
});
const notOneOf = (allowed: readonly string[]) => ({ "not one of the values": fc.string({ maxLength: 30 }).filter((v) => !allowed.includes(v)) });
const badCursor = {
  "not one the list made": fc.oneof(fc.constant(""), fc.string({ minLength: 1, maxLength: 40 }), fc.string({ minLength: 513, maxLength: 600 })),
};
const money = { "not an integer in range": badInteger(0, 1_000_000_000_000) };
const invalidCurrencyCode = fc.oneof(nonMatching(/^[A-Z]{3}$/), notAString);
const unknownCurrencyCode = fc.stringMatching(/^[A-Z]{3}$/).filter((c) => !SUPPORTED_CURRENCIES.has(c));
const invalidCode = fc.oneof(
  nonMatching(/^\s*[A-Za-z0-9_-]{1,64}\s*$/),
  fc.string({ unit: fc.constantFrom(..."ABC"), minLength: 65, maxLength: 70 }),
  notAString,
);
const badTitle = fc.oneof(badString(200), fc.constantFrom("   ", "\t\n"));
const stockOf = (w: AdminWorld) => `/admin/api/variants/${w.variantId}/stock`;
const variantParam = (suffix: string) => idParam("var", (id) => `/admin/api/variants/${enc(id)}/${suffix}`);
const lockParam = (suffix = "") => idParam("chk", (id) => `/admin/api/checkout-locks/${enc(id)}${suffix}`);
const orderParam = (suffix = "") => idParam("ord", (id) => `/admin/api/orders/${enc(id)}${suffix}`);
const eventParam = (suffix = "") => idParam("evt", (id) => `/admin/api/events/${enc(id)}${suffix}`, 128);
const OVER_50_PRICES = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`X${String.fromCharCode(65 + (i % 26), 65 + Math.floor(i / 26))}`, 1]));
const variant = (sku: string) => ({ sku, prices: { USD: 100 }, stock: 1 });
const DISCOUNT_FIELDS = ["code", "type", "percent", "amount", "currency", "starts_at", "ends_at", "usage_limit", "min_subtotal"];

export const ADMIN_ROUTES: AdminRoute[] = [
  {
    name: "POST /admin/api/products",
    method: "POST",
    path: () => "/admin/api/products",
    body: () => ({ title: "Fuzz product", variants: [{ sku: "FUZZ-NEW-1", title: "One", prices: { USD: 1000 }, stock: 5, tax_class: "standard" }] }),
    known: (k) => k === "title" || k === "variants",
    fields: [
      { path: ["title"], bad: { invalid: badTitle }, required: true },
      { path: ["variants"], bad: { invalid: fc.oneof(notAString, fc.constant([]), fc.constant([{}])) }, required: true },
      {
        path: ["variants", 0, "sku"],
        bad: {
          invalid: fc.oneof(
            nonMatching(/^\s*[A-Za-z0-9._-]{1,64}\s*$/),
            fc.string({ unit: fc.constantFrom(..."ABC123"), minLength: 65, maxLength: 80 }),
            notAString,
          ),
        },
        required: true,
      },
      { path: ["variants", 0, "title"], bad: { invalid: badTitle } },
      {
        path: ["variants", 0, "prices"],
        bad: {
          "not an object": notAString.filter((v) => typeof v !== "object" || v === null || Array.isArray(v)),
          "a malformed currency": nonMatching(/^[A-Z]{3}$/).map((c) => ({ [c]: 100 })),
          "an unknown currency": unknownCurrencyCode.map((c) => ({ [c]: 100 })),
          "a bad amount": badInteger(0, 1_000_000_000_000).map((amount) => ({ USD: amount })),
          "over 50 currencies": fc.constant(OVER_50_PRICES),
        },
        required: true,
      },
      { path: ["variants", 0, "stock"], bad: { "not an integer in range": badInteger(0, 1_000_000_000) } },
      { path: ["variants", 0, "tax_class"], bad: { invalid: nonMatching(/^\s*[a-z0-9_-]{1,32}\s*$/) } },
      { path: ["variants", 0, "extra"], bad: { "any value": fc.jsonValue({ maxDepth: 1 }) } },
    ],
    refused: [
      { kind: "a taken SKU", answer: "409 sku_exists", body: (w) => ({ title: "Taken", variants: [variant(w.sku)] }) },
      {
        kind: "variants: the same SKU twice",
        answer: "400 validation_error",
        body: () => ({ title: "Twice", variants: [variant("FUZZ-TWICE"), variant("FUZZ-TWICE")] }),
      },
      {
        kind: "variants: over 100",
        answer: "400 validation_error",
        body: () => ({ title: "Many", variants: Array.from({ length: 101 }, (_, i) => variant(`FUZZ-MANY-${i}`)) }),
      },
    ],
  },
  { name: "GET /admin/api/variants/{id}/stock", method: "GET", path: stockOf, params: variantParam("stock") },
  {
    name: "PUT /admin/api/variants/{id}/stock",
    method: "PUT",
    path: stockOf,
    body: () => ({ on_hand: 50 }),
    fields: [{ path: ["on_hand"], bad: { "not an integer in range": badInteger(0, 1_000_000_000) }, required: true, numeric: true }],
    params: variantParam("stock"),
    // The locked checkout holds 3: nothing is written, not even the adjustment row.
    refused: [{ kind: "on_hand below what is reserved", answer: "409 stock_below_reserved", body: () => ({ on_hand: 2 }) }],
  },
  { name: "GET /admin/api/variants/{id}/limits", method: "GET", path: (w) => `/admin/api/variants/${w.variantId}/limits`, params: variantParam("limits") },
  {
    name: "PUT /admin/api/variants/{id}/limits",
    method: "PUT",
    path: (w) => `/admin/api/variants/${w.variantId}/limits`,
    body: () => ({ max_per_customer: 2 }),
    // null is valid: it clears the limit.
    fields: [
      {
        path: ["max_per_customer"],
        bad: { "not an integer in range": badInteger(1, MAX_PURCHASE_LIMIT).filter((v) => v !== null) },
        required: true,
        numeric: true,
      },
    ],
    params: variantParam("limits"),
  },
  {
    name: "PUT /admin/api/variants/{id}/prices",
    method: "PUT",
    path: (w) => `/admin/api/variants/${w.variantId}/prices`,
    body: () => ({ USD: 2499 }),
    // Keys are currency codes: an unknown field is any other key (a code of three capitals is a case of its own).
    known: (k) => /^[A-Z]{3}$/.test(k),
    fields: [{ path: ["USD"], bad: money, numeric: true }],
    params: variantParam("prices"),
    refused: [
      { kind: "prices: an unknown currency", answer: "400 validation_error", body: () => ({ USD: 2499, QQQ: 100 }) },
      { kind: "prices: over 50 currencies", answer: "400 validation_error", body: () => OVER_50_PRICES },
    ],
  },
  {
    name: "POST /admin/api/discounts",
    method: "POST",
    path: () => "/admin/api/discounts",
    body: () => ({
      code: "FUZZNEW",
      type: "percentage",
      percent: 10,
      usage_limit: 5,
      starts_at: "2026-01-01T00:00:00.000Z",
      ends_at: "2030-01-01T00:00:00.000Z",
    }),
    known: (k) => DISCOUNT_FIELDS.includes(k),
    fields: [
      { path: ["code"], bad: { invalid: invalidCode }, required: true },
      { path: ["type"], bad: { invalid: fc.oneof(notAString, fc.constantFrom("PERCENTAGE", "percent", "", "free")) }, required: true },
      {
        path: ["percent"],
        bad: {
          "not a number": notANumber,
          "out of range": fc.constantFrom(0, -5, 100.01, 101, 1e308),
          "more than two decimals": fc.constantFrom(12.345, 0.001, 99.999),
        },
        required: true,
        numeric: true,
      },
      { path: ["amount"], bad: money, numeric: true },
      { path: ["usage_limit"], bad: { "not an integer in range": badInteger(1, 1_000_000_000) }, numeric: true },
      { path: ["min_subtotal"], bad: money, numeric: true },
      {
        path: ["starts_at"],
        bad: { invalid: fc.oneof(notAString, fc.constantFrom("2026-13-01T00:00:00Z", "yesterday", "2026-01-01", "", "2026-01-01T00:00:00")) },
      },
      {
        path: ["ends_at"],
        bad: {
          invalid: fc.oneof(notAString, fc.constantFrom("never", "2030-01-01", "2030-01-01 00:00:00Z")),
          "not after starts_at": fc.constantFrom("2025-01-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z"),
        },
      },
      { path: ["currency"], bad: { invalid: invalidCurrencyCode, "not in the catalog": unknownCurrencyCode } },
    ],
    refused: [
      { kind: "a taken code", answer: "409 discount_exists", body: () => ({ code: EXISTING_CODE, type: "percentage", percent: 5 }) },
      {
        kind: "a taken code in lower case",
        answer: "409 discount_exists",
        body: () => ({ code: EXISTING_CODE.toLowerCase(), type: "percentage", percent: 5 }),
      },
      { kind: "amount: missing for a fixed discount", answer: "400 validation_error", body: () => ({ code: "FUZZFIXED", type: "fixed", currency: "USD" }) },
    ],
  },
  {
    name: "PUT /admin/api/tax-rates/{country}/{tax_class}",
    method: "PUT",
    path: () => "/admin/api/tax-rates/US/standard",
    body: () => ({ name: "Sales tax", rate_bps: 725, inclusive: false }),
    fields: [
      { path: ["name"], bad: { invalid: fc.oneof(badString(64), fc.constant("   ")) }, required: true },
      { path: ["rate_bps"], bad: { "not an integer in range": badInteger(0, 10_000) }, required: true, numeric: true },
      { path: ["inclusive"], bad: { "not a boolean": notABoolean } },
    ],
    params: [
      {
        name: "country",
        bad: { "malformed country": fc.oneof(nonMatching(/^[A-Z]{2}$/).filter(safeSegment), fc.constantFrom("usa", "us")) },
        at: (c) => `/admin/api/tax-rates/${enc(c)}/standard`,
      },
      {
        name: "tax class",
        bad: { "malformed tax class": nonMatching(/^\s*[a-z0-9_-]{1,32}\s*$/).filter(safeSegment) },
        at: (tc) => `/admin/api/tax-rates/US/${enc(tc)}`,
      },
    ],
  },
  {
    name: "PUT /admin/api/currencies/{code}",
    method: "PUT",
    path: () => "/admin/api/currencies/NZD",
    body: () => ({ rate_from_base: "1.62", exponent: 2 }),
    fields: [
      {
        path: ["rate_from_base"],
        bad: {
          invalid: fc.oneof(notAString, fc.constantFrom("0", "0.0", "-1", "1e5", "abc", "1.", ".5", "1,5", " 1.2", "1234567890123.1", "1.1234567890123")),
        },
        required: true,
      },
      { path: ["exponent"], bad: { "not an integer in range": badInteger(0, 4) }, required: true, numeric: true },
    ],
    params: [{ name: "code", bad: { "malformed currency code": nonMatching(/^[A-Z]{3}$/).filter(safeSegment) }, at: (c) => `/admin/api/currencies/${enc(c)}` }],
    refused: [
      {
        kind: "rate_from_base: not 1 for the base currency",
        answer: "400 validation_error",
        path: () => "/admin/api/currencies/USD",
        body: () => ({ rate_from_base: "1.1", exponent: 2 }),
      },
    ],
  },
  {
    name: "GET /admin/api/checkout-locks",
    method: "GET",
    path: () => "/admin/api/checkout-locks",
    query: {
      state: notOneOf(LOCK_STATE_FILTERS),
      cart_id: { "empty or overlong": fc.oneof(fc.constant(""), fc.string({ minLength: 65, maxLength: 80 })) },
      limit: notAnInteger(1, MAX_PAGE_SIZE),
      cursor: badCursor,
    },
  },
  {
    name: "GET /admin/api/checkout-locks/statistics",
    method: "GET",
    path: () => "/admin/api/checkout-locks/statistics",
    query: { hours: notAnInteger(1, MAX_WINDOW_HOURS) },
  },
  { name: "GET /admin/api/checkout-locks/{id}", method: "GET", path: (w) => `/admin/api/checkout-locks/${w.lockedCheckoutId}`, params: lockParam() },
  {
    name: "POST /admin/api/checkout-locks/{id}/release",
    method: "POST",
    path: (w) => `/admin/api/checkout-locks/${w.lockedCheckoutId}/release`,
    params: lockParam("/release"),
    refused: [{ kind: "an ended checkout", answer: "409 checkout_not_active", path: (w) => `/admin/api/checkout-locks/${w.completedCheckoutId}/release` }],
  },
  {
    name: "GET /admin/api/diagnostics",
    method: "GET",
    path: () => "/admin/api/diagnostics",
    query: { lock_id: { "empty or overlong": fc.oneof(fc.constant(""), fc.string({ minLength: 65, maxLength: 80 })) } },
    refused: [{ kind: "an unknown lock_id", answer: "404 not_found", path: () => "/admin/api/diagnostics?lock_id=chk_00000000000000000000000000" }],
  },
  { name: "POST /admin/api/cleanup", method: "POST", path: () => "/admin/api/cleanup", query: { batch_size: notAnInteger(1, MAX_BATCH_SIZE) } },
  {
    name: "GET /admin/api/orders",
    method: "GET",
    path: () => "/admin/api/orders",
    query: {
      status: notOneOf(ORDER_STATUSES),
      email: {
        "empty or overlong": fc.oneof(
          fc.constantFrom("", "  "),
          fc.string({ minLength: 255, maxLength: 300 }).filter((s) => s.trim().length > 254),
        ),
      },
      number: { "not an order number": fc.oneof(nonMatching(/^[0-9]{1,15}$/), fc.stringMatching(/^[0-9]{16,20}$/)) },
      limit: { "not an integer in range": fc.oneof(nonMatching(/^[0-9]{1,4}$/), fc.constantFrom("0", "201", "9999", "+5", "1e1")) },
      cursor: badCursor,
    },
  },
  { name: "GET /admin/api/orders/{id}", method: "GET", path: (w) => `/admin/api/orders/${w.orderId}`, params: orderParam() },
  {
    name: "POST /admin/api/orders/{id}/refunds",
    method: "POST",
    path: (w) => `/admin/api/orders/${w.orderId}/refunds`,
    idempotent: true,
    body: (w) => ({ lines: [{ line_id: w.orderLineId, quantity: 1 }], reason: "fuzz", restock: false }),
    known: (k) => ["lines", "amount", "reason", "restock"].includes(k),
    fields: [
      {
        path: ["lines"],
        bad: {
          invalid: fc.oneof(
            notAString,
            fc.constant([]),
            fc.constant([{}]),
            fc.constant(Array.from({ length: 101 }, () => ({ line_id: "line_x", quantity: 1 }))),
          ),
        },
      },
      { path: ["lines", 0, "line_id"], bad: { invalid: badString(64) }, required: true },
      { path: ["lines", 0, "quantity"], bad: { "not an integer in range": badInteger(1, 1_000_000) }, required: true },
      { path: ["lines", 0, "extra"], bad: { "any value": fc.jsonValue({ maxDepth: 1 }) } },
      { path: ["amount"], bad: { "not an integer in range": badInteger(1, 1_000_000_000_000) }, numeric: true },
      { path: ["reason"], bad: { invalid: fc.oneof(badString(500), fc.constant("   ")) } },
      { path: ["restock"], bad: { "not a boolean": notABoolean } },
    ],
    params: orderParam("/refunds"),
    refused: [
      { kind: "lines and an amount", answer: "422 invalid_refund", body: (w) => ({ lines: [{ line_id: w.orderLineId, quantity: 1 }], amount: 1 }) },
      {
        kind: "a line the order does not have",
        answer: "422 invalid_refund",
        body: () => ({ lines: [{ line_id: "line_00000000000000000000000000", quantity: 1 }] }),
      },
      { kind: "more units than the line has", answer: "422 invalid_refund", body: (w) => ({ lines: [{ line_id: w.orderLineId, quantity: 99 }] }) },
      { kind: "more than was captured", answer: "409 refund_exceeds_captured", body: () => ({ amount: 1_000_000_000 }) },
      { kind: "a cancelled order", answer: "409 order_not_refundable", path: (w) => `/admin/api/orders/${w.cancelledOrderId}/refunds`, body: () => ({}) },
    ],
  },
  {
    name: "POST /admin/api/orders/{id}/cancel",
    method: "POST",
    path: (w) => `/admin/api/orders/${w.orderId}/cancel`,
    body: () => ({ reason: "fuzz", restock: true }),
    known: (k) => k === "reason" || k === "restock",
    fields: [
      { path: ["reason"], bad: { invalid: fc.oneof(badString(500), fc.constant("   ")) } },
      { path: ["restock"], bad: { "not a boolean": notABoolean } },
    ],
    params: orderParam("/cancel"),
  },
  {
    name: "GET /admin/api/events",
    method: "GET",
    path: () => "/admin/api/events",
    query: { status: notOneOf(EVENT_STATUSES), type: notOneOf(EVENT_TYPES), limit: notAnInteger(1, MAX_EVENT_PAGE_SIZE), cursor: badCursor },
  },
  { name: "GET /admin/api/events/{id}", method: "GET", path: (w) => `/admin/api/events/${w.pendingEventId}`, params: eventParam() },
  {
    name: "POST /admin/api/events/{id}/redeliver",
    method: "POST",
    path: (w) => `/admin/api/events/${w.pendingEventId}/redeliver`,
    params: eventParam("/redeliver"),
    refused: [{ kind: "an event in flight", answer: "409 event_in_flight" }],
  },
  {
    name: "POST /admin/api/events/redeliver",
    method: "POST",
    path: () => "/admin/api/events/redeliver",
    body: () => ({ status: "dead", limit: 10 }),
    fields: [
      { path: ["status"], bad: { invalid: fc.oneof(notAString, fc.constantFrom("pending", "enqueued", "delivered", "DEAD", "")) }, required: true },
      { path: ["limit"], bad: { "not an integer in range": badInteger(1, MAX_BULK_REDELIVER_LIMIT) }, numeric: true },
    ],
  },
];
