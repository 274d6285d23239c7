/**
 * Purchase limits per customer (docs/contract.md, Purchase limits): the admin route, and
 * the ledger's guarantee underneath every checkout: a customer's (lower-cased email)
 * active plus committed units of a limited variant never pass `max_per_customer`, however
 * reservation batches race, because the check is a trigger inside the reservation batch.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createDb, isoNow } from "../../src/db/client";
import { commitStock, releaseStock, reserveStock } from "../../src/inventory/stock-ledger";
import { explainPurchaseLimitError } from "../../src/inventory/purchase-limits";
import { ADMIN, call, createProduct, stockOf } from "../support/api";
import { expectErrorEnvelope } from "../support/bad-input";
import { d1Fingerprint } from "../support/state-fingerprint";

const json = { ...ADMIN, "content-type": "application/json" };
const db = createDb(env.DB);
let checkoutCounter = 0;
const checkoutId = () => `chk_limit_${Date.now().toString(36)}_${checkoutCounter++}`;

async function setLimit(variantId: string, max: unknown) {
  return call("PUT", `/admin/api/variants/${variantId}/limits`, { headers: json, body: { max_per_customer: max } });
}

/** One checkout's reservation batch, as the checkout sends it; resolves to the error it raised, or null. */
async function reserve(id: string, variantId: string, quantity: number, email: string | null): Promise<unknown> {
  const now = isoNow();
  const expiresAt = isoNow(Date.now() + 15 * 60_000);
  return db.batch([reserveStock(db, id, [{ variantId, quantity }], expiresAt, now, email)]).then(
    () => null,
    (error: unknown) => error,
  );
}

async function heldBy(variantId: string, email: string) {
  const row = await env.DB.prepare(
    "SELECT COALESCE(SUM(quantity), 0) AS units FROM stock_reservations WHERE variant_id = ? AND customer_email = ? AND status IN ('active', 'committed')",
  )
    .bind(variantId, email)
    .first<{ units: number }>();
  return row!.units;
}

describe("PUT /admin/api/variants/{id}/limits", () => {
  it("sets, reads and clears a variant's limit", async () => {
    const [v] = await createProduct([{ stock: 10 }]);
    expect((await call("GET", `/admin/api/variants/${v}/limits`, { headers: ADMIN })).body).toEqual({ variant_id: v, max_per_customer: null });
    const set = await setLimit(v!, 2);
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ variant_id: v, max_per_customer: 2 });
    expect((await call("GET", `/admin/api/variants/${v}/limits`, { headers: ADMIN })).body).toEqual({ variant_id: v, max_per_customer: 2 });
    expect((await setLimit(v!, 5)).body).toEqual({ variant_id: v, max_per_customer: 5 });
    const cleared = await setLimit(v!, null);
    expect(cleared.status).toBe(200);
    expect(cleared.body).toEqual({ variant_id: v, max_per_customer: null });
    expect((await call("GET", `/admin/api/variants/${v}/limits`, { headers: ADMIN })).body.max_per_customer).toBeNull();
  });

  it("refuses 0, negative, fractional, absurd and non-numeric limits, a missing field and an unknown variant, and changes nothing", async () => {
    const [v] = await createProduct([{ stock: 10 }]);
    await setLimit(v!, 3);
    const before = await d1Fingerprint();
    for (const bad of [0, -1, 1.5, 1e21, 1_000_001, "2", true, [1], {}]) {
      const res = await setLimit(v!, bad);
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expectErrorEnvelope(res, JSON.stringify(bad));
      expect(res.body.error.code).toBe("validation_error");
      expect(res.body.error.details.issues[0].path).toBe("max_per_customer");
    }
    const missing = await call("PUT", `/admin/api/variants/${v}/limits`, { headers: json, body: {} });
    expect(missing.status).toBe(400);
    const extra = await call("PUT", `/admin/api/variants/${v}/limits`, { headers: json, body: { max_per_customer: 1, per: "day" } });
    expect(extra.status).toBe(400);
    const unknown = await setLimit("var_doesnotexist", 1);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe("not_found");
    expect((await call("GET", "/admin/api/variants/var_doesnotexist/limits", { headers: ADMIN })).status).toBe(404);
    const anonymous = await call("PUT", `/admin/api/variants/${v}/limits`, { headers: { "content-type": "application/json" }, body: { max_per_customer: 1 } });
    expect(anonymous.status).toBe(401);
    expect(await d1Fingerprint()).toEqual(before);
    expect((await call("GET", `/admin/api/variants/${v}/limits`, { headers: ADMIN })).body.max_per_customer).toBe(3);
  });
});

describe("the limit inside the reservation batch", () => {
  it("20 racing reservations of one customer (any letter case) for a limit of 2: exactly 2 units held, the rest refused", async () => {
    const [v] = await createProduct([{ stock: 50 }]);
    await setLimit(v!, 2);
    const emails = ["Racer@Example.com", "racer@example.com", "RACER@EXAMPLE.COM", " racer@example.com "];
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => reserve(checkoutId(), v!, 1, emails[i % emails.length]!)));
    expect(results.filter((r) => r === null)).toHaveLength(2);
    for (const refused of results.filter((r) => r !== null)) {
      const answer = await explainPurchaseLimitError(db, refused, "chk_other", "racer@example.com", [{ variantId: v!, quantity: 1 }]);
      expect(answer?.toBody()).toMatchObject({ error: { code: "purchase_limit", details: { variant_id: v, limit: 2, already: 2 } } });
    }
    expect(await heldBy(v!, "racer@example.com")).toBe(2);
    // Stock moved only for the winners: the refused batches rolled back whole.
    expect(await stockOf(v!)).toMatchObject({ on_hand: 50, reserved: 2 });
    // Another customer is not affected.
    expect(await reserve(checkoutId(), v!, 2, "other@example.com")).toBeNull();
  });

  it("one reservation asking for more than the limit is refused; within it, it passes", async () => {
    const [v] = await createProduct([{ stock: 50 }]);
    await setLimit(v!, 3);
    const refused = await reserve(checkoutId(), v!, 4, "big@example.com");
    const answer = await explainPurchaseLimitError(db, refused, "chk_x", "big@example.com", [{ variantId: v!, quantity: 4 }]);
    expect(answer?.toBody().error).toMatchObject({ code: "purchase_limit", details: { variant_id: v, limit: 3, already: 0 } });
    expect(await reserve(checkoutId(), v!, 3, "big@example.com")).toBeNull();
    expect(await stockOf(v!)).toMatchObject({ reserved: 3 });
  });

  it("a limited variant without an email is refused (email_required); an unlimited one needs none", async () => {
    const [limited, free] = await createProduct([{ stock: 5 }, { stock: 5 }]);
    await setLimit(limited!, 1);
    const refused = await reserve(checkoutId(), limited!, 1, null);
    expect((await explainPurchaseLimitError(db, refused, "chk_x", null, [{ variantId: limited!, quantity: 1 }]))?.code).toBe("email_required");
    expect(await reserve(checkoutId(), free!, 1, null)).toBeNull();
    expect(await stockOf(limited!)).toMatchObject({ reserved: 0 });
  });

  it("ordered (committed) units count, released ones give the allowance back, a replayed batch never counts itself", async () => {
    const [v] = await createProduct([{ stock: 20 }]);
    await setLimit(v!, 2);
    const email = "buyer@example.com";
    const paid = checkoutId();
    expect(await reserve(paid, v!, 1, email)).toBeNull();
    await db.batch([commitStock(db, paid, isoNow())]);
    const held = checkoutId();
    expect(await reserve(held, v!, 1, email)).toBeNull();
    // A crash replays the batch of the checkout at the limit: it changes nothing and is not refused.
    expect(await reserve(held, v!, 1, email)).toBeNull();
    expect(await heldBy(v!, email)).toBe(2);
    expect(await reserve(checkoutId(), v!, 1, email)).not.toBeNull();
    // The held checkout lapses or is cancelled: its unit may be bought again; the ordered one stays counted.
    await db.batch([releaseStock(db, held, isoNow())]);
    expect(await heldBy(v!, email)).toBe(1);
    expect(await reserve(checkoutId(), v!, 1, email)).toBeNull();
    expect(await reserve(checkoutId(), v!, 1, email)).not.toBeNull();
    expect(await stockOf(v!)).toMatchObject({ on_hand: 19, reserved: 1 });
  });

  it("a limit lowered below what a customer holds keeps their units and refuses more; cleared, it refuses nothing", async () => {
    const [v] = await createProduct([{ stock: 20 }]);
    await setLimit(v!, 3);
    expect(await reserve(checkoutId(), v!, 3, "keep@example.com")).toBeNull();
    await setLimit(v!, 1);
    expect(await reserve(checkoutId(), v!, 1, "keep@example.com")).not.toBeNull();
    expect(await heldBy(v!, "keep@example.com")).toBe(3);
    await setLimit(v!, null);
    expect(await reserve(checkoutId(), v!, 5, "keep@example.com")).toBeNull();
  });
});
