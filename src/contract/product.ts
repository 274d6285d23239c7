/**
 * `Product`: a product with its variants, as the storefront catalog answers it
 * (`GET /v1/products`: each variant priced in the asked currency with what is available)
 * and as the admin's create answers it (src/contract/catalog.ts): one skeleton, each
 * answer's own variant fields.
 */
import { z } from "@hono/zod-openapi";
import { CurrencyExponent } from "./fields";

/** A product whose variants carry their id, SKU and title, then `variant`'s fields. */
export const productOf = <V extends z.ZodRawShape>(variant: V) =>
  z.object({ id: z.string(), title: z.string(), variants: z.array(z.object({ id: z.string(), sku: z.string(), title: z.string(), ...variant })) });

export const ProductSchema = productOf({
  price: z.number().int(),
  currency: z.string(),
  currency_exponent: CurrencyExponent,
  available: z.number().int(),
}).openapi("Product");
export type Product = z.output<typeof ProductSchema>;
