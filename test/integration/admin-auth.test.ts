import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { exportJWK, generateKeyPair, SignJWT, createLocalJWKSet, type CryptoKey } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { adminGuard } from "../../src/admin/admin-auth";
import { accessConfig, verifyAccessJwt, type AccessConfig, type AccessKeySource } from "../../src/admin/cloudflare-access";
import { createApp } from "../../src/app";
import { ADMIN, call } from "../support/api";
import { assertDeclared } from "../support/contract";

/** Calls the app with a modified environment (bindings cannot change per test otherwise). */
async function callWithEnv(path: string, overrides: Partial<Env>, headers: Record<string, string> = {}) {
  const response = await createApp().fetch(new Request(`https://checkout.test${path}`, { headers }), { ...env, ...overrides }, createExecutionContext());
  const res = { status: response.status, headers: response.headers, body: (await response.json()) as any };
  assertDeclared("GET", path, res);
  return res;
}

describe("admin API authentication", () => {
  it("answers 401 without a token, with a wrong one and with a malformed header", async () => {
    for (const headers of <Array<Record<string, string>>>[
      {},
      { authorization: "Bearer wrong-token" },
      { authorization: "Basic dGVzdDp0ZXN0" },
      { authorization: `Bearer ${env.ADMIN_TOKEN}x` },
    ]) {
      const res = await call("GET", "/admin/api/checkout-locks", { headers });
      expect(res.status, JSON.stringify(headers)).toBe(401);
      expect(res.body.error.code).toBe("unauthorized");
    }
    const ok = await call("GET", "/admin/api/checkout-locks", { headers: ADMIN });
    expect(ok.status).toBe(200);
  });

  it("answers 503 admin_disabled when no admin credential is configured, even with a token", async () => {
    for (const headers of [{}, ADMIN, { authorization: "Bearer " }]) {
      const res = await callWithEnv("/admin/api/checkout-locks/statistics", { ADMIN_TOKEN: undefined }, headers);
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe("admin_disabled");
    }
    const empty = await callWithEnv("/admin/api/diagnostics", { ADMIN_TOKEN: "" }, ADMIN);
    expect(empty.status).toBe(503);
  });

  it("does not accept an Access header when Access is not configured", async () => {
    const res = await call("GET", "/admin/api/checkout-locks", { headers: { "cf-access-jwt-assertion": "eyJhbGciOiJub25lIn0.e30." } });
    expect(res.status).toBe(401);
  });
});

describe("Cloudflare Access", () => {
  const TEAM = "acme.cloudflareaccess.com";
  const AUD = "a1b2c3d4e5f6";
  let config: AccessConfig;
  let privateKey: CryptoKey;
  let otherKey: CryptoKey;
  let keys: ReturnType<typeof createLocalJWKSet>;

  const sign = (claims: { iss?: string; aud?: string; exp?: number | string; key?: CryptoKey; email?: string } = {}) => {
    const jwt = new SignJWT({ email: claims.email ?? "ops@example.com" })
      .setProtectedHeader({ alg: "RS256", kid: "test-key" })
      .setIssuer(claims.iss ?? `https://${TEAM}`)
      .setAudience(claims.aud ?? AUD)
      .setSubject("user-1")
      .setIssuedAt();
    if (claims.exp !== undefined) jwt.setExpirationTime(claims.exp);
    else jwt.setExpirationTime("5m");
    return jwt.sign(claims.key ?? privateKey);
  };

  beforeAll(async () => {
    config = accessConfig({ ...env, CF_ACCESS_TEAM_DOMAIN: `https://${TEAM}/`, CF_ACCESS_AUD: AUD })!;
    const pair = await generateKeyPair("RS256");
    privateKey = pair.privateKey;
    otherKey = (await generateKeyPair("RS256")).privateKey;
    keys = createLocalJWKSet({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: "test-key", alg: "RS256" }] });
  });

  it("derives the issuer and the team's certs URL from the team domain", () => {
    expect(config).toEqual({ issuer: `https://${TEAM}`, audience: AUD, certsUrl: `https://${TEAM}/cdn-cgi/access/certs` });
    expect(accessConfig({ ...env, CF_ACCESS_TEAM_DOMAIN: TEAM })).toBeNull();
  });

  it("accepts a token signed by the team's key for this audience, and nothing else", async () => {
    expect(await verifyAccessJwt(await sign(), config, keys)).toEqual({ ok: true, identity: { email: "ops@example.com", sub: "user-1" } });
    const rejected = [
      await sign({ aud: "another-app" }),
      await sign({ iss: "https://evil.cloudflareaccess.com" }),
      await sign({ exp: Math.floor(Date.now() / 1000) - 120 }),
      await sign({ key: otherKey }),
      "not-a-jwt",
    ];
    for (const token of rejected) {
      const verdict = await verifyAccessJwt(token, config, keys);
      expect(verdict.ok).toBe(false);
      expect(verdict.ok === false && verdict.reason).toBe("invalid");
    }
  });

  it("guards admin routes: a valid Access JWT passes, an invalid one is 401, unreachable keys are 503", async () => {
    const accessEnv: Env = { ...env, ADMIN_TOKEN: undefined, CF_ACCESS_TEAM_DOMAIN: TEAM, CF_ACCESS_AUD: AUD };
    const guarded = (source: AccessKeySource) => {
      const app = new Hono<{ Bindings: Env }>();
      app.onError((error, c) =>
        c.json(
          { status: (error as { status?: number }).status ?? 500, code: (error as { code?: string }).code },
          ((error as { status?: number }).status ?? 500) as 401,
        ),
      );
      app.use("/admin/api/*", adminGuard({ accessKeys: source }));
      app.get("/admin/api/ping", (c) => c.json({ ok: true }));
      return app;
    };
    const app = guarded(() => keys);
    const request = (headers: Record<string, string>) =>
      app.fetch(new Request("https://checkout.test/admin/api/ping", { headers }), accessEnv, createExecutionContext());

    expect((await request({ "cf-access-jwt-assertion": await sign() })).status).toBe(200);
    expect((await request({ "cf-access-jwt-assertion": await sign({ aud: "other" }) })).status).toBe(401);
    expect((await request({})).status).toBe(401);
    // Access alone is a configured credential: a bearer token is refused rather than admin falling open.
    expect((await request(ADMIN)).status).toBe(401);

    const down = guarded(() => async () => {
      throw new TypeError("fetch failed");
    });
    const res = await down.fetch(
      new Request("https://checkout.test/admin/api/ping", { headers: { "cf-access-jwt-assertion": await sign() } }),
      accessEnv,
      createExecutionContext(),
    );
    expect(res.status).toBe(503);
  });
});
