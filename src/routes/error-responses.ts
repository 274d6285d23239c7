/**
 * The error answers of a route in the OpenAPI document, from the error catalogue: one
 * response per status, its `code` an enum of the codes the route can answer there, and
 * `Retry-After` declared where one of them sends it.
 */
import { z } from "@hono/zod-openapi";
import { JsonObject } from "../contract/json";
import { defaultMessage, type ErrorCode, errorStatus, sendsRetryAfter } from "../lib/error-catalogue";

const RETRY_AFTER = {
  "Retry-After": { description: "Seconds to wait before trying again", schema: { type: "integer" as const, minimum: 0 } },
};

/** The envelope of an error answer whose code is one of `codes`. */
export function errorSchema(codes: readonly [ErrorCode, ...ErrorCode[]]) {
  return z.object({
    error: z.object({
      code: z.enum(codes),
      message: z.string(),
      details: JsonObject.optional(),
      request_id: z.string().optional().openapi({ description: "On 5xx answers: the request's X-Request-Id, to quote when asking for help" }),
    }),
  });
}

type ErrorResponse = {
  description: string;
  content: { "application/json": { schema: ReturnType<typeof errorSchema> } };
  headers?: typeof RETRY_AFTER;
};

/** `responses` entries for the codes a route can answer, grouped by their status. */
export function errorResponses(...codes: ErrorCode[]): Record<number, ErrorResponse> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set(codes)) {
    const status = errorStatus(code);
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Record<number, ErrorResponse> = {};
  for (const [status, [first, ...rest]] of byStatus) {
    const group: [ErrorCode, ...ErrorCode[]] = [first!, ...rest];
    responses[status] = {
      description: group.map((code) => `\`${code}\`: ${defaultMessage(code)}`).join(" "),
      content: { "application/json": { schema: errorSchema(group) } },
      ...(group.some(sendsRetryAfter) ? { headers: RETRY_AFTER } : {}),
    };
  }
  return responses;
}

/** Codes of the admin API's guard (`requireAdmin`) and of any bug. */
export const ADMIN_ERRORS: ErrorCode[] = ["validation_error", "unauthorized", "admin_disabled", "unavailable", "internal_error"];
/** Codes of a call to a cart with its token, through the cart object. */
export const CART_CALL_ERRORS: ErrorCode[] = ["validation_error", "unauthorized", "forbidden", "not_found", "unavailable", "internal_error"];
/** Codes of a request with a JSON body, refused before it is read. */
export const BODY_ERRORS: ErrorCode[] = ["payload_too_large", "unsupported_media_type"];
/** Codes of a POST under an Idempotency-Key. */
export const IDEMPOTENCY_ERRORS: ErrorCode[] = ["idempotency_key_reused", "request_in_progress"];
