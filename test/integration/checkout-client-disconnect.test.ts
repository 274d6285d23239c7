/**
 * A shopper's connection drops while the Worker is mid-checkout (a closed tab, a mobile
 * network, a client timeout): the cart object finishes the step it started, so the
 * cart is never left mid-step and the shopper finds the checkout where it stopped.
 */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { cartWith, createProduct, getCart, stockOf } from "../support/api";
import { expectInvariants } from "../support/invariants";
import { armPause, releasePause, storedCheckout, waitUntilPaused } from "../support/saga";

describe("a shopper who disconnects mid-checkout", () => {
  it("finds the checkout locked with its stock reserved, not stuck mid-step", async () => {
    const [v] = await createProduct([{ stock: 5 }]);
    const cart = await cartWith([[v!, 2]]);
    await armPause(cart, "inventory_reservation");
    const client = new AbortController();
    const request = new Request(`https://checkout.test/v1/carts/${cart.id}/checkout`, {
      method: "POST",
      headers: { ...cart.auth, "content-type": "application/json" },
      body: "{}",
      signal: client.signal,
    });
    const pending = exports.default.fetch(request).then(
      (res) => res.status,
      (error: unknown) => (error instanceof Error ? error.name : String(error)),
    );
    await waitUntilPaused(cart, "inventory_reservation");
    client.abort();
    expect(await pending).toBe("AbortError");
    await releasePause(cart, "inventory_reservation");

    let rec = await storedCheckout(cart);
    for (let i = 0; i < 200 && rec.state !== "locked"; i++) {
      await scheduler.wait(10);
      rec = await storedCheckout(cart);
    }
    expect(rec.state).toBe("locked");
    expect((await getCart(cart)).checkout).toMatchObject({ locked: true, state: "locked", lock_id: rec.id });
    expect(await stockOf(v!)).toMatchObject({ on_hand: 5, reserved: 2 });
    await expectInvariants();
  });
});
