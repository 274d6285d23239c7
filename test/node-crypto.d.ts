/**
 * The one node:crypto function the webhook tests use (nodejs_compat provides it at run
 * time) to check signatures independently of the Worker's Web Crypto code. Declared
 * here rather than pulling all of @types/node into the Workers type check.
 */
declare module "node:crypto" {
  interface Hmac {
    update(data: string): Hmac;
    digest(encoding: "base64"): string;
  }
  export function createHmac(algorithm: "sha256", key: Uint8Array): Hmac;
}
