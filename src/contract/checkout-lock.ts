/**
 * Checkout locks as the admin API answers them (`/admin/api/checkout-locks`): a summary
 * per line of the list, and one lock in full: its checkout, timeline, reservations,
 * payments and order.
 */
import { z } from "@hono/zod-openapi";
import { PHASES, STATES } from "../checkout/state-machine";
import { CheckoutSchema } from "./checkout";
import { CurrencyExponent, MinorUnits, Timestamp } from "./fields";
import { JsonObject } from "./json";
import { OrderSchema } from "./order";

const Failure = z.object({ phase: z.string(), code: z.string(), message: z.string() });

export const LockSummarySchema = z
  .object({
    id: z.string(),
    cart_id: z.string(),
    state: z.enum(STATES),
    phase: z.enum(PHASES),
    active: z.boolean(),
    currency: z.string(),
    currency_exponent: CurrencyExponent,
    total: MinorUnits.nullable(),
    order_id: z.string().nullable(),
    payment_attempts: z.number().int().openapi({ description: "How many payment attempts the checkout made" }),
    created_at: Timestamp,
    locked_at: Timestamp.nullable(),
    expires_at: Timestamp,
    completed_at: Timestamp.nullable(),
    ended_at: Timestamp.nullable(),
    duration_seconds: z.number().nullable(),
    overdue: z.boolean().openapi({ description: "Active past its deadline: the next alarm or cleanup run ends it" }),
    failure: Failure.nullable(),
    cancel_reason: z.string().nullable(),
    updated_at: Timestamp,
  })
  .openapi("CheckoutLockSummary");
export type LockSummary = z.output<typeof LockSummarySchema>;

/** The `Checkout` as the admin reads it from D1, with the list's figures beside it. */
export const AdminCheckoutSchema = CheckoutSchema.extend({
  active: z.boolean(),
  currency: z.string(),
  currency_exponent: CurrencyExponent,
  total: MinorUnits.nullable(),
  duration_seconds: z.number().nullable(),
  overdue: z.boolean(),
  updated_at: Timestamp,
}).openapi("AdminCheckout");
export type AdminCheckout = z.output<typeof AdminCheckoutSchema>;

export const LockDetailSchema = z
  .object({
    checkout: AdminCheckoutSchema,
    timeline: z.array(
      z.object({
        at: Timestamp,
        state: z.string(),
        phase: z.string(),
        event: z.string(),
        detail: JsonObject.nullable().openapi({ description: "The facts of this step; its fields depend on the event" }),
      }),
    ),
    reservations: z.array(
      z.object({
        variant_id: z.string(),
        sku: z.string().nullable(),
        quantity: z.number().int(),
        status: z.string(),
        expires_at: Timestamp,
        created_at: Timestamp,
        updated_at: Timestamp,
      }),
    ),
    discount_reservations: z.array(z.object({ code: z.string(), status: z.string(), updated_at: Timestamp })),
    payments: z.array(
      z.object({
        id: z.string(),
        attempt: z.number().int(),
        provider: z.string(),
        reference: z.string().nullable(),
        status: z.string(),
        amount: MinorUnits,
        captured_amount: MinorUnits.nullable(),
        currency: z.string(),
        decline_code: z.string().nullable(),
        created_at: Timestamp,
        updated_at: Timestamp,
      }),
    ),
    order: OrderSchema.nullable(),
    quote_status: z.string().nullable(),
  })
  .openapi("CheckoutLockDetail");
export type LockDetail = z.output<typeof LockDetailSchema>;
