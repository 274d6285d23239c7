/** The Stripe API objects this service reads, with only the fields it reads (API version pinned in stripe-client.ts). */

/** The fields of a PaymentIntent the gateway reads. */
export interface StripePaymentIntent {
  id: string;
  object?: string;
  status: "requires_payment_method" | "requires_confirmation" | "requires_action" | "processing" | "requires_capture" | "canceled" | "succeeded";
  amount: number;
  amount_capturable?: number;
  amount_received?: number;
  currency: string;
  client_secret?: string | null;
  metadata?: Record<string, string>;
  last_payment_error?: { code?: string; decline_code?: string; message?: string } | null;
}

export interface StripeRefund {
  id: string;
  amount: number;
  currency?: string;
  status: "pending" | "requires_action" | "succeeded" | "failed" | "canceled";
  payment_intent?: string | null;
  metadata?: Record<string, string>;
}
