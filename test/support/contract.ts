/**
 * The contract check every request helper of the suite applies: a JSON answer must be one
 * its route declares in the app's own OpenAPI registry (its status listed, its body parsed
 * by the declared zod schema with every object closed), so a field the document does not
 * describe fails the test that received it, as does an undeclared status or an error code
 * the route does not list for that status. Schemas are closed once per file and route.
 */
import { z } from "@hono/zod-openapi";
import { createApp } from "../../src/app";
import { ERROR_CODES, type ErrorCode, errorStatus } from "../../src/lib/error-catalogue";
import { errorSchema } from "../../src/routes/error-responses";

interface DeclaredResponse {
  content?: Record<string, { schema?: unknown }>;
}
interface DeclaredRoute {
  method: string;
  pattern: RegExp;
  template: string;
  responses: Record<string, DeclaredResponse>;
}

let declared: DeclaredRoute[] | null = null;
const params = (template: string) => template.split("{").length - 1;

function routes(): DeclaredRoute[] {
  declared ??= createApp()
    .openAPIRegistry.definitions.filter((d) => d.type === "route")
    .map((d) => {
      const route = d.route;
      const pattern = new RegExp(`^${route.path.replace(/\{[^}]+\}/g, "[^/]+")}$`);
      return { method: route.method.toUpperCase(), pattern, template: route.path, responses: route.responses as DeclaredRoute["responses"] };
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

const compiled = new Map<string, z.ZodType | null>();

/** The document itself: it describes the API, not itself. */
const DOCUMENT_PATHS = new Set(["/openapi.json"]);

/** The envelope of a refusal before routing (unknown path or method, the admin guard): a code of its status. */
function refusalSchema(status: number): z.ZodType | null {
  const key = `refusal ${status}`;
  if (!compiled.has(key)) {
    const codes = ERROR_CODES.filter((c) => errorStatus(c) === status);
    compiled.set(key, codes.length ? closed(errorSchema(codes as [ErrorCode, ...ErrorCode[]])) : null);
  }
  return compiled.get(key)!;
}

/** The closed body schema of `route`'s `status` answer (null: no JSON body), compiled once. */
function bodySchema(route: DeclaredRoute, status: string): z.ZodType | null {
  const key = `${route.method} ${route.template} ${status}`;
  if (!compiled.has(key)) {
    const schema = route.responses[status]?.content?.["application/json"]?.schema;
    compiled.set(key, schema === undefined ? null : closed(schema as z.ZodType));
  }
  return compiled.get(key)!;
}

export interface Answer {
  status: number;
  body: unknown;
  headers: Headers;
}

/** Why `answer` is not one the document declares for `method path`, or null when it is. */
export function contractDrift(method: string, path: string, answer: Answer): string | null {
  if (!answer.headers.get("content-type")?.startsWith("application/json")) return null;
  const pathname = path.split("?")[0]!;
  if (DOCUMENT_PATHS.has(pathname)) return null;
  const route = routes().find((r) => r.method === method && r.pattern.test(pathname));
  const sample = JSON.stringify(answer.body).slice(0, 300);
  if (!route) {
    // No route for this method and path: only the error envelope may answer, with a code of its status.
    const refusal = answer.status >= 400 ? refusalSchema(answer.status) : null;
    return refusal?.safeParse(answer.body).success
      ? null
      : `${method} ${pathname} answered JSON but is not in the OpenAPI document (${answer.status} ${sample})`;
  }
  const status = String(answer.status);
  if (!route.responses[status]) return `${method} ${route.template} does not declare a ${status} (${sample})`;
  const schema = bodySchema(route, status);
  if (schema === null) return `${method} ${route.template} declares its ${status} without a JSON body (${sample})`;
  const parsed = schema.safeParse(answer.body);
  if (parsed.success) return null;
  const issues = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}${"keys" in i ? ` ${JSON.stringify(i.keys)}` : ""}`);
  return `${method} ${route.template} → ${status} does not match its declared schema:\n  ${issues.join("\n  ")}\n  (${sample})`;
}

export class ContractDriftError extends Error {
  override name = "ContractDriftError";
}

/** Throws unless `answer` is one the route of `method path` declares. */
export function assertDeclared(method: string, path: string, answer: Answer): void {
  const drift = contractDrift(method.toUpperCase(), path, answer);
  if (drift) throw new ContractDriftError(drift);
}

/** The same check on a raw `Response` (for tests that call the Worker through the typed client). */
export async function assertDeclaredResponse(method: string, url: string, response: Response): Promise<void> {
  if (!response.headers.get("content-type")?.startsWith("application/json")) return;
  const text = await response.clone().text();
  const { pathname, search } = new URL(url);
  assertDeclared(method, pathname + search, { status: response.status, body: text ? JSON.parse(text) : null, headers: response.headers });
}
