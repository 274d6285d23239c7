/**
 * Stripe's webhook signature scheme, checked against headers made by Stripe's own library
 * (test/fixtures/stripe-signatures.json, from scripts/stripe-signature-fixture.mjs) and
 * against a signature computed independently with Web Crypto.
 */
import { describe, expect, it } from "vitest";
import { STRIPE_SIGNATURE_TOLERANCE_SECONDS, stripeSignatureHeader, verifyStripeSignature } from "../../src/payments/stripe-webhook-signature";
import stripeSigned from "../fixtures/stripe-signatures.json";

const secret = "whsec_unit_test_secret";
const payload = '{"id":"evt_1","type":"payment_intent.succeeded"}';
const t = 1_780_000_000;
const now = t * 1000;

async function independentSignature(key: string, message: string): Promise<string> {
  const k = await crypto.subtle.importKey("raw", new TextEncoder().encode(key), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", k, new TextEncoder().encode(message)));
  return [...mac].map((b) => b.toString(16).padStart(2, "0")).join("");
}

describe("Stripe webhook signature", () => {
  it.each(stripeSigned)("accepts the header Stripe's library made ($name) and signs that body exactly as it does", async (fixture) => {
    const check = { header: fixture.header, payload: fixture.payload, secret: fixture.secret, nowMs: fixture.timestamp * 1000 };
    expect(await verifyStripeSignature(check)).toEqual({ ok: true, timestamp: fixture.timestamp });
    expect(await stripeSignatureHeader(fixture.secret, fixture.payload, fixture.timestamp)).toBe(fixture.header);
    // Stripe's header is refused for another secret, a changed body, or outside the tolerance.
    expect((await verifyStripeSignature({ ...check, secret: `${fixture.secret}x` })).ok).toBe(false);
    expect((await verifyStripeSignature({ ...check, payload: fixture.payload.replace("evt_", "evt_x") })).ok).toBe(false);
    expect((await verifyStripeSignature({ ...check, nowMs: (fixture.timestamp + STRIPE_SIGNATURE_TOLERANCE_SECONDS + 1) * 1000 })).ok).toBe(false);
  });

  // biome-ignore lint/suspicious/noTemplateCurlyInString: the title quotes Stripe's signed-payload format.
  it("signs `${t}.${body}` with HMAC-SHA256 in hex, as Stripe does", async () => {
    expect(await stripeSignatureHeader(secret, payload, t)).toBe(`t=${t},v1=${await independentSignature(secret, `${t}.${payload}`)}`);
  });

  it("accepts a valid header, with spaces, extra schemes and any v1 among several", async () => {
    const good = await independentSignature(secret, `${t}.${payload}`);
    for (const header of [`t=${t},v1=${good}`, ` t=${t} , v0=ignored, v1=${"0".repeat(64)}, v1=${good.toUpperCase()}`]) {
      expect(await verifyStripeSignature({ header, payload, secret, nowMs: now })).toEqual({ ok: true, timestamp: t });
    }
  });

  it("takes timestamps up to the tolerance away, in both directions, and refuses one second more", async () => {
    const at = async (offset: number) => {
      const header = await stripeSignatureHeader(secret, payload, t + offset);
      return (await verifyStripeSignature({ header, payload, secret, nowMs: now })).ok;
    };
    expect(await at(-STRIPE_SIGNATURE_TOLERANCE_SECONDS)).toBe(true);
    expect(await at(STRIPE_SIGNATURE_TOLERANCE_SECONDS)).toBe(true);
    expect(await at(-STRIPE_SIGNATURE_TOLERANCE_SECONDS - 1)).toBe(false);
    expect(await at(STRIPE_SIGNATURE_TOLERANCE_SECONDS + 1)).toBe(false);
  });

  it("names why it refused", async () => {
    const header = await stripeSignatureHeader(secret, payload, t);
    const reason = async (check: Partial<Parameters<typeof verifyStripeSignature>[0]>) => {
      const verdict = await verifyStripeSignature({ header, payload, secret, nowMs: now, ...check });
      return verdict.ok ? "ok" : verdict.reason;
    };
    expect(await reason({})).toBe("ok");
    expect(await reason({ header: undefined })).toBe("missing_header");
    expect(await reason({ header: "" })).toBe("missing_header");
    expect(await reason({ header: "garbage" })).toBe("malformed_header");
    expect(await reason({ header: `t=${t}` })).toBe("malformed_header");
    expect(await reason({ header: header.replace(`t=${t}`, "t=soon") })).toBe("malformed_header");
    expect(await reason({ secret: "whsec_other" })).toBe("no_matching_signature");
    expect(await reason({ payload: `${payload} ` })).toBe("no_matching_signature");
    // A signature for another timestamp does not verify under this one.
    expect(await reason({ header: header.replace(`t=${t}`, `t=${t + 1}`) })).toBe("no_matching_signature");
  });
});
