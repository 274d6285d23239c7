/** Which view the storefront shows, as its URL says it: `/`, `/?step=checkout`, `/?order=ord_…`. */
export type View = { name: "shop" } | { name: "checkout" } | { name: "order"; orderId: string };

export function viewFromUrl(): View {
  const query = new URLSearchParams(location.search);
  const orderId = query.get("order");
  if (orderId) return { name: "order", orderId };
  return query.get("step") === "checkout" ? { name: "checkout" } : { name: "shop" };
}

export function urlOf(view: View): string {
  if (view.name === "order") return `/?order=${encodeURIComponent(view.orderId)}`;
  return view.name === "checkout" ? "/?step=checkout" : "/";
}
