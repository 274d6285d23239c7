/**
 * The API document the Worker serves at /openapi.json carries what a generated client or
 * a reader needs on every operation (`npm run lint:openapi` lints the same generator's
 * output with Redocly): ids, credentials, servers, tags and the shared response headers.
 */
import { describe, expect, it } from "vitest";
import { call } from "../support/api";

type Operation = {
  operationId?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: { in: string; name: string }[];
  responses: Record<string, { headers?: Record<string, unknown> }>;
};

async function served() {
  const res = await call("GET", "/openapi.json");
  expect(res.status).toBe(200);
  const operations = Object.entries(res.body.paths as Record<string, Record<string, Operation>>).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({ route: `${method.toUpperCase()} ${path}`, path, operation })),
  );
  return { document: res.body, operations };
}

describe("the API document at /openapi.json", () => {
  it("names every operation once, in camelCase, and says which credentials it takes", async () => {
    const { document, operations } = await served();
    expect(operations.length).toBeGreaterThan(30);
    const ids = operations.map((o) => o.operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    const schemes = Object.keys(document.components.securitySchemes);
    for (const { route, path, operation } of operations) {
      expect(operation.operationId, route).toMatch(/^[a-z][a-zA-Z]+$/);
      expect(operation.security, route).toBeInstanceOf(Array);
      for (const requirement of operation.security!) for (const scheme of Object.keys(requirement)) expect(schemes, route).toContain(scheme);
      const accepted = operation.security!.flatMap(Object.keys).sort();
      if (path.startsWith("/admin/api/")) expect(accepted, route).toEqual(["adminToken", "cloudflareAccess"]);
      else if (path.startsWith("/v1/carts/") || path.startsWith("/v1/orders/")) expect(accepted, route).toEqual(["cartToken"]);
      else expect(accepted, route).toEqual([]);
    }
    expect(document.components.securitySchemes.cloudflareAccess).toMatchObject({ type: "apiKey", in: "header", name: "cf-access-jwt-assertion" });
  });

  it("declares a relative server, described tags and a licence that grants nothing", async () => {
    const { document, operations } = await served();
    expect(document.servers).toEqual([expect.objectContaining({ url: "/" })]);
    const declared = new Map((document.tags as { name: string; description: string }[]).map((t) => [t.name, t.description]));
    for (const { route, operation } of operations) {
      expect(operation.tags, route).toHaveLength(1);
      expect(declared.get(operation.tags![0]!), route).toBeTruthy();
    }
    expect(document.info.license).toEqual({ name: expect.stringMatching(/all rights reserved/), identifier: "LicenseRef-Proprietary" });
  });

  it("declares X-Request-Id on every answer, Idempotent-Replayed where a key is taken, Retry-After on 429 and 503", async () => {
    const { document, operations } = await served();
    expect(Object.keys(document.components.headers)).toEqual(expect.arrayContaining(["RequestId", "IdempotentReplayed"]));
    let idempotent = 0;
    for (const { route, operation } of operations) {
      const takesKey = (operation.parameters ?? []).some((p) => p.in === "header" && p.name === "idempotency-key");
      if (takesKey) idempotent++;
      for (const [status, response] of Object.entries(operation.responses)) {
        const where = `${route} ${status}`;
        expect(response.headers?.["X-Request-Id"], where).toEqual({ $ref: "#/components/headers/RequestId" });
        expect(response.headers?.["Idempotent-Replayed"] !== undefined, where).toBe(takesKey);
        // The health probe's 503 is its own report, not a refusal to retry.
        if ((status === "429" || status === "503") && !route.endsWith("/health/checkout")) expect(response.headers, where).toHaveProperty(["Retry-After"]);
      }
    }
    expect(idempotent).toBeGreaterThan(5);
    const startCheckout = operations.find((o) => o.operation.operationId === "startCheckout")!;
    expect(startCheckout.operation.responses["409"]!.headers).toHaveProperty(["Retry-After"]);
  });

  it("describes every schema: none is left open ({}), and a nullable reference admits null", async () => {
    const { document } = await served();
    const open: string[] = [];
    const nullableAllOf: string[] = [];
    const walk = (node: unknown, at: string): void => {
      if (node === null || typeof node !== "object") return;
      for (const [key, value] of Object.entries(node)) {
        const here = `${at}/${key}`;
        const isSchemaSlot = key === "schema" || key === "items" || key === "additionalProperties" || at.endsWith("/properties");
        if (isSchemaSlot && value !== null && typeof value === "object" && Object.keys(value).length === 0) open.push(here);
        const admitsNull = (part: { type?: unknown }) => Array.isArray(part.type) && part.type.includes("null");
        if (key === "allOf" && (value as { type?: unknown }[]).some(admitsNull)) nullableAllOf.push(here);
        walk(value, here);
      }
    };
    walk(document.paths, "#/paths");
    walk(document.components.schemas, "#/components/schemas");
    expect(open).toEqual([]);
    expect(nullableAllOf).toEqual([]);
    // What varies per event is still declared as JSON.
    expect(document.components.schemas.JsonValue.type).toEqual(["string", "number", "boolean", "null", "array", "object"]);
    expect(document.components.schemas.AdminOrderDetail.properties.timeline.items.properties.detail).toMatchObject({ type: ["object", "null"] });
  });
});
