/**
 * Every error code the API answers, once: its HTTP status, its default message and the
 * shape of its `details`. `AppError` takes its status from here (an unknown code does not
 * compile), the OpenAPI document lists each route's codes from here, and the typed client
 * derives its code union and details types from here (type-only: it ships no zod).
 */
import { z } from "@hono/zod-openapi";
import { PHASES, STATES } from "../vocabulary/checkout-states";

/** A refusal `details` may carry more than it names (e.g. the phase a checkout failed in). */
const details = <T extends z.ZodRawShape>(shape: T) => z.looseObject(shape);

const checkoutRef = {
  checkout_id: z.string(),
  state: z.enum(STATES),
  phase: z.enum(PHASES),
  expires_at: z.string(),
};

interface CatalogueEntry {
  status: 400 | 401 | 402 | 403 | 404 | 405 | 409 | 410 | 413 | 415 | 422 | 423 | 429 | 500 | 502 | 503;
  message: string;
  details?: z.ZodType;
  /** The answer carries (or may carry) a `Retry-After` header: try again after that many seconds. */
  retryAfter?: true;
}

export const ERROR_CATALOGUE = {
  validation_error: {
    status: 400,
    message: "The request is not valid.",
    details: details({ issues: z.array(z.object({ path: z.string(), message: z.string() })) }),
  },
  bad_request: { status: 400, message: "The request cannot be served." },
  invalid_signature: { status: 400, message: "The webhook signature is not valid.", details: details({ reason: z.string() }) },
  unauthorized: { status: 401, message: "Missing or malformed credentials." },
  payment_declined: {
    status: 402,
    message: "The payment method was declined.",
    details: details({
      checkout_id: z.string().optional(),
      can_resume: z.boolean().optional(),
      decline_code: z.string().nullable().optional(),
      phase: z.enum(PHASES).optional(),
    }),
  },
  forbidden: { status: 403, message: "These credentials are not for this resource." },
  not_found: { status: 404, message: "Not found." },
  variant_not_found: { status: 404, message: "No such variant is for sale.", details: details({ variant_id: z.string().optional() }) },
  method_not_allowed: { status: 405, message: "This method is not allowed here." },
  checkout_in_progress: { status: 409, message: "A checkout is already active for this cart.", retryAfter: true, details: details(checkoutRef) },
  insufficient_stock: {
    status: 409,
    message: "Not enough stock for some lines.",
    retryAfter: true,
    details: details({
      lines: z.array(
        z.looseObject({
          variant_id: z.string(),
          requested: z.number().int(),
          available: z.number().int(),
          retry_after_seconds: z.number().int().optional(),
        }),
      ),
    }),
  },
  price_changed: {
    status: 409,
    message: "The total changed since it was shown.",
    details: details({ expected_total: z.number().int(), actual_total: z.number().int() }),
  },
  no_active_checkout: { status: 409, message: "There is no active checkout." },
  cart_completed: { status: 409, message: "This cart became an order and is read-only.", details: details({ order_id: z.string().nullable() }) },
  checkout_ended: {
    status: 409,
    message: "The checkout this Idempotency-Key ran against has ended.",
    details: details({ checkout_id: z.string(), state: z.enum(STATES) }),
  },
  purchase_limit: {
    status: 409,
    message: "This would exceed the variant's limit per customer.",
    details: details({ variant_id: z.string(), limit: z.number().int(), already: z.number().int() }),
  },
  refund_exceeds_captured: {
    status: 409,
    message: "The refund exceeds what remains captured.",
    details: details({ refundable: z.number().int() }),
  },
  order_not_refundable: { status: 409, message: "This order cannot be refunded." },
  request_in_progress: { status: 409, message: "A request with this Idempotency-Key is still running.", retryAfter: true },
  checkout_not_active: { status: 409, message: "This checkout is not active." },
  cart_exists: {
    status: 409,
    message: "A cart was already created with this Idempotency-Key; its token is answered only once.",
    details: details({ cart_id: z.string() }),
  },
  event_in_flight: { status: 409, message: "This event is already on its way." },
  sku_exists: { status: 409, message: "A variant with this SKU exists already.", details: details({ skus: z.array(z.string()) }) },
  discount_exists: { status: 409, message: "A discount with this code exists already." },
  stock_below_reserved: { status: 409, message: "on_hand cannot go below the units reserved by active checkouts." },
  conflict: { status: 409, message: "The request conflicts with the resource's state." },
  checkout_expired: {
    status: 410,
    message: "The checkout expired; its stock and prices were released.",
    details: details({ checkout_id: z.string(), expires_at: z.string() }),
  },
  payload_too_large: { status: 413, message: "Request bodies are limited to 64 KiB." },
  unsupported_media_type: { status: 415, message: "Send JSON with Content-Type: application/json." },
  cart_empty: { status: 422, message: "The cart is empty." },
  invalid_discount_code: {
    status: 422,
    message: "This discount code cannot be used.",
    details: details({ code: z.string().nullable().optional(), reason: z.string().optional() }),
  },
  idempotency_key_reused: { status: 422, message: "This Idempotency-Key was used with a different request." },
  quantity_limit: { status: 422, message: "Over the quantity limit." },
  currency_not_supported: { status: 422, message: "This currency is not supported.", details: details({ currency: z.string() }) },
  amount_too_small: {
    status: 422,
    message: "The total is below the payment gateway's minimum for the currency.",
    details: details({ currency: z.string(), minimum: z.number().int() }),
  },
  amount_not_chargeable: { status: 422, message: "The total cannot be charged in the payment gateway's units for the currency." },
  email_required: { status: 422, message: "This cart needs an email before checkout." },
  invalid_refund: { status: 422, message: "A line or quantity is beyond what remains to refund." },
  cart_locked: { status: 423, message: "The cart is locked by an active checkout.", retryAfter: true, details: details(checkoutRef) },
  rate_limited: { status: 429, message: "Too many requests; try again later.", retryAfter: true },
  internal_error: { status: 500, message: "Something went wrong on our side." },
  payment_gateway_error: {
    status: 502,
    message: "The payment gateway failed; retrying is safe.",
    details: details({ phase: z.enum(PHASES).optional(), checkout_id: z.string().optional(), can_resume: z.boolean().optional() }),
  },
  unavailable: { status: 503, message: "A dependency is unavailable; retrying is safe.", retryAfter: true },
  admin_disabled: { status: 503, message: "Admin is disabled: no admin credential is configured." },
} as const satisfies Record<string, CatalogueEntry>;

type Catalogue = typeof ERROR_CATALOGUE;
export type ErrorCode = keyof Catalogue;
export type ErrorStatus<C extends ErrorCode> = Catalogue[C]["status"];

/** `details` of a code: its schema's input where it has one (more keys allowed), else any record. */
export type ErrorDetails<C extends ErrorCode> = Catalogue[C] extends { details: z.ZodType } ? z.input<Catalogue[C]["details"]> : Record<string, unknown>;

/** The details types of the codes that promise a shape, as the typed client sees them. */
export type PromisedErrorDetails = {
  [C in ErrorCode as Catalogue[C] extends { details: z.ZodType } ? C : never]: Catalogue[C] extends { details: z.ZodType }
    ? z.output<Catalogue[C]["details"]>
    : never;
};

export const ERROR_CODES = Object.keys(ERROR_CATALOGUE) as ErrorCode[];

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CATALOGUE, code);
}

export function errorStatus<C extends ErrorCode>(code: C): ErrorStatus<C> {
  return ERROR_CATALOGUE[code].status;
}

export function defaultMessage(code: ErrorCode): string {
  return ERROR_CATALOGUE[code].message;
}

export function detailsSchema(code: ErrorCode): z.ZodType | undefined {
  const entry: CatalogueEntry = ERROR_CATALOGUE[code];
  return entry.details;
}

export function sendsRetryAfter(code: ErrorCode): boolean {
  const entry: CatalogueEntry = ERROR_CATALOGUE[code];
  return entry.retryAfter === true;
}
