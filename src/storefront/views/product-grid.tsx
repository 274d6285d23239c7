/**
 * The product list with live availability. Rendered by the server for the first paint
 * and by the browser script afterwards (the same component, compiled for each side),
 * so the page does not change shape when the script takes over.
 */
import type { Product } from "../../client/api-types";
import { formatAmountOf } from "../../client/money-format";

/** A few left: say so, as shops do. */
const LOW_STOCK = 5;

export function availabilityText(available: number): string {
  if (available <= 0) return "Sold out";
  if (available <= LOW_STOCK) return `Only ${available} left`;
  return `${available} in stock`;
}

/** `locale`: the shopper's (Accept-Language on the server, navigator.language in the browser). */
export function ProductGrid(props: { products: Product[]; locale: string | undefined; onAdd?: (variantId: string) => void; busy?: boolean }) {
  if (props.products.length === 0) return <p class="muted">No products are for sale in this currency yet.</p>;
  return (
    <ul class="products" aria-label="Products">
      {props.products.map((product) => (
        <li class="product" data-product-id={product.id}>
          <h3>{product.title}</h3>
          <ul class="variants">
            {product.variants.map((variant) => (
              <li class="variant" data-variant-id={variant.id}>
                <span class="variant-title">{variant.title}</span>
                <span class="price">{formatAmountOf(variant.price, variant, props.locale)}</span>
                <span
                  class={variant.available <= 0 ? "stock sold-out" : variant.available <= LOW_STOCK ? "stock low" : "stock"}
                  data-available={String(variant.available)}
                >
                  {availabilityText(variant.available)}
                </span>
                <button
                  type="button"
                  class="add"
                  data-add={variant.id}
                  disabled={variant.available <= 0 || props.busy || !props.onAdd}
                  aria-label={`Add ${product.title}, ${variant.title}, to cart`}
                  onClick={() => props.onAdd?.(variant.id)}
                >
                  Add
                </button>
              </li>
            ))}
          </ul>
        </li>
      ))}
    </ul>
  );
}
