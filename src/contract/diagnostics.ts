/** `Diagnostics`: the invariant checks an admin runs (`GET /admin/api/diagnostics`), over the store or one checkout. */
import { z } from "@hono/zod-openapi";
import { STATES } from "../checkout/state-machine";
import { Timestamp } from "./fields";
import { JsonValue } from "./json";

export const CheckStatusSchema = z.enum(["ok", "warn", "fail"]);
export type CheckStatus = z.output<typeof CheckStatusSchema>;

export const CheckSchema = z.object({
  name: z.string(),
  status: CheckStatusSchema,
  details: z.object({ summary: z.string() }).catchall(JsonValue).openapi({ description: "One human sentence, then the evidence" }),
});
export type Check = z.output<typeof CheckSchema>;

export const DiagnosticsSchema = z
  .object({
    status: CheckStatusSchema,
    generated_at: Timestamp,
    checks: z.array(CheckSchema),
    // With lock_id: the one checkout the checks are about.
    checkout_id: z.string().optional(),
    state: z.enum(STATES).optional(),
    explanation: z.string().optional(),
  })
  .openapi("Diagnostics");
export type Diagnostics = z.output<typeof DiagnosticsSchema>;
