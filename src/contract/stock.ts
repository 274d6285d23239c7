/** `Stock`: a variant's units as the admin API answers them (`/admin/api/variants/{id}/stock`). */
import { z } from "@hono/zod-openapi";

export const StockSchema = z
  .object({
    variant_id: z.string(),
    on_hand: z.number().int(),
    reserved: z.number().int().openapi({ description: "Held by active checkouts" }),
    available: z.number().int().openapi({ description: "on_hand − reserved" }),
  })
  .openapi("Stock");
export type Stock = z.output<typeof StockSchema>;

/** A stock change's answer: the new level, and the adjustment it recorded (the new on_hand less the one it replaced). */
export const StockSetSchema = StockSchema.extend({
  adjusted_by: z.number().int().openapi({ description: "on_hand set less the on_hand it replaced: the adjustment row this change recorded" }),
}).openapi("StockSet");
