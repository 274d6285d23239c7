/** Purchase limits per customer (docs/contract.md, Purchase limits): read and set a variant's `max_per_customer`. */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { PurchaseLimitSchema } from "../contract/purchase-limit";
import { createDb, isoNow } from "../db/client";
import { variants } from "../db/schema";
import { MAX_PURCHASE_LIMIT, purchaseLimitOf, setPurchaseLimit } from "../inventory/purchase-limits";
import { notFound } from "../lib/errors";
import type { AppEnv } from "./carts";
import { ADMIN_ERRORS, BODY_ERRORS, errorResponses } from "./error-responses";
import { jsonBody, jsonResponse } from "./http";
import { ADMIN_SECURITY } from "./openapi-security";

export const adminLimitRoutes = new OpenAPIHono<AppEnv>();

const VariantParam = z.object({
  id: z
    .string()
    .max(64)
    .openapi({ param: { name: "id", in: "path" } }),
});
const MaxPerCustomer = z
  .number()
  .int()
  .min(1)
  .max(MAX_PURCHASE_LIMIT)
  .nullable()
  .openapi({ description: "Units one customer (by lower-cased email) may hold and buy; null: no limit" });

async function assertVariant(db: ReturnType<typeof createDb>, id: string): Promise<void> {
  const variant = await db.select({ id: variants.id }).from(variants).where(eq(variants.id, id)).get();
  if (!variant) throw notFound("Variant");
}

adminLimitRoutes.openapi(
  createRoute({
    method: "get",
    path: "/admin/api/variants/{id}/limits",
    operationId: "getVariantLimit",
    tags: ["admin"],
    summary: "A variant's purchase limit per customer",
    security: ADMIN_SECURITY,
    request: { params: VariantParam },
    responses: { 200: jsonResponse(PurchaseLimitSchema, "The limit"), ...errorResponses(...ADMIN_ERRORS, "not_found") },
  }),
  async (c) => {
    const db = createDb(c.env.DB);
    const variantId = c.req.valid("param").id;
    await assertVariant(db, variantId);
    return c.json({ variant_id: variantId, max_per_customer: await purchaseLimitOf(db, variantId) }, 200);
  },
);

adminLimitRoutes.openapi(
  createRoute({
    method: "put",
    path: "/admin/api/variants/{id}/limits",
    operationId: "setVariantLimit",
    tags: ["admin"],
    summary: "Set (or with null clear) a variant's purchase limit per customer",
    description: "Checkouts already holding units keep them; a lower limit only refuses new reservations.",
    security: ADMIN_SECURITY,
    request: { params: VariantParam, ...jsonBody(z.strictObject({ max_per_customer: MaxPerCustomer })) },
    responses: { 200: jsonResponse(PurchaseLimitSchema, "The limit"), ...errorResponses(...ADMIN_ERRORS, ...BODY_ERRORS, "not_found") },
  }),
  async (c) => {
    const db = createDb(c.env.DB);
    const variantId = c.req.valid("param").id;
    const max = c.req.valid("json").max_per_customer;
    await assertVariant(db, variantId);
    // The reservation trigger reads the limit itself, inside each reservation batch: no cache to clear.
    await setPurchaseLimit(db, variantId, max, isoNow());
    return c.json({ variant_id: variantId, max_per_customer: max }, 200);
  },
);
