/** Stripe reads form bodies with bracketed keys; these are the shapes the gateway sends. */
import { describe, expect, it } from "vitest";
import { encodeStripeForm } from "../../src/payments/stripe-client";
import { paymentIntentParams } from "../../src/payments/stripe-gateway";

describe("Stripe form encoding", () => {
  it("nests objects and arrays in brackets, leaves out null and undefined, escapes values", () => {
    const body = encodeStripeForm({
      amount: 4498,
      confirm: true,
      metadata: { checkout_id: "chk_1", note: "a&b=c" },
      types: ["card", "link"],
      skip: null,
      gone: undefined,
    });
    expect(body).toBe("amount=4498&confirm=true&metadata%5Bcheckout_id%5D=chk_1&metadata%5Bnote%5D=a%26b%3Dc&types%5B0%5D=card&types%5B1%5D=link");
    expect(Object.fromEntries(new URLSearchParams(body))).toEqual({
      amount: "4498",
      confirm: "true",
      "metadata[checkout_id]": "chk_1",
      "metadata[note]": "a&b=c",
      "types[0]": "card",
      "types[1]": "link",
    });
  });

  it("creates a manual-capture PaymentIntent for the amount in a lower-case currency, naming no payment method (the confirm does)", () => {
    const params = paymentIntentParams({
      idempotencyKey: "chk_1:payment_authorization:1",
      amount: 1200,
      currency: "JPY",
      method: { method: "stripe", payment_method: "pm_card_visa" },
      metadata: { checkout_id: "chk_1", cart_id: "cart_1", attempt: 1 },
    });
    expect(Object.fromEntries(new URLSearchParams(encodeStripeForm(params)))).toEqual({
      amount: "1200",
      currency: "jpy",
      capture_method: "manual",
      "payment_method_types[0]": "card",
      "metadata[checkout_id]": "chk_1",
      "metadata[cart_id]": "cart_1",
      "metadata[attempt]": "1",
    });
    // The void and the reconciliation rebuild it without knowing the card: the same form.
    const rebuilt = paymentIntentParams({
      idempotencyKey: "chk_1:payment_authorization:1",
      amount: 1200,
      currency: "JPY",
      method: { method: "stripe", payment_method: "" },
      metadata: { checkout_id: "chk_1", cart_id: "cart_1", attempt: 1 },
    });
    expect(encodeStripeForm(rebuilt)).toBe(encodeStripeForm(params));
  });
});
