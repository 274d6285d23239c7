/** `GET /v1/orders/{id}`: an order, for the holder of its cart's token. */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { createDb } from "../db/client";
import { AppError } from "../lib/errors";
import { isId } from "../lib/ids";
import { readOrder } from "../orders/order-view";
import type { AppEnv } from "./carts";
import { bearerToken, jsonResponse } from "./http";
import { errorResponses } from "./error-responses";
import { OrderSchema } from "./schemas";
import { CART_SECURITY } from "./openapi-security";

export const orderRoutes = new OpenAPIHono<AppEnv>();

orderRoutes.openapi(
  createRoute({
    method: "get",
    path: "/v1/orders/{id}",
    operationId: "getOrder",
    tags: ["orders"],
    summary: "Read an order with its cart's token",
    security: CART_SECURITY,
    request: {
      params: z.object({
        id: z
          .string()
          .max(64)
          .openapi({ param: { name: "id", in: "path" } }),
      }),
    },
    responses: {
      200: jsonResponse(z.object({ order: OrderSchema }), "The order"),
      ...errorResponses("validation_error", "unauthorized", "forbidden", "not_found", "internal_error"),
    },
  }),
  async (c) => {
    const token = bearerToken(c);
    const { id } = c.req.valid("param");
    const order = isId("ord", id) ? await readOrder(createDb(c.env.DB), id) : null;
    if (!order) throw new AppError("not_found", "Order not found.");
    const owns = await c.env.CART.getByName(order.cart_id).owns(token);
    if (!owns) throw new AppError("forbidden", "This token is not for this order's cart.");
    return c.json({ order }, 200);
  },
);
