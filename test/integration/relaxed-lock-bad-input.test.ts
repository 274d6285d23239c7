/**
 * With the lock's switches off (this file runs in the "relaxed-lock" project) a new
 * checkout or a cart edit cancels a checkout waiting for payment, but only a valid one:
 * bad input (a ttl_minutes over the maximum, an unknown variant, a code that does not
 * exist) is refused first and changes nothing, the locked checkout included.
 */
import { describe, expect, it } from "vitest";
import { call, cartWith, createProduct, startCheckout, stockOf } from "../support/api";
import { expectRefusal } from "../support/bad-input";
import { expectInvariants } from "../support/invariants";
import { storedCheckout } from "../support/saga";
import { stateFingerprint } from "../support/state-fingerprint";

describe("lock switches off: bad input cancels nothing", () => {
  it("refuses a too-long ttl, an unknown variant and an unknown code before the locked checkout is touched", async () => {
    const [v] = await createProduct([{ prices: { USD: 1800 }, stock: 3 }]);
    const cart = await cartWith([[v!, 2]]);
    const started = await startCheckout(cart);
    expect(started.status).toBe(201);
    const before = await stateFingerprint([cart]);

    const refusals = [
      ["start with ttl_minutes over the maximum", await startCheckout(cart, { ttl_minutes: 61 }), 400, "validation_error"],
      [
        "add an unknown variant",
        await call("POST", `/v1/carts/${cart.id}/lines`, { headers: cart.auth, body: { variant_id: "var_doesnotexist0000000000000", quantity: 1 } }),
        404,
        "variant_not_found",
      ],
      [
        "apply an unknown code",
        await call("POST", `/v1/carts/${cart.id}/discounts`, { headers: cart.auth, body: { code: "NOSUCHCODE" } }),
        422,
        "invalid_discount_code",
      ],
    ] as const;
    for (const [label, res, status, code] of refusals) {
      expectRefusal(res, label);
      expect(res.status, label).toBe(status);
      expect(res.body.error.code, label).toBe(code);
    }
    expect(await storedCheckout(cart)).toMatchObject({ id: started.body.checkout.id, state: "locked" });
    expect(await stockOf(v!)).toMatchObject({ reserved: 2 });
    expect(await stateFingerprint([cart])).toEqual(before);
    await expectInvariants();
  });
});
