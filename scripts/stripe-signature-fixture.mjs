/**
 * Writes test/fixtures/stripe-signatures.json: Stripe-Signature headers made by Stripe's own
 * Node library (`stripe.webhooks.generateTestHeaderString`), so the webhook verifier is
 * tested against Stripe's signer and not only against our own. Run once, and again only
 * if a case is added (the library is not a dependency of the project):
 *
 *   npm install --no-save stripe && node scripts/stripe-signature-fixture.mjs
 */
import { writeFileSync } from "node:fs";
import Stripe from "stripe";

const stripe = new Stripe("sk_test_fixture_only");
const cases = [
  {
    name: "payment_intent.succeeded",
    secret: "whsec_fixture_secret_one",
    timestamp: 1_780_000_000,
    payload: JSON.stringify(
      {
        id: "evt_fixture_1",
        object: "event",
        type: "payment_intent.succeeded",
        data: {
          object: {
            id: "pi_fixture_1",
            object: "payment_intent",
            status: "succeeded",
            amount: 4498,
            currency: "usd",
            metadata: { checkout_id: "chk_fixture", cart_id: "cart_fixture" },
          },
        },
      },
      null,
      2,
    ),
  },
  {
    // A refund event: the same verifier guards the refund webhooks.
    name: "refund.updated",
    secret: "whsec_fixture_secret_one",
    timestamp: 1_780_000_456,
    payload: JSON.stringify(
      {
        id: "evt_fixture_3",
        object: "event",
        type: "refund.updated",
        data: {
          object: {
            id: "re_fixture_1",
            object: "refund",
            amount: 1500,
            currency: "usd",
            status: "succeeded",
            payment_intent: "pi_fixture_1",
            metadata: { refund_id: "ref_fixture", order_id: "ord_fixture" },
          },
        },
      },
      null,
      2,
    ),
  },
  {
    // Non-ASCII bytes: the signature is over the UTF-8 body exactly as sent.
    name: "non-ascii body",
    secret: "whsec_fixture_secret_two",
    timestamp: 1_780_000_123,
    payload: '{"id":"evt_fixture_2","type":"payment_intent.payment_failed","note":"Zoë – 3€ ✓"}',
  },
];

const fixtures = cases.map((c) => ({
  ...c,
  header: stripe.webhooks.generateTestHeaderString({ payload: c.payload, secret: c.secret, timestamp: c.timestamp }),
}));
writeFileSync(new URL("../test/fixtures/stripe-signatures.json", import.meta.url), `${JSON.stringify(fixtures, null, 2)}\n`);
console.log(`wrote ${fixtures.length} Stripe-signed fixtures`);
