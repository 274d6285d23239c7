/** Builds the plan's catalog through the admin API, as an operator would. */
import type { HttpClient } from "./http.ts";
import type { ChaosPlan } from "./plan.ts";

export interface Catalog {
  /** Variant key of the plan → variant id. */
  variantIds: Record<string, string>;
  admin: Record<string, string>;
}

async function expectOk(http: HttpClient, method: string, path: string, admin: Record<string, string>, body: unknown, status: number): Promise<any> {
  const reply = await http.send(method, path, { headers: admin, body });
  if (reply.status !== status) throw new Error(`${method} ${path} answered ${reply.status}: ${JSON.stringify(reply.body)}`);
  return reply.body;
}

export async function buildCatalog(http: HttpClient, adminToken: string, plan: ChaosPlan): Promise<Catalog> {
  const admin = { authorization: `Bearer ${adminToken}` };
  for (const rate of plan.taxRates) {
    await expectOk(
      http,
      "PUT",
      `/admin/api/tax-rates/${rate.country}/standard`,
      admin,
      { name: rate.name, rate_bps: rate.rate_bps, inclusive: rate.inclusive },
      200,
    );
  }
  for (const discount of plan.discounts) await expectOk(http, "POST", "/admin/api/discounts", admin, discount, 201);
  const variantIds: Record<string, string> = {};
  // One product per kind keeps the catalog readable in the admin console.
  for (const kind of ["hot", "cold", "flash"] as const) {
    const variants = plan.variants.filter((v) => v.kind === kind);
    const body = await expectOk(
      http,
      "POST",
      "/admin/api/products",
      admin,
      { title: `Chaos ${kind}`, variants: variants.map((v) => ({ sku: v.sku, title: v.key, prices: v.prices, stock: v.stock, tax_class: "standard" })) },
      201,
    );
    for (const created of body.product.variants as Array<{ id: string; sku: string }>) {
      const variant = variants.find((v) => v.sku === created.sku);
      if (!variant) throw new Error(`The admin API returned an unknown SKU ${created.sku}`);
      variantIds[variant.key] = created.id;
    }
  }
  // The flash variant is a drop: at most `limit` units per customer.
  await expectOk(http, "PUT", `/admin/api/variants/${variantIds[plan.flash.variant]}/limits`, admin, { max_per_customer: plan.flash.limit }, 200);
  return { variantIds, admin };
}
