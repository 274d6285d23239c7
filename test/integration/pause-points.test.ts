/**
 * The pause points the saga tests lean on: a pause holds its step until the test lets it
 * go, never on a timer, and one a test forgot is found after it (the suite's
 * forgotten-pauses setup fails that test) and let go, so nothing stays parked.
 */
import { describe, expect, it } from "vitest";
import { takePauses } from "../../src/cart/saga/probe";
import { cartWith, completeCheckout, createProduct, startCheckout } from "../support/api";
import { armPause, releasePause, storedCheckout, waitUntilPaused } from "../support/saga";

describe("pause points", () => {
  it("a forgotten pause is reported, waiting or never reached, and let go", async () => {
    const [variant] = await createProduct([{ stock: 3 }]);
    const parked = await cartWith([[variant!, 1]]);
    await armPause(parked, "cart_validation");
    const pending = startCheckout(parked);
    await waitUntilPaused(parked, "cart_validation");
    const idle = await cartWith([[variant!, 1]]);
    await armPause(idle, "payment_capture");

    const left = takePauses();
    expect(left).toHaveLength(2);
    expect(left).toEqual(
      expect.arrayContaining([
        { point: "cart_validation", waiting: true },
        { point: "payment_capture", waiting: false },
      ]),
    );
    expect((await pending).status, "the parked step went on").toBe(201);
    expect(takePauses(), "nothing left after").toEqual([]);

    // The point nobody reached was disarmed: the next step through it does not wait.
    expect((await startCheckout(idle)).status).toBe(201);
    expect((await completeCheckout(idle)).status).toBe(201);
    expect((await storedCheckout(idle)).state).toBe("completed");
  });

  it("releasing a point before a step reaches it disarms it", async () => {
    const [variant] = await createProduct([{ stock: 1 }]);
    const cart = await cartWith([[variant!, 1]]);
    await armPause(cart, "cart_validation");
    await releasePause(cart, "cart_validation");
    expect((await startCheckout(cart)).status).toBe(201);
    expect(takePauses()).toEqual([]);
  });
});
