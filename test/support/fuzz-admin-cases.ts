/**
 * The admin fuzz's cases, enumerated: every (admin route, what is wrong) is a case of its
 * own, run in every run, with the one answer docs/contract.md gives it (status and error
 * code); fast-check makes only the values inside a case. Bad credentials are 401 on every
 * route, a bad body, query or path value 400, an unknown id 404, and what the stored state
 * forbids (a taken SKU, stock below what is reserved, an ended checkout) its own code.
 */
import fc from "fast-check";
import { ADMIN, type TestCart } from "./api";
import { badIdempotencyKeyKind, enc, type Kind, noCredentialsKind, type RouteRequest, requestKinds, variedKind } from "./fuzz-requests";

export const EXISTING_CODE = "ADMINFUZZ";

/** What the cases run against, made once by the test. */
export interface AdminWorld {
  variantId: string;
  sku: string;
  /** A checkout holding 3 of the variant's units. */
  lockedCart: TestCart;
  lockedCheckoutId: string;
  completedCheckoutId: string;
  orderId: string;
  orderLineId: string;
  cancelledOrderId: string;
  /** An outbox event not yet relayed. */
  pendingEventId: string;
}
export type At = [AdminWorld];

/** A request the stored state refuses, in place of the valid one's body or path. */
export interface Refused {
  kind: string;
  answer: string;
  body?: (w: AdminWorld) => unknown;
  path?: (w: AdminWorld) => string;
}

export interface AdminRoute extends Omit<RouteRequest<At>, "headers"> {
  name: string;
  method: string;
  /** Query parameters: each bad value is sent alone. */
  query?: Record<string, Record<string, fc.Arbitrary<string>>>;
  refused?: Refused[];
  /** Needs an Idempotency-Key (a fresh one per request). */
  idempotent?: boolean;
}

export interface AdminCase extends Kind<At> {
  route: AdminRoute;
  answer: string;
}

/** The answer of each kind of case no field names; a bad field or query value ("name: what") is a 400. */
const ANSWERS: Record<string, string> = {
  "malformed JSON": "400 validation_error",
  "JSON that is not an object": "400 validation_error",
  "an unknown field": "400 validation_error",
  "not a JSON content type": "415 unsupported_media_type",
  "a body over 64 KiB": "413 payload_too_large",
  "no admin token": "401 unauthorized",
  "a wrong admin token": "401 unauthorized",
  "no Idempotency-Key": "400 validation_error",
  "a bad Idempotency-Key": "400 validation_error",
  "unknown id": "404 not_found",
  // Ids have no shape in the path but their length: another shape names nothing either.
  "malformed id": "404 not_found",
  "overlong id": "400 validation_error",
  "malformed country": "400 validation_error",
  "malformed tax class": "400 validation_error",
  "malformed currency code": "400 validation_error",
};

function answerOf(kind: string): string {
  const answer = ANSWERS[kind] ?? (kind.includes(": ") ? "400 validation_error" : undefined);
  if (answer === undefined) throw new Error(`No expected answer for the admin fuzz case "${kind}"`);
  return answer;
}

/** Every way this admin route's request can be wrong: the enumerated cases. */
export function casesOf(route: AdminRoute): AdminCase[] {
  const request: RouteRequest<At> = {
    ...route,
    headers: () => ({ ...ADMIN, ...(route.idempotent ? { "idempotency-key": crypto.randomUUID() } : {}) }),
  };
  const kinds = requestKinds(request).map((k) => ({ ...k, answer: answerOf(k.kind) }));
  const add = (kind: Kind<At>, answer = answerOf(kind.kind)) => kinds.push({ ...kind, answer });
  add(noCredentialsKind(request, "no admin token"));
  add(
    variedKind(
      request,
      "a wrong admin token",
      wrongAdminToken,
      (h) => `authorization ${JSON.stringify(h)}`,
      (h, valid) => ({
        ...valid,
        headers: { ...valid.headers, authorization: h },
      }),
    ),
  );
  for (const [name, bad] of Object.entries(route.query ?? {})) {
    for (const [what, arb] of Object.entries(bad)) {
      add(
        variedKind(
          request,
          `${name}: ${what}`,
          arb,
          (v) => `${name}=${JSON.stringify(v).slice(0, 80)}`,
          (v, valid) => ({ ...valid, path: `${valid.path}?${name}=${enc(v)}` }),
        ),
      );
    }
  }
  if (route.idempotent) {
    add(badIdempotencyKeyKind(request));
    add(
      variedKind(
        request,
        "no Idempotency-Key",
        fc.constant(null),
        () => "no idempotency-key",
        (_v, valid) => {
          const { "idempotency-key": _, ...headers } = valid.headers;
          return { ...valid, headers };
        },
      ),
    );
  }
  for (const r of route.refused ?? []) {
    add(
      variedKind(
        request,
        r.kind,
        fc.constant(null),
        () => r.kind,
        (_v, valid, w) => ({
          ...valid,
          path: r.path?.(w) ?? valid.path,
          raw: r.body ? JSON.stringify(r.body(w)) : valid.raw,
        }),
      ),
      r.answer,
    );
  }
  return kinds.map((k) => ({ ...k, route }));
}

const wrongAdminToken = fc.constantFrom("Bearer wrong-token", "Bearer test-admin-token-x", "Bearer TEST-ADMIN-TOKEN", "Bearer test-admin-toke");
