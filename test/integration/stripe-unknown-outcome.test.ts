/**
 * Payments whose outcome Stripe did not tell us, under Stripe's real idempotency: the
 * first answer under a key is saved, 500s included, and replayed for a day. Each ends in
 * a checkout that is terminal or open again, never one stuck rolling back, and no call
 * made to find out ever places a new hold on the card.
 */
import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { runCleanup } from "../../src/jobs/cleanup";
import { cartWith, createProduct, startCheckout, stockOf, type TestCart } from "../support/api";
import { recordingQueue } from "../support/events";
import { makeOverdue } from "../support/overdue";
import { cartObject, storedCheckout } from "../support/saga";
import { PM, type StripeDouble, payWithStripe, useStripeDouble } from "../support/stripe-double";

let stripe: StripeDouble;
useStripeDouble((double) => (stripe = double));

async function lockedCheckout(): Promise<{ cart: TestCart; checkoutId: string; variant: string }> {
  const [variant] = await createProduct([{ prices: { USD: 2500 }, stock: 4 }]);
  const cart = await cartWith([[variant!, 2]]);
  const started = await startCheckout(cart);
  expect(started.status).toBe(201);
  return { cart, checkoutId: started.body.checkout.id, variant: variant! };
}

const paymentRow = (checkoutId: string) =>
  env.DB.prepare("SELECT status, reference FROM payments WHERE checkout_id = ? ORDER BY attempt")
    .bind(checkoutId)
    .first<{ status: string; reference: string | null }>();

/** The alarm and then the cron, the two ways a checkout gets looked at again. */
async function laterRuns(cart: TestCart): Promise<void> {
  await runDurableObjectAlarm(cartObject(cart));
  await runCleanup({ ...env, EVENTS: recordingQueue().queue });
}

describe("Stripe payments with an unknown outcome", () => {
  it("a create answered 500 (saved and replayed by Stripe) keeps the checkout locked for the shopper, and nothing is held", async () => {
    const { cart, checkoutId, variant } = await lockedCheckout();
    stripe.fail("create", "500", 1);

    const res = await payWithStripe(cart, PM.visa);
    expect(res.status).toBe(502);
    expect(res.body.error).toMatchObject({
      code: "payment_gateway_error",
      details: { phase: "payment_authorization", checkout_id: checkoutId, can_resume: true },
    });
    // Since 1.1 a gateway failure at authorization is like a decline: the checkout keeps its stock and quote.
    expect((await storedCheckout(cart)).state).toBe("locked");
    expect(await stockOf(variant)).toMatchObject({ on_hand: 4, reserved: 2 });
    // Every later create under the key got the saved 500 back; none was a fresh outcome.
    const creates = stripe.requestsTo("create");
    expect(creates.length).toBeGreaterThanOrEqual(2);
    expect(creates.slice(1).every((r) => r.status === 500 && r.replayed)).toBe(true);
    expect(new Set(creates.map((r) => r.idempotencyKey))).toEqual(new Set([`${checkoutId}:payment_authorization:1`]));
    expect(stripe.requestsTo("confirm")).toEqual([]);
    expect(stripe.holds).toEqual([]);
    expect(await paymentRow(checkoutId)).toMatchObject({ status: "failed" });
  });

  it("a create that made its intent and then answered 500 leaves that intent unconfirmed: no hold, checkout still locked", async () => {
    const { cart, checkoutId } = await lockedCheckout();
    stripe.fail("create", "500_after_work", 1);

    expect((await payWithStripe(cart, PM.visa)).status).toBe(502);
    expect((await storedCheckout(cart)).state).toBe("locked");
    expect(stripe.intentsFor(checkoutId).map((i) => i.status)).toEqual(["requires_payment_method"]);
    expect(stripe.holds).toEqual([]);
  });

  it("a confirm answered 500 after authorizing is settled by a GET of the intent: one hold, captured once", async () => {
    const { cart, checkoutId } = await lockedCheckout();
    stripe.fail("confirm", "500_after_work", 1);

    const res = await payWithStripe(cart, PM.visa);
    expect(res.status).toBe(201);
    expect(res.body.order).toMatchObject({ total: 5000, status: "paid" });
    const [intent] = stripe.intentsFor(checkoutId);
    expect(stripe.holds).toEqual([{ intent: intent!.id, amount: 5000 }]);
    expect(stripe.captures).toEqual([{ intent: intent!.id, amount: 5000 }]);
    // The client does not retry an answer Stripe replays: one fresh call, one replay at most.
    expect(stripe.requestsTo("confirm").filter((r) => !r.replayed)).toHaveLength(1);
    expect(stripe.requestsTo("retrieve").map((r) => r.path)).toEqual([`/v1/payment_intents/${intent!.id}`]);
  });

  it("a confirm that timed out while Stripe kept working (its key in use) is settled by a GET, never a second confirm", async () => {
    const { cart, checkoutId } = await lockedCheckout();
    stripe.stillRunningMs = 200;
    stripe.fail("confirm", "timeout", 1);

    const res = await payWithStripe(cart, PM.visa);
    expect(res.status).toBe(201);
    expect(stripe.requestsTo("confirm")).toHaveLength(1);
    expect(stripe.holds).toHaveLength(1);
    expect(stripe.captures).toEqual([{ intent: stripe.intentsFor(checkoutId)[0]!.id, amount: 5000 }]);
  });

  it("a void whose cancel Stripe answered 500 (saved under the void's key) asks again under a new key and ends", async () => {
    const { cart, checkoutId } = await lockedCheckout();
    stripe.fail("capture", "decline", 1).fail("cancel", "500", 1);

    const res = await payWithStripe(cart, PM.visa);
    expect(res.status).toBe(402);
    expect((await storedCheckout(cart)).state).toBe("failed");
    expect(stripe.intentsFor(checkoutId).map((i) => i.status)).toEqual(["canceled"]);
    const keys = stripe.requestsTo("cancel").map((r) => r.idempotencyKey!);
    expect(keys.slice(0, 2)).toEqual([`${checkoutId}:void:1`, `${checkoutId}:void:1`]);
    expect(stripe.requestsTo("cancel")[1]!.replayed).toBe(true);
    expect(keys[2]).toMatch(new RegExp(`^${checkoutId}:void:1:`));
  });

  it("a rollback Stripe never answers ends by the deadline, its hold left to the reconciliation, which voids it once Stripe is back", async () => {
    const { cart, checkoutId, variant } = await lockedCheckout();
    // The capture is declined; then Stripe fails every cancel and every GET.
    stripe.fail("capture", "decline", 1).fail("cancel", "429", 1000).fail("retrieve", "429", 1000);

    expect((await payWithStripe(cart, PM.visa)).status).toBe(402);
    expect((await storedCheckout(cart)).state).toBe("rolling_back");
    expect(await stockOf(variant)).toMatchObject({ reserved: 2 });

    // Past the deadline, the next look (alarm or cron) ends it without the gateway.
    await makeOverdue(cart.id, 1);
    await laterRuns(cart);
    expect((await storedCheckout(cart)).state).toBe("failed");
    expect(await stockOf(variant)).toMatchObject({ on_hand: 4, reserved: 0 });
    const [intent] = stripe.intentsFor(checkoutId);
    expect(intent!.status).toBe("requires_capture");
    expect(await paymentRow(checkoutId)).toEqual({ status: "authorized", reference: intent!.id });

    stripe.recover();
    await runCleanup({ ...env, EVENTS: recordingQueue().queue });
    expect(intent!.status).toBe("canceled");
    expect(await paymentRow(checkoutId)).toMatchObject({ status: "voided" });
    expect(stripe.holds).toHaveLength(1);
  });

  it("a create Stripe never answered is handed over unknown; the reconciliation's replay of the create (no payment method) finds and cancels it", async () => {
    const { cart, checkoutId } = await lockedCheckout();
    // The create made its intent and its answer never came; every replay then meets a rate limit.
    stripe.fail("create", "timeout", 1).fail("create", "429", 1000);

    expect((await payWithStripe(cart, PM.visa)).status).toBe(502);
    // Reopening the checkout waits for the void to be answered (nothing may stay held).
    expect((await storedCheckout(cart)).state).toBe("authorizing");
    await makeOverdue(cart.id, 1);
    await laterRuns(cart);
    expect((await storedCheckout(cart)).state).toBe("expired");
    expect(await paymentRow(checkoutId)).toEqual({ status: "authorized", reference: null });

    stripe.recover();
    await runCleanup({ ...env, EVENTS: recordingQueue().queue });
    expect(stripe.intentsFor(checkoutId).map((i) => i.status)).toEqual(["canceled"]);
    expect(await paymentRow(checkoutId)).toMatchObject({ status: "voided" });
    // The rebuilt create matched the first one exactly (Stripe refuses a key with other parameters).
    const forms = stripe.requestsTo("create").map((r) => JSON.stringify(r.form));
    expect(new Set(forms).size).toBe(1);
    expect(stripe.holds).toEqual([]);
  });
});
