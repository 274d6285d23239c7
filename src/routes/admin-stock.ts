/** The admin stock API: a variant's on-hand, reserved and available units, and setting what is on hand. */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { eq, sql } from "drizzle-orm";
import { StockSchema, StockSetSchema } from "../contract/stock";
import { createDb, isoNow } from "../db/client";
import { inventory, inventoryAdjustments } from "../db/schema";
import { availabilityCache } from "../inventory/availability-cache";
import { errorText } from "../lib/error-text";
import { AppError, notFound } from "../lib/errors";
import { OnHand, VariantParam } from "./admin-catalog-requests";
import type { AppEnv } from "./carts";
import { ADMIN_ERRORS, BODY_ERRORS, errorResponses } from "./error-responses";
import { jsonBody, jsonResponse } from "./http";
import { ADMIN_SECURITY } from "./openapi-security";

export const adminStockRoutes = new OpenAPIHono<AppEnv>();

function stockJson(row: { variantId: string; onHand: number; reserved: number }) {
  return { variant_id: row.variantId, on_hand: row.onHand, reserved: row.reserved, available: row.onHand - row.reserved };
}

adminStockRoutes.openapi(
  createRoute({
    method: "get",
    path: "/admin/api/variants/{id}/stock",
    operationId: "getVariantStock",
    tags: ["admin"],
    summary: "Stock of a variant",
    security: ADMIN_SECURITY,
    request: { params: VariantParam },
    responses: { 200: jsonResponse(StockSchema, "Stock"), ...errorResponses(...ADMIN_ERRORS, "not_found") },
  }),
  async (c) => {
    const db = createDb(c.env.DB);
    const row = await db
      .select()
      .from(inventory)
      .where(eq(inventory.variantId, c.req.valid("param").id))
      .get();
    if (!row) throw notFound("Variant");
    return c.json(stockJson(row), 200);
  },
);

adminStockRoutes.openapi(
  createRoute({
    method: "put",
    path: "/admin/api/variants/{id}/stock",
    operationId: "setVariantStock",
    tags: ["admin"],
    summary: "Set on-hand stock (never below what is reserved)",
    security: ADMIN_SECURITY,
    request: { params: VariantParam, ...jsonBody(z.strictObject({ on_hand: OnHand })) },
    responses: { 200: jsonResponse(StockSetSchema, "Stock"), ...errorResponses(...ADMIN_ERRORS, ...BODY_ERRORS, "not_found", "stock_below_reserved") },
  }),
  async (c) => {
    const db = createDb(c.env.DB);
    const variantId = c.req.valid("param").id;
    const onHand = c.req.valid("json").on_hand;
    const now = isoNow();
    let rows: Array<typeof inventory.$inferSelect>;
    let adjusted: Array<{ delta: number }>;
    try {
      // The adjustment row and the new level land together, so stock is always accounted for.
      [adjusted, , rows] = await db.batch([
        db
          .insert(inventoryAdjustments)
          .select(
            db
              // All columns in table order (drizzle's rule for INSERT … SELECT); a NULL id autoincrements.
              .select({
                id: sql<number>`NULL`.as("id"),
                variantId: inventory.variantId,
                delta: sql<number>`${onHand} - ${inventory.onHand}`.as("delta"),
                reason: sql<string>`'admin'`.as("reason"),
                at: sql<string>`${now}`.as("at"),
              })
              .from(inventory)
              .where(eq(inventory.variantId, variantId)),
          )
          .returning({ delta: inventoryAdjustments.delta }),
        db.update(inventory).set({ onHand, updatedAt: now }).where(eq(inventory.variantId, variantId)),
        db.select().from(inventory).where(eq(inventory.variantId, variantId)),
      ]);
    } catch (error) {
      if (errorText(error).includes("inventory_reserved_within_on_hand")) {
        const current = await db.select().from(inventory).where(eq(inventory.variantId, variantId)).get();
        throw new AppError("stock_below_reserved", "on_hand cannot go below the units reserved by active checkouts.", {
          requested: onHand,
          reserved: current?.reserved,
        });
      }
      throw error;
    }
    const row = rows[0];
    if (!row) throw notFound("Variant");
    // New units are sellable in this isolate at once (elsewhere within a second).
    availabilityCache.forget([variantId]);
    return c.json({ ...stockJson(row), adjusted_by: adjusted[0]?.delta ?? 0 }, 200);
  },
);
