import { integer, text } from "drizzle-orm/sqlite-core";

/** The frozen figures of one line, shared by price snapshots and order lines. */
export const lineFigures = () => ({
  lineId: text("line_id").notNull(),
  variantId: text("variant_id").notNull(),
  sku: text("sku").notNull(),
  quantity: integer("quantity").notNull(),
  unitPrice: integer("unit_price").notNull(),
  subtotal: integer("subtotal").notNull(),
  discountTotal: integer("discount_total").notNull(),
  taxTotal: integer("tax_total").notNull(),
  total: integer("total").notNull(),
});
