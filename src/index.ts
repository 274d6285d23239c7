import { createApp } from "./app";
import type { Env } from "./env";

export { CartObject } from "./cart/cart-object";

const app = createApp();

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
