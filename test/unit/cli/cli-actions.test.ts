/**
 * Actions that change things: release, refund and cancel ask first on a terminal, need
 * --yes without one, and send nothing when not confirmed; bulk redelivery loops with
 * progress; errors map to the documented exit codes.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeAdminApi, runCli, type Recorded } from "./fake-admin-api.ts";

afterEach(() => vi.unstubAllGlobals());

const checkout = {
  id: "chk_1",
  cart_id: "cart_1",
  state: "locked",
  phase: "price_lock",
  quote: { currency: "EUR", currency_exponent: 2, total: 2499, lines: [] },
};
const lockApi = () =>
  fakeAdminApi({
    "GET /admin/api/checkout-locks/chk_1": { body: { checkout, timeline: [], reservations: [], payments: [], order: null } },
    "POST /admin/api/checkout-locks/chk_1/release": { body: { checkout: { id: "chk_1", state: "cancelled", cancel_reason: "admin_release" } } },
  });
const posts = (requests: Recorded[]) => requests.filter((r) => r.method === "POST");

describe("confirmation", () => {
  it("without a terminal and without --yes: refuses (exit 2) and sends nothing", async () => {
    const requests = lockApi();
    const run = await runCli(["release", "chk_1"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/pass --yes/);
    expect(requests).toHaveLength(0);
  });

  it("on a terminal: asks with what it is about to change; no sends nothing (exit 1), yes releases", async () => {
    const declined = lockApi();
    const no = await runCli(["release", "chk_1"], false);
    expect(no.questions).toEqual(["Release checkout chk_1 (locked, €24.99, cart cart_1)?"]);
    expect(no.code).toBe(1);
    expect(no.stderr).toBe("Not released.");
    expect(posts(declined)).toHaveLength(0);

    const accepted = lockApi();
    const yes = await runCli(["release", "chk_1"], true);
    expect(yes.code).toBe(0);
    expect(yes.stdout).toMatch(/^Released chk_1: cancelled \(admin_release\)/);
    expect(posts(accepted)).toHaveLength(1);
  });

  it("--yes goes ahead without asking, even on a terminal", async () => {
    const requests = lockApi();
    const run = await runCli(["release", "chk_1", "--yes"], false);
    expect(run.code).toBe(0);
    expect(run.questions).toEqual([]);
    expect(posts(requests)).toHaveLength(1);
  });
});

const order = {
  id: "ord_1",
  number: 7,
  cart_id: "cart_1",
  checkout_id: "chk_1",
  status: "paid",
  currency: "USD",
  currency_exponent: 2,
  email: null,
  lines: [],
  subtotal: 3000,
  discount_total: 0,
  tax_total: 0,
  total: 3000,
  refunded_total: 1000,
  created_at: "2026-12-01T10:00:00.000Z",
};

describe("refund and cancel", () => {
  it("refund sends the lines, restock and a fresh Idempotency-Key, and asks with the order's figures", async () => {
    const refund = {
      id: "ref_1",
      status: "succeeded",
      amount: 1500,
      currency: "USD",
      lines: [{ line_id: "line_a", quantity: 2, amount: 1500 }],
      restocked: true,
      reason: null,
      created_at: "x",
      gateway_reference: null,
    };
    const requests = fakeAdminApi({
      "GET /admin/api/orders/ord_1": { body: { order, refunds: [], timeline: [] } },
      "POST /admin/api/orders/ord_1/refunds": { status: 201, body: { refund, order: { ...order, status: "partially_refunded", refunded_total: 2500 } } },
    });
    const run = await runCli(["refund", "ord_1", "--line", "line_a:2", "--restock"], true);
    expect(run.code, run.stderr).toBe(0);
    expect(run.questions).toEqual(["Refund 2 units of 1 line (restocked) of order #7 ord_1 (total $30.00, refunded so far $10.00)?"]);
    const post = posts(requests)[0]!;
    expect(post.body).toEqual({ lines: [{ line_id: "line_a", quantity: 2 }], restock: true });
    expect(post.headers["idempotency-key"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(run.stdout).toBe("Refunded $15.00 of order #7 (ref_1, restocked): order partially_refunded, $25.00 refunded in all.");
  });

  it("refund refuses bad options before asking or sending anything", async () => {
    const requests = fakeAdminApi({});
    for (const argv of [["--restock"], ["--line", "line_a"], ["--line", "line_a:0"], ["--amount", "12.50"]]) {
      const run = await runCli(["refund", "ord_1", ...argv, "--yes"]);
      expect(run.code, argv.join(" ")).toBe(2);
    }
    expect(requests).toHaveLength(0);
  });

  it("a refund the server refuses exits 1 with its reason; a gateway failure says retrying is safe", async () => {
    fakeAdminApi({
      "POST /admin/api/orders/ord_1/refunds": {
        status: 409,
        body: { error: { code: "refund_exceeds_captured", message: "Only 20.00 is left to refund.", details: { refundable: 2000 } } },
      },
      "POST /admin/api/orders/ord_2/refunds": { status: 502, body: { error: { code: "payment_gateway_error", message: "The gateway failed." } } },
    });
    const refused = await runCli(["refund", "ord_1", "--amount", "5000", "--yes"]);
    expect(refused).toMatchObject({ code: 1, stderr: "Not refunded: Only 20.00 is left to refund." });
    const gateway = await runCli(["refund", "ord_2", "--yes"]);
    expect(gateway.code).toBe(1);
    expect(gateway.stderr).toMatch(/Not refunded: The gateway failed\. Nothing was refunded; retrying is safe/);
  });

  it("a lost refund answer prints the key to repeat it with", async () => {
    vi.stubGlobal("fetch", async () => {
      throw Object.assign(new TypeError("fetch failed"), { cause: { code: "ECONNRESET", message: "socket hang up" } });
    });
    const run = await runCli(["refund", "ord_1", "--yes", "--idempotency-key", "key-1"]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain("checkout-admin refund ord_1 --idempotency-key key-1");
  });

  it("cancel sends restock unless --no-restock and asks first on a terminal", async () => {
    const requests = fakeAdminApi({
      "GET /admin/api/orders/ord_1": { body: { order } },
      "POST /admin/api/orders/ord_1/cancel": { body: { order: { ...order, status: "cancelled", refunded_total: 3000 } } },
    });
    const run = await runCli(["cancel", "ord_1", "--no-restock", "--reason", "fraud"], true);
    expect(run.code, run.stderr).toBe(0);
    expect(run.questions).toEqual(["Cancel order #7 ord_1 (paid), refunding $20.00, without restocking?"]);
    expect(posts(requests)[0]!.body).toEqual({ reason: "fraud", restock: false });
    expect(run.stdout).toBe("Cancelled order #7 (ord_1): cancelled, $30.00 refunded in all.");
    const refusal = await runCli(["cancel", "ord_1"]);
    expect(refusal.code).toBe(2);
  });
});

describe("redeliver --dead", () => {
  it("sends batch after batch until none is left, showing progress", async () => {
    let left = 250;
    const requests = fakeAdminApi({
      "POST /admin/api/events/redeliver": (r) => {
        const n = Math.min(left, (r.body as { limit: number }).limit);
        left -= n;
        return { body: { redelivered: n, more: left > 0 } };
      },
    });
    const run = await runCli(["redeliver", "--dead"]);
    expect(run.code).toBe(0);
    expect(requests.map((r) => r.body)).toEqual([
      { status: "dead", limit: 100 },
      { status: "dead", limit: 100 },
      { status: "dead", limit: 100 },
    ]);
    expect(run.progress).toEqual(["Redelivered 100 dead events…", "Redelivered 200 dead events…", "(cleared)"]);
    expect(run.stdout).toBe("Redelivered 250 dead events: enqueued now.");
  });

  it("stops at --limit and says more are left", async () => {
    const requests = fakeAdminApi({ "POST /admin/api/events/redeliver": (r) => ({ body: { redelivered: (r.body as { limit: number }).limit, more: true } }) });
    const run = await runCli(["redeliver", "--undeliverable", "--limit", "150", "--json"]);
    expect(requests.map((r) => (r.body as { limit: number }).limit)).toEqual([100, 50]);
    expect(JSON.parse(run.stdout)).toEqual({ redelivered: 150, more: true });
  });
});

describe("exit codes", () => {
  it("401 and a failing server are 3, a 400 is 2, a 404 on one thing is 1", async () => {
    fakeAdminApi({
      "GET /admin/api/checkout-locks": { status: 401, body: { error: { code: "unauthorized", message: "no" } } },
      "GET /admin/api/events": { status: 500, body: { error: { code: "internal_error", message: "Something went wrong on our side." } } },
      "PUT /admin/api/currencies/EUR": {
        status: 400,
        body: {
          error: {
            code: "validation_error",
            message: "The request is not valid.",
            details: { issues: [{ path: "rate_from_base", message: "Must be above 0" }] },
          },
        },
      },
      "GET /admin/api/variants/var_x/stock": { status: 404, body: { error: { code: "not_found", message: "Variant not found." } } },
    });
    expect((await runCli(["locks"])).code).toBe(3);
    expect((await runCli(["events"])).code).toBe(3);
    const invalid = await runCli(["currencies", "set", "eur", "--rate", "0", "--exponent", "2"]);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain("rate_from_base: Must be above 0");
    expect(await runCli(["stock", "get", "var_x"])).toMatchObject({ code: 1, stderr: "No variant var_x." });
  });
});
