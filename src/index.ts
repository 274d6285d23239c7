import { createApp } from "./app";
import { deliverEvents } from "./events/webhook-consumer";
import { runScheduledCleanup } from "./jobs/cleanup";

export { CartObject } from "./cart/cart-object";

const app = createApp();

export default {
  fetch: app.fetch,
  // Cron: the safety net (expire, release, reconcile, relay the outbox, prune).
  scheduled(controller, env, ctx) {
    ctx.waitUntil(runScheduledCleanup(env, controller.cron));
  },
  // The EVENTS queue: deliver events as signed webhooks.
  queue: (batch, env) => deliverEvents(batch, env),
} satisfies ExportedHandler<Env>;
