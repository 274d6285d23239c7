/**
 * The contract check: an answer must be one its route declares in the OpenAPI document
 * (its status listed, its body parsed by the declared schema with every object closed),
 * so a field the document does not describe fails, as does an error code the route does
 * not list for that status.
 */
import { z } from "@hono/zod-openapi";
import { expect } from "vitest";
import { createApp } from "../../src/app";
import { call, type Res } from "./api";

type Declared = { method: string; pattern: RegExp; template: string; responses: Record<string, { content?: Record<string, { schema?: unknown }> }> };

let declared: Declared[] | null = null;
const params = (template: string) => template.split("{").length - 1;

function routes(): Declared[] {
  declared ??= createApp()
    .openAPIRegistry.definitions.filter((d) => d.type === "route")
    .map((d) => {
      const route = d.route;
      const pattern = new RegExp(`^${route.path.replace(/\{[^}]+\}/g, "[^/]+")}$`);
      return { method: route.method.toUpperCase(), pattern, template: route.path, responses: route.responses as Declared["responses"] };
    })
    // A literal segment wins over a parameter (`/checkout-locks/statistics` over `/{id}`).
    .sort((a, b) => params(a.template) - params(b.template));
  return declared;
}

/** The schema with every object closed (no undeclared field), all the way down. */
export function closed(schema: z.ZodType): z.ZodType {
  if (schema instanceof z.ZodObject) {
    const shape = Object.fromEntries(Object.entries(schema.shape as Record<string, z.ZodType>).map(([k, v]) => [k, closed(v)]));
    // A map the document declares open (`catchall`, e.g. a check's evidence) stays open.
    const catchall = schema.def.catchall;
    return catchall && !(catchall instanceof z.ZodNever) ? z.object(shape).catchall(catchall) : z.strictObject(shape);
  }
  if (schema instanceof z.ZodArray) return z.array(closed(schema.element as z.ZodType));
  if (schema instanceof z.ZodNullable) return closed(schema.unwrap() as z.ZodType).nullable();
  if (schema instanceof z.ZodOptional) return closed(schema.unwrap() as z.ZodType).optional();
  if (schema instanceof z.ZodDefault) return closed(schema.unwrap() as z.ZodType);
  if (schema instanceof z.ZodUnion) return z.union((schema.options as z.ZodType[]).map(closed) as [z.ZodType, z.ZodType, ...z.ZodType[]]);
  if (schema instanceof z.ZodRecord) return z.record(schema.keyType as z.ZodString, closed(schema.valueType as z.ZodType));
  return schema;
}

/** Fails unless `res` is an answer the route of `method path` declares. */
export function expectDeclared(method: string, path: string, res: Res): void {
  const pathname = path.split("?")[0]!;
  const route = routes().find((r) => r.method === method && r.pattern.test(pathname));
  expect(route, `${method} ${pathname} is in the OpenAPI document`).toBeDefined();
  const response = route!.responses[String(res.status)];
  expect(response, `${method} ${route!.template} declares a ${res.status} (${JSON.stringify(res.body).slice(0, 300)})`).toBeDefined();
  const schema = response!.content?.["application/json"]?.schema;
  if (schema === undefined) return; // an answer without a JSON body (204)
  const parsed = closed(schema as z.ZodType).safeParse(res.body);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}${"keys" in i ? ` ${JSON.stringify(i.keys)}` : ""}`);
    expect.fail(`${method} ${route!.template} → ${res.status} does not match its declared schema:\n  ${issues.join("\n  ")}`);
  }
}

/** `call`, and the answer checked against the document. */
export async function contractCall<T = any>(method: string, path: string, options: Parameters<typeof call>[2] = {}): Promise<Res<T>> {
  const res = await call<T>(method, path, options);
  expectDeclared(method, path, res);
  return res;
}
