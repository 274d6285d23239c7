/**
 * Cloudflare Access for admin: when CF_ACCESS_TEAM_DOMAIN and CF_ACCESS_AUD are set, a
 * request that Access let through carries a signed JWT in `Cf-Access-Jwt-Assertion`.
 * It is verified with jose against the team's published keys (signature, issuer,
 * audience, expiry). The key source is injectable so tests can sign with a local key.
 */
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from "jose";

export const ACCESS_JWT_HEADER = "cf-access-jwt-assertion";

export interface AccessConfig {
  /** `https://<team>.cloudflareaccess.com`: the issuer of the tokens. */
  issuer: string;
  audience: string;
  certsUrl: string;
}

/** The Access settings, or null when Access is not configured (both variables are needed). */
export function accessConfig(env: Env): AccessConfig | null {
  const domain = env.CF_ACCESS_TEAM_DOMAIN?.trim()
    .replace(/^https?:\/\//, "")
    .replace(/\/+$/, "");
  const audience = env.CF_ACCESS_AUD?.trim();
  if (!domain || !audience) return null;
  const issuer = `https://${domain}`;
  return { issuer, audience, certsUrl: `${issuer}/cdn-cgi/access/certs` };
}

export type AccessKeySource = (config: AccessConfig) => JWTVerifyGetKey;

// jose caches the fetched keys inside each key set (and refetches on an unknown kid).
const remoteKeySets = new Map<string, JWTVerifyGetKey>();

export const remoteAccessKeys: AccessKeySource = (config) => {
  let keys = remoteKeySets.get(config.certsUrl);
  if (!keys) {
    keys = createRemoteJWKSet(new URL(config.certsUrl), { timeoutDuration: 5_000, cooldownDuration: 30_000 });
    remoteKeySets.set(config.certsUrl, keys);
  }
  return keys;
};

export type AccessVerdict =
  | { ok: true; identity: { email: string | null; sub: string | null } }
  | { ok: false; reason: "invalid" | "keys_unavailable"; message: string };

export async function verifyAccessJwt(token: string, config: AccessConfig, keys: JWTVerifyGetKey): Promise<AccessVerdict> {
  try {
    const { payload } = await jwtVerify<JWTPayload & { email?: string }>(token, keys, {
      issuer: config.issuer,
      audience: config.audience,
      algorithms: ["RS256", "ES256"],
      requiredClaims: ["exp"],
      clockTolerance: 30,
    });
    return { ok: true, identity: { email: typeof payload.email === "string" ? payload.email : null, sub: payload.sub ?? null } };
  } catch (error) {
    // The team's keys could not be fetched: not the caller's fault, and not a pass either.
    // (a fetch error, a timeout, or jose's generic error for a bad key set response)
    const keysFailed =
      error instanceof errors.JWKSTimeout || (error instanceof errors.JOSEError && error.code === "ERR_JOSE_GENERIC") || !(error instanceof errors.JOSEError);
    if (keysFailed) {
      return { ok: false, reason: "keys_unavailable", message: "The Cloudflare Access keys could not be fetched." };
    }
    return { ok: false, reason: "invalid", message: error instanceof Error ? error.message : "invalid token" };
  }
}
