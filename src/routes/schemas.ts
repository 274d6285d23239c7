/**
 * The schemas the routes read (docs/contract.md), gathered from src/contract: they
 * validate requests and generate /openapi.json. Each resource's schema sits there next to
 * its one serialiser; the request bodies sit there too, so the typed client reads them.
 */
import { z } from "@hono/zod-openapi";

export { CurrencyExponent } from "../contract/fields";
export {
  AddLineBody,
  ApplyDiscountBody,
  CompleteCheckoutBody,
  CountryCode,
  CreateCartBody,
  CurrencyCode,
  DiscountCode,
  Email,
  Money,
  PaymentSchema,
  Quantity,
  StartCheckoutBody,
  TtlMinutes,
  UpdateCartBody,
  UpdateLineBody,
} from "../contract/storefront-requests";

export const IdempotencyKeyHeader = z.object({
  "idempotency-key": z.string().min(1).max(255).optional().openapi({ description: "Makes the POST safe to retry (docs/contract.md)." }),
});

export { CartLineSchema, CartSchema } from "../contract/cart";
export { CheckoutSchema } from "../contract/checkout";
export { CheckoutStatusSchema } from "../contract/checkout-status";
export { OrderSchema } from "../contract/order";
export { ProductSchema } from "../contract/product";
export { QuoteLineSchema, QuoteSchema } from "../contract/quote";
export { RefundSchema } from "../contract/refund";
