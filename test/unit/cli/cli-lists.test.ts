/** Paged lists: --all follows next_cursor to the end, --csv prints the API's fields, and a page says where the next starts. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { csvCell, toCsv } from "../../../src/cli/csv.ts";
import { fakeAdminApi, runCli } from "./fake-admin-api.ts";

afterEach(() => vi.unstubAllGlobals());

const lock = (n: number) => ({
  id: `chk_${n}`,
  cart_id: `cart_${n}`,
  state: "locked",
  phase: "price_lock",
  currency: "EUR",
  currency_exponent: 2,
  total: 1999 + n,
  active: true,
  overdue: false,
  created_at: "2026-12-01T10:00:00.000Z",
  expires_at: "2026-12-01T10:15:00.000Z",
  ended_at: null,
});

const threePages = () =>
  fakeAdminApi({
    "GET /admin/api/checkout-locks?state=locked&limit=200": { body: { data: [lock(1), lock(2)], next_cursor: "c2" } },
    "GET /admin/api/checkout-locks?state=locked&limit=200&cursor=c2": { body: { data: [lock(3)], next_cursor: "c3" } },
    "GET /admin/api/checkout-locks?state=locked&limit=200&cursor=c3": { body: { data: [lock(4)], next_cursor: null } },
  });

describe("checkout-admin lists", () => {
  it("--all fetches every page, with progress, into one table", async () => {
    const requests = threePages();
    const run = await runCli(["locks", "--state", "locked", "--all"]);
    expect(run.code, run.stderr).toBe(0);
    expect(requests).toHaveLength(3);
    expect(run.stdout.split("\n").filter((l) => l.startsWith("chk_"))).toHaveLength(4);
    expect(run.stdout).toMatch(/chk_4\s+locked\s+price_lock\s+€20\.03/);
    expect(run.stdout).not.toContain("More:");
    expect(run.progress).toEqual(["Fetched 2 checkout locks…", "Fetched 3 checkout locks…", "(cleared)"]);
  });

  it("--all --json gives every item and no cursor", async () => {
    threePages();
    const run = await runCli(["locks", "--state", "locked", "--all", "--json"]);
    const page = JSON.parse(run.stdout);
    expect(page.data.map((l: { id: string }) => l.id)).toEqual(["chk_1", "chk_2", "chk_3", "chk_4"]);
    expect(page.next_cursor).toBeNull();
  });

  it("--csv prints a header and the API's own values (minor units, ISO times)", async () => {
    threePages();
    const run = await runCli(["locks", "--state", "locked", "--all", "--csv"]);
    const rows = run.stdout.split("\r\n");
    expect(rows[0]).toBe("id,cart_id,state,phase,currency,total,active,overdue,created_at,expires_at,ended_at");
    expect(rows[1]).toBe("chk_1,cart_1,locked,price_lock,EUR,2000,true,false,2026-12-01T10:00:00.000Z,2026-12-01T10:15:00.000Z,");
    expect(rows).toHaveLength(5);
  });

  it("one page says how to get the next (on stderr for CSV, which goes to files)", async () => {
    fakeAdminApi({ "GET /admin/api/checkout-locks?state=locked&limit=2": { body: { data: [lock(1), lock(2)], next_cursor: "c2" } } });
    const table = await runCli(["locks", "--state", "locked", "--limit", "2"]);
    expect(table.stdout).toContain("More: checkout-admin locks --state locked --limit 2 --cursor c2");
    const csv = await runCli(["locks", "--state", "locked", "--limit", "2", "--csv"]);
    expect(csv.stdout).not.toContain("More");
    expect(csv.stderr).toContain("--cursor c2");
  });

  it("refuses a server that hands out one cursor twice instead of looping", async () => {
    fakeAdminApi({
      "GET /admin/api/events?limit=200": { body: { data: [], next_cursor: "same" } },
      "GET /admin/api/events?limit=200&cursor=same": { body: { data: [], next_cursor: "same" } },
    });
    await expect(runCli(["events", "--all"])).rejects.toThrow(/cursor same twice/);
  });

  it("--csv with --json is a usage error", async () => {
    const requests = fakeAdminApi({});
    const run = await runCli(["orders", "--csv", "--json"]);
    expect(run.code).toBe(2);
    expect(requests).toHaveLength(0);
  });

  it("orders: filters go to the query, money and refunds in the table", async () => {
    const order = {
      id: "ord_1",
      number: 1042,
      cart_id: "cart_1",
      checkout_id: "chk_1",
      status: "partially_refunded",
      currency: "JPY",
      currency_exponent: 0,
      email: "a@b.co",
      total: 5000,
      refunded_total: 1200,
      created_at: "2026-12-01T10:00:00.000Z",
      lines: [],
    };
    const requests = fakeAdminApi({ "GET /admin/api/orders?status=partially_refunded&email=a%40b.co": { body: { data: [order], next_cursor: null } } });
    const run = await runCli(["orders", "--status", "partially_refunded", "--email", "a@b.co"]);
    expect(run.code, run.stderr).toBe(0);
    expect(requests[0]!.path).toBe("/admin/api/orders?status=partially_refunded&email=a%40b.co");
    expect(run.stdout).toMatch(/1042\s+ord_1\s+partially_refunded\s+¥5,000\s+¥1,200\s+a@b\.co/);
  });
});

describe("CSV cells", () => {
  it("quotes separators, quotes and line breaks, and defuses spreadsheet formulas", () => {
    expect(csvCell('say "hi", then\nleave')).toBe('"say ""hi"", then\nleave"');
    expect(csvCell("=HYPERLINK(1)")).toBe("'=HYPERLINK(1)");
    expect(csvCell("-12")).toBe("-12");
    expect(csvCell(null)).toBe("");
    expect(toCsv(["a", "b"], [[1, true]])).toBe("a,b\r\n1,true");
  });
});
