import { describe, expect, it } from "vitest";
import { signWebhook, webhookHeaders, webhookSigningKey } from "../../src/events/webhook-signature";

// The example of the Standard Webhooks specification (and its reference libraries).
const SPEC = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
};

describe("Standard Webhooks signature", () => {
  it("matches the specification's example", async () => {
    const key = webhookSigningKey(SPEC.secret)!;
    expect(await signWebhook(key, SPEC.id, SPEC.timestamp, SPEC.body)).toBe(SPEC.signature);
    expect(await webhookHeaders(key, SPEC.id, SPEC.timestamp, SPEC.body)).toEqual({
      "webhook-id": SPEC.id,
      "webhook-timestamp": "1614265330",
      "webhook-signature": SPEC.signature,
    });
  });

  it("signs the id, the timestamp and the body: changing any changes the signature", async () => {
    const key = webhookSigningKey(SPEC.secret)!;
    const variants = await Promise.all([
      signWebhook(key, "msg_other", SPEC.timestamp, SPEC.body),
      signWebhook(key, SPEC.id, SPEC.timestamp + 1, SPEC.body),
      signWebhook(key, SPEC.id, SPEC.timestamp, '{"test": 2432232315}'),
      signWebhook(webhookSigningKey(`whsec_${btoa("another-secret-of-enough-bytes")}`)!, SPEC.id, SPEC.timestamp, SPEC.body),
    ]);
    for (const signature of variants) expect(signature).not.toBe(SPEC.signature);
  });

  it("accepts the secret with or without its whsec_ prefix, and refuses unusable ones", () => {
    expect(webhookSigningKey(SPEC.secret)).toEqual(webhookSigningKey(SPEC.secret.slice("whsec_".length)));
    expect(webhookSigningKey(undefined)).toBeNull();
    expect(webhookSigningKey("")).toBeNull();
    expect(webhookSigningKey("whsec_not base64!")).toBeNull();
    expect(webhookSigningKey(`whsec_${btoa("short")}`), "a key shorter than 16 bytes").toBeNull();
  });
});
