/**
 * The storefront's order view shows what was refunded: confirmed refunds lower what the
 * shopper paid, a pending refund is shown on its way, a refused one is not shown, and a
 * cancelled order says so. Rendered to HTML as the browser would render it.
 */
import { describe, expect, it } from "vitest";
import type { Order } from "../../src/client";
import { OrderView } from "../../src/storefront/browser/order-view";

const base: Order = {
  id: "ord_view",
  number: 1042,
  cart_id: "cart_view",
  checkout_id: "chk_view",
  status: "paid",
  currency: "USD",
  currency_exponent: 2,
  email: "shopper@example.com",
  lines: [
    {
      line_id: "line_1",
      variant_id: "var_1",
      sku: "MUG",
      title: "Mug",
      quantity: 3,
      unit_price: 1000,
      subtotal: 3000,
      discount_total: 0,
      tax_total: 240,
      total: 3240,
    },
  ],
  subtotal: 3000,
  discount_total: 0,
  tax_total: 240,
  total: 3240,
  payment: { provider: "test", status: "captured", amount: 3240, reference: "ch_1" },
  created_at: "2026-12-01T10:00:00.000Z",
  refunded_total: 0,
  refunds: [],
} as unknown as Order;

const refund = (over: Partial<Order["refunds"][number]>): Order["refunds"][number] => ({
  id: "ref_x",
  order_id: "ord_view",
  kind: "refund",
  status: "succeeded",
  amount: 1080,
  currency: "USD",
  lines: [{ line_id: "line_1", quantity: 1, amount: 1080 }],
  restock: true,
  restocked: true,
  reason: null,
  failure: null,
  created_at: "2026-12-02T10:00:00.000Z",
  settled_at: "2026-12-02T10:00:01.000Z",
  gateway_reference: "re_1",
  ...over,
});

/**
 * The browser JSX tree as HTML: elements with their attributes and children. (Hono's
 * client JSX renders only into a DOM; the few elements it wraps in components, such as
 * buttons, are written as their children.)
 */
function toHtml(node: unknown): string {
  if (node === null || node === undefined || typeof node === "boolean") return "";
  if (typeof node === "string" || typeof node === "number") return String(node);
  if (Array.isArray(node)) return node.map(toHtml).join("");
  const { tag, props } = node as { tag: unknown; props: Record<string, unknown> };
  const inner = toHtml(props.children);
  if (typeof tag !== "string") return inner;
  const attributes = Object.entries(props)
    .filter(([k, v]) => k !== "children" && typeof v !== "function" && v !== undefined)
    .map(([k, v]) => ` ${k}="${String(v)}"`)
    .join("");
  return `<${tag}${attributes}>${inner}</${tag}>`;
}

function html(order: Order): string {
  return toHtml(OrderView({ order, error: null, onContinue: () => undefined }));
}

/** The text of the element carrying `data-testid`, tags stripped. */
function testId(page: string, id: string): string | null {
  const m = page.match(new RegExp(`data-testid="${id}"[^>]*>([\\s\\S]*?)</(td|dd|table)>`));
  return m ? m[1]!.replace(/<[^>]+>/g, "").trim() : null;
}

describe("storefront order view", () => {
  it("shows no refund section for an order without refunds", async () => {
    const page = html(base);
    expect(testId(page, "order-total")).toBe("$32.40");
    expect(testId(page, "order-refunded")).toBeNull();
    expect(page).not.toContain('data-testid="order-refunds"');
  });

  it("lists confirmed and pending refunds, subtracts only the confirmed ones, and leaves out a refused one", async () => {
    const page = html({
      ...base,
      status: "partially_refunded",
      refunded_total: 1080,
      refunds: [
        refund({ id: "ref_ok" }),
        refund({ id: "ref_wait", status: "pending", amount: 500, lines: [], settled_at: null }),
        refund({ id: "ref_no", status: "failed", amount: 999 }),
      ],
    });
    expect(testId(page, "order-total")).toBe("$32.40");
    expect(testId(page, "order-refunded")).toBe("−$10.80");
    expect(testId(page, "order-net")).toBe("$21.60");
    expect(page).toContain('data-refund-id="ref_ok"');
    expect(page).toMatch(/data-refund-id="ref_ok"[\s\S]*?1 item returned[\s\S]*?Refunded[\s\S]*?\$10\.80/);
    expect(page).toMatch(/data-refund-id="ref_wait"[\s\S]*?Amount refunded[\s\S]*?On its way[\s\S]*?\$5\.00/);
    expect(page).not.toContain("ref_no");
    expect(testId(page, "order-status")).toBe("partially_refunded");
  });

  it("says a cancelled order was cancelled and shows its refund", async () => {
    const page = html({
      ...base,
      status: "cancelled",
      refunded_total: 3240,
      refunds: [refund({ id: "ref_cancel", kind: "cancel", amount: 3240, lines: [{ line_id: "line_1", quantity: 3, amount: 3240 }] })],
    });
    expect(page).toContain("Order #1042 was cancelled");
    expect(page).not.toContain("is confirmed");
    expect(page).toMatch(/data-refund-id="ref_cancel"[\s\S]*?Cancellation/);
    expect(testId(page, "order-net")).toBe("$0.00");
  });
});
