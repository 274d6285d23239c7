import { describe, expect, it } from "vitest";
import { randomIdempotencyKey } from "../../src/client/idempotency-key";

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("client idempotency keys", () => {
  it("are random UUIDs, also where crypto.randomUUID is missing (pages over plain http)", () => {
    const insecure = { getRandomValues: (array: Uint8Array) => crypto.getRandomValues(array) };
    const keys = [randomIdempotencyKey(), ...Array.from({ length: 50 }, () => randomIdempotencyKey(insecure))];
    for (const key of keys) expect(key).toMatch(UUID_V4);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
