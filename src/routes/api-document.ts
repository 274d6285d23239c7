/**
 * `GET /openapi.json`: the OpenAPI 3.1 document generated from the routes' own schemas,
 * with what every operation shares added once here: the servers, the tags, the licence
 * and the response headers the middleware sets on every answer.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import { REQUEST_ID_HEADER } from "../lib/request-id";
import { registerSecuritySchemes } from "./openapi-security";

type OpenAPIDocument = ReturnType<OpenAPIHono["getOpenAPI31Document"]>;
type DocumentConfig = Parameters<OpenAPIHono["getOpenAPI31Document"]>[0];
type Operation = { parameters?: { in?: string; name?: string }[]; responses?: Record<string, { headers?: Record<string, unknown> }> };

export const API_DOCUMENT_PATH = "/openapi.json";

/**
 * No licence has been chosen, so none is granted (package.json: UNLICENSED). SPDX names a
 * licence of its list by `identifier` and any other by `LicenseRef-`.
 */
const LICENSE = { name: "Proprietary: all rights reserved, no licence granted", identifier: "LicenseRef-Proprietary" };

const DOCUMENT_CONFIG: DocumentConfig = {
  openapi: "3.1.0",
  info: {
    title: "Edge Checkout",
    version: "1.0.0",
    description:
      "Checkout and order locking at the edge. Money is integer minor units. The reference with every route, state and error code is docs/contract.md in the repository.",
    license: LICENSE,
  },
  servers: [
    {
      url: "/",
      description:
        "The origin that serves this document: http://127.0.0.1:8787 under `npm start`, and a deployment's own URL (its workers.dev address or custom domain) once deployed",
    },
  ],
  tags: [
    { name: "catalog", description: "The public catalog: products with prices in a currency and available stock" },
    { name: "carts", description: "A shopper's cart, reached with the cart token answered once when it is created" },
    { name: "checkout", description: "The checkout of a cart: reserve stock and lock prices, then pay and complete, or cancel" },
    { name: "orders", description: "A paid order, read with its cart's token" },
    { name: "admin", description: "Operators: catalog, stock, locks, orders and refunds, events, cleanup (ADMIN_TOKEN or Cloudflare Access)" },
    { name: "webhooks", description: "Calls from the payment gateway, verified by their signature" },
    { name: "health", description: "The probe for monitoring: D1, the Durable Objects and overdue locks" },
  ],
};

const HEADERS: Record<string, { description: string; schema: { type: "string"; enum?: string[] } }> = {
  RequestId: {
    description: "This request's id (the client's own when it sent a valid one); logs and 5xx envelopes carry it too",
    schema: { type: "string" },
  },
  IdempotentReplayed: {
    description: "`true` when this is the stored answer to an earlier request with the same Idempotency-Key; absent otherwise",
    schema: { type: "string", enum: ["true"] },
  },
};

/** Adds the document to `app` (after its routes: they are read when it is first asked for). */
// biome-ignore lint/suspicious/noExplicitAny: any app's routes; the document does not depend on its Env
export function serveApiDocument(app: OpenAPIHono<any>): void {
  registerSecuritySchemes(app.openAPIRegistry);
  let document: OpenAPIDocument | undefined;
  app.get(API_DOCUMENT_PATH, (c) => {
    document ??= withSharedHeaders(withNullableReferences(app.getOpenAPI31Document(DOCUMENT_CONFIG)));
    return c.json(document);
  });
}

/** Every response declares X-Request-Id; those of an operation that takes an Idempotency-Key, Idempotent-Replayed too. */
function withSharedHeaders(document: OpenAPIDocument): OpenAPIDocument {
  document.components = { ...document.components, headers: { ...document.components?.headers, ...HEADERS } };
  for (const path of Object.values(document.paths ?? {})) {
    for (const operation of Object.values(path as Record<string, Operation>)) {
      const idempotent = operation.parameters?.some((p) => p.in === "header" && p.name?.toLowerCase() === "idempotency-key") ?? false;
      for (const response of Object.values(operation.responses ?? {})) {
        response.headers = {
          [REQUEST_ID_HEADER]: { $ref: "#/components/headers/RequestId" },
          ...(idempotent ? { "Idempotent-Replayed": { $ref: "#/components/headers/IdempotentReplayed" } } : {}),
          ...response.headers,
        };
      }
    }
  }
  return document;
}

/**
 * The generator writes a nullable reference as `allOf: [{$ref}, {type: [..., "null"]}]`,
 * which null never satisfies (the reference is not nullable): `anyOf` a reference or null.
 */
function withNullableReferences<T>(node: T): T {
  if (Array.isArray(node)) return node.map(withNullableReferences) as T;
  if (node === null || typeof node !== "object") return node;
  const { allOf, ...rest } = node as { allOf?: unknown[] } & Record<string, unknown>;
  const [reference, nullable, ...others] = allOf ?? [];
  const types = (nullable as { type?: unknown } | undefined)?.type;
  if (others.length === 0 && (reference as { $ref?: unknown })?.$ref && Array.isArray(types) && types.includes("null")) {
    const { type: _type, ...annotations } = nullable as Record<string, unknown>;
    return { ...rest, ...annotations, anyOf: [reference, { type: "null" }] } as T;
  }
  return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, withNullableReferences(value)])) as T;
}
