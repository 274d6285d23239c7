/** `PurchaseLimit`: how many units of a variant one customer may buy (`/admin/api/variants/{id}/limits`). */
import { z } from "@hono/zod-openapi";

export const PurchaseLimitSchema = z.object({ variant_id: z.string(), max_per_customer: z.number().int().nullable() }).openapi("PurchaseLimit");
export type PurchaseLimit = z.output<typeof PurchaseLimitSchema>;
