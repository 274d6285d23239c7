/**
 * The storefront API's request and response types, inferred from the zod schemas of
 * src/contract that validate the requests and describe the responses. Type-only imports:
 * the client ships no zod, and a change to the contract is a type error here.
 */
import type { z } from "@hono/zod-openapi";
import type { CartSchema } from "../contract/cart";
import type { CheckoutSchema } from "../contract/checkout";
import type { CheckoutStatusSchema } from "../contract/checkout-status";
import type { OrderSchema } from "../contract/order";
import type { ProductSchema } from "../contract/product";
import type { QuoteSchema } from "../contract/quote";
import type { RefundSchema } from "../contract/refund";
import type * as Requests from "../contract/storefront-requests";

export type Cart = z.output<typeof CartSchema>;
export type CartLine = Cart["lines"][number];
export type CheckoutStatus = z.output<typeof CheckoutStatusSchema>;
export type Checkout = z.output<typeof CheckoutSchema>;
export type Quote = z.output<typeof QuoteSchema>;
export type QuoteLine = Quote["lines"][number];
export type Order = z.output<typeof OrderSchema>;
export type Refund = z.output<typeof RefundSchema>;
export type RefundLine = Refund["lines"][number];
export type Product = z.output<typeof ProductSchema>;
export type ProductVariant = Product["variants"][number];
export type CheckoutState = Checkout["state"];
export type CheckoutPhase = Checkout["phase"];

export type CreateCartInput = z.input<typeof Requests.CreateCartBody>;
export type AddLineInput = z.input<typeof Requests.AddLineBody>;
export type UpdateLineInput = z.input<typeof Requests.UpdateLineBody>;
export type ApplyDiscountInput = z.input<typeof Requests.ApplyDiscountBody>;
export type UpdateCartInput = z.input<typeof Requests.UpdateCartBody>;
export type StartCheckoutInput = z.input<typeof Requests.StartCheckoutBody>;
export type CompleteCheckoutInput = z.input<typeof Requests.CompleteCheckoutBody>;
export type PaymentMethod = z.input<typeof Requests.PaymentSchema>;

/** `POST /v1/carts` → 201: the token is returned once; keep it with the cart id. */
export interface CreatedCart {
  cart: Cart;
  token: string;
}
export interface CartResponse {
  cart: Cart;
}
export interface CheckoutResponse {
  checkout: Checkout;
}
/** `POST …/checkout/complete` → 201. */
export interface CompletedCheckout {
  order: Order;
  checkout: Checkout;
}
/** `POST …/checkout/complete` → 202: the shopper must act (3-D Secure), then complete again. */
export interface CheckoutNeedsAction {
  checkout: Checkout;
  next_action: { type: string; client_secret: string };
  /** The deadline this challenge extended (once per checkout, to at least 10 minutes from now), or null. */
  deadline_extension: { from: string; to: string } | null;
}
export interface OrderResponse {
  order: Order;
}
export interface ProductList {
  data: Product[];
}
