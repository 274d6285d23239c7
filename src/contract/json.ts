/**
 * Any JSON value, for the parts of an answer whose fields depend on what they record
 * (a timeline entry's facts, an event's data): declared as JSON, not left undescribed.
 */
import { z } from "@hono/zod-openapi";

export const JsonValue = z.unknown().openapi("JsonValue", {
  type: ["string", "number", "boolean", "null", "array", "object"],
  description: "Any JSON value",
});

// Not a named component: a nullable reference would be written as allOf[ref, null], which no null satisfies.
export const JsonObject = z.record(z.string(), JsonValue);
