/**
 * The console's Stock pages: every variant's stock and purchase limit, and a form on a
 * variant's page that sets or clears the limit (CSRF-checked, same rules as the admin
 * API: bad values change nothing). The limit set here is the one checkouts count.
 */
import { describe, expect, it } from "vitest";
import { ADMIN, call as api, createProduct } from "../support/api";
import { consoleCall as call, consoleSignIn as signIn, csrfOf, form, FORM } from "../support/console";
import { d1Fingerprint } from "../support/state-fingerprint";

const page = (path: string, cookie: string) => call("GET", path, { headers: { cookie } });

const limitOf = async (variant: string) => (await api("GET", `/admin/api/variants/${variant}/limits`, { headers: ADMIN })).body.max_per_customer;

describe("console: stock and purchase limits", () => {
  it("lists variants with stock and limit, and a variant's page sets and clears its limit", async () => {
    const [variant] = await createProduct([{ stock: 7 }], "Console drop");
    await api("PUT", `/admin/api/variants/${variant}/limits`, { headers: { ...ADMIN, "content-type": "application/json" }, body: { max_per_customer: 2 } });
    const cookie = await signIn();

    const list = await page(`/admin/stock?q=${variant}`, cookie);
    expect(list.status).toBe(200);
    const row = new RegExp(`<tr data-variant-id="${variant}">([\\s\\S]*?)</tr>`).exec(list.body)![1]!;
    expect(row).toContain("Console drop");
    expect(row).toMatch(/>7<\/td>[\s\S]*>0<\/td>[\s\S]*>7<\/td>[\s\S]*2 per customer/);

    const detail = await page(`/admin/stock/${variant}`, cookie);
    expect(detail.status).toBe(200);
    expect(detail.body).toContain('name="max_per_customer"');
    expect(detail.body).toContain('value="2"');
    const csrf = csrfOf(detail.body);

    const set = await call("POST", `/admin/stock/${variant}/limit`, { headers: { ...FORM, cookie }, raw: form({ csrf, max_per_customer: "1" }) });
    expect(set.status).toBe(303);
    expect(set.headers.get("location")).toBe(`/admin/stock/${variant}?notice=set`);
    expect(await limitOf(variant!)).toBe(1);
    expect((await page(set.headers.get("location")!, cookie)).body).toContain("Limit saved.");

    const cleared = await call("POST", `/admin/stock/${variant}/limit`, { headers: { ...FORM, cookie }, raw: form({ csrf, max_per_customer: "" }) });
    expect(cleared.headers.get("location")).toBe(`/admin/stock/${variant}?notice=cleared`);
    expect(await limitOf(variant!)).toBeNull();
    expect((await page(`/admin/stock/${variant}`, cookie)).body).toContain('data-field="max_per_customer">none<');
  });

  it("refuses a bad limit, a stale or foreign form and an unknown variant, and changes nothing", async () => {
    const [variant] = await createProduct([{ stock: 3 }]);
    const cookie = await signIn();
    const csrf = csrfOf((await page(`/admin/stock/${variant}`, cookie)).body);
    const before = await d1Fingerprint();
    for (const bad of ["0", "-1", "1.5", "1000001", "abc", "1e400"]) {
      const res = await call("POST", `/admin/stock/${variant}/limit`, { headers: { ...FORM, cookie }, raw: form({ csrf, max_per_customer: bad }) });
      expect(res.headers.get("location"), bad).toBe(`/admin/stock/${variant}?notice=invalid`);
    }
    const stale = await call("POST", `/admin/stock/${variant}/limit`, {
      headers: { ...FORM, cookie },
      raw: form({ csrf: "0".repeat(64), max_per_customer: "1" }),
    });
    expect(stale.status).toBe(403);
    const foreign = await call("POST", `/admin/stock/${variant}/limit`, {
      headers: { ...FORM, "sec-fetch-site": "cross-site", cookie },
      raw: form({ csrf, max_per_customer: "1" }),
    });
    expect(foreign.status).toBe(403);
    const signedOut = await call("POST", `/admin/stock/${variant}/limit`, { headers: FORM, raw: form({ csrf, max_per_customer: "1" }) });
    expect(signedOut.status).toBe(401);
    const unknown = await call("POST", "/admin/stock/var_nope/limit", { headers: { ...FORM, cookie }, raw: form({ csrf, max_per_customer: "1" }) });
    expect(unknown.status).toBe(404);
    expect((await page("/admin/stock/var_nope", cookie)).status).toBe(404);
    expect(await d1Fingerprint()).toEqual(before);
    expect(await limitOf(variant!)).toBeNull();
  });
});
