/** `POST /admin/api/cleanup`: the cron's job on demand, behind the admin token. */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ADMIN, call, createProduct, stockOf } from "../support/api";

describe("POST /admin/api/cleanup", () => {
  it("needs the admin token", async () => {
    expect((await call("POST", "/admin/api/cleanup")).status).toBe(401);
    const wrong = await call("POST", "/admin/api/cleanup", { headers: { authorization: "Bearer not-the-token" } });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe("unauthorized");
  });

  it("rejects a bad batch size with the error envelope", async () => {
    for (const size of ["0", "-3", "abc", "100000"]) {
      const res = await call("POST", `/admin/api/cleanup?batch_size=${size}`, { headers: ADMIN });
      expect(res.status, size).toBe(400);
      expect(res.body.error.code).toBe("validation_error");
    }
  });

  it("runs the job and answers its counts, bounded by batch_size", async () => {
    const [variant] = await createProduct([{ stock: 5 }]);
    const now = new Date().toISOString();
    for (const id of ["chk_admin_orphan_1", "chk_admin_orphan_2"]) {
      await env.DB.prepare(
        "INSERT INTO stock_reservations (checkout_id, variant_id, quantity, status, expires_at, created_at, updated_at) VALUES (?1, ?2, 1, 'active', ?3, ?3, ?3)",
      )
        .bind(id, variant, now)
        .run();
    }
    expect(await stockOf(variant!)).toMatchObject({ reserved: 2 });

    const first = await call("POST", "/admin/api/cleanup?batch_size=1", { headers: ADMIN });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ expired: 0, released_reservations: 1, voided_authorizations: 0, errors: 0, done: false });
    for (const key of [
      "finished",
      "still_active",
      "orphaned_checkouts",
      "released_discounts",
      "captured_without_order",
      "completed_orders",
      "relayed_events",
      "pruned_events",
      "pruned_deliveries",
      "duration_ms",
    ]) {
      expect(first.body[key], key).toEqual(expect.any(Number));
    }

    const rest = await call("POST", "/admin/api/cleanup", { headers: ADMIN });
    expect(rest.body).toMatchObject({ released_reservations: 1, done: true });
    expect(await stockOf(variant!)).toMatchObject({ on_hand: 5, reserved: 0 });
  });
});
