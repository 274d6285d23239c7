/** `Product`: the storefront catalog (`GET /v1/products`), each variant priced in the asked currency with what is available. */
import { z } from "@hono/zod-openapi";
import { CurrencyExponent } from "./fields";

export const ProductSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    variants: z.array(
      z.object({
        id: z.string(),
        sku: z.string(),
        title: z.string(),
        price: z.number().int(),
        currency: z.string(),
        currency_exponent: CurrencyExponent,
        available: z.number().int(),
      }),
    ),
  })
  .openapi("Product");
export type Product = z.output<typeof ProductSchema>;
