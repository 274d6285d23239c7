/**
 * Payment reconciliation's judgement of a sale: a capture whose order was refunded or
 * cancelled since was still sold, so it is no alert and nothing to finish. (Every other
 * branch of the reconciliation is a row of test/support/cleanup-table.ts, run with both gateways.)
 */
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { runCleanup } from "../../src/jobs/cleanup";
import { ADMIN, call } from "../support/api";
import { recordingQueue } from "../support/events";
import { expectInvariants } from "../support/invariants";
import { cancelOrder, paidOrder, refund } from "../support/orders";
import { checkoutTrace } from "../support/saga";

afterEach(() => vi.restoreAllMocks());

describe("cleanup: payment reconciliation", () => {
  it("takes a refunded or cancelled order as the sale of its capture: no alert, nothing to finish, its lock diagnosed ok", async () => {
    const refunded = await paidOrder([{ prices: { USD: 1500 }, stock: 4 }], [2]);
    const cancelled = await paidOrder([{ prices: { USD: 900 }, stock: 4 }], [1]);
    expect((await refund(refunded.order.id, { amount: 500 })).status).toBe(201);
    expect((await cancelOrder(cancelled.order.id)).status).toBe(200);
    const errors: string[] = [];
    vi.spyOn(console, "error").mockImplementation((line: string) => void errors.push(line));
    const result = await runCleanup({ ...env, EVENTS: recordingQueue().queue });
    expect(result).toMatchObject({ captured_without_order: 0, completed_orders: 0, errors: 0 });
    expect(errors.filter((l) => l.includes("reconcile."))).toEqual([]);
    for (const o of [refunded.order, cancelled.order]) {
      const lock = await call("GET", `/admin/api/diagnostics?lock_id=${o.checkout_id}`, { headers: ADMIN });
      expect(
        lock.body.checks.find((c: { name: string }) => c.name === "order"),
        o.id,
      ).toMatchObject({ status: "ok" });
      expect(lock.body.status, o.id).toBe("ok");
      expect((await checkoutTrace(o.checkout_id)).timeline).not.toContain("reconcile_alert");
    }
    await expectInvariants();
  });
});
