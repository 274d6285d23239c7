/**
 * The one answer each storefront fuzz case must get (test/support/fuzz-storefront-cases.ts),
 * by what is wrong and the cart's state. What the route checks itself (body, path, token)
 * is refused the same on any cart; what only the cart object can judge (a line, a code or
 * a variant it does not have) is refused as the cart's lock says first on a locked cart.
 */
import type { CartState } from "./fuzz-storefront-cases";

const BY_CART = (open: string): Record<CartState, string> => ({ open, locked: "423 cart_locked" });

const ANSWERS: Record<string, string | Record<CartState, string>> = {
  "malformed JSON": "400 validation_error",
  "JSON that is not an object": "400 validation_error",
  "an unknown field": "400 validation_error",
  "a bad Idempotency-Key": "400 validation_error",
  "not a JSON content type": "415 unsupported_media_type",
  "a body over 64 KiB": "413 payload_too_large",
  "no bearer token": "401 unauthorized",
  "another cart's token": "403 forbidden",
  "unknown cart id": "404 not_found",
  // A cart id of another shape names no cart either (only length is checked in the path).
  "malformed cart id": "404 not_found",
  "overlong cart id": "400 validation_error",
  "unknown order id": "404 not_found",
  "malformed order id": "404 not_found",
  "overlong order id": "400 validation_error",
  "overlong line id": "400 validation_error",
  "overlong code": "400 validation_error",
  "unknown line id": BY_CART("404 not_found"),
  "malformed line id": BY_CART("404 not_found"),
  "code not applied": BY_CART("404 not_found"),
  "variant_id: unknown": BY_CART("404 variant_not_found"),
  "code: unknown": BY_CART("422 invalid_discount_code"),
  "quantity: over the line limit": BY_CART("422 quantity_limit"),
};

/** "status code" for a case; a bad field value the schema refuses unless named above. Throws for a case without an answer. */
export function expectedAnswer(kind: string, state: CartState): string {
  const answer = ANSWERS[kind] ?? (kind.includes(": ") ? "400 validation_error" : undefined);
  if (answer === undefined) throw new Error(`No expected answer for the fuzz case "${kind}"`);
  return typeof answer === "string" ? answer : answer[state];
}
