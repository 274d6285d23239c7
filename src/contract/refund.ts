/** `Refund`: money an order gave back (or a cancellation's refund), with the lines it covered. */
import { z } from "@hono/zod-openapi";
import { MinorUnits, Timestamp } from "./fields";

export const RefundSchema = z
  .object({
    id: z.string().openapi({ example: "ref_…" }),
    order_id: z.string(),
    kind: z.enum(["refund", "cancel"]).openapi({ description: "`cancel`: the refund of a cancellation" }),
    status: z.enum(["pending", "succeeded", "failed"]),
    amount: MinorUnits,
    currency: z.string(),
    lines: z.array(z.object({ line_id: z.string(), quantity: z.number().int(), amount: MinorUnits })),
    restock: z.boolean().openapi({ description: "Whether the refund asked to return its units to stock" }),
    restocked: z.boolean().openapi({ description: "Whether its units are back in stock (once it succeeded)" }),
    reason: z.string().nullable(),
    failure: z.string().nullable(),
    created_at: Timestamp,
    settled_at: Timestamp.nullable(),
    gateway_reference: z.string().nullable(),
  })
  .openapi("Refund");
export type Refund = z.output<typeof RefundSchema>;
