import { hmacSha256, randomBytes } from "./crypto";

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"; // Crockford base32, lower case

function base32(bytes: Uint8Array, length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) out += ALPHABET[bytes[i % bytes.length]! % 32];
  return out;
}

export type IdPrefix = "cart" | "chk" | "ord" | "var" | "prod" | "line" | "quo" | "pay" | "evt" | "ref";

/** A random, unguessable id with a type prefix (26 base32 chars = 130 bits). */
export function newId(prefix: IdPrefix): string {
  return `${prefix}_${base32(randomBytes(26), 26)}`;
}

/** A deterministic id derived from a secret and a seed (for idempotent creation). */
export async function derivedId(prefix: IdPrefix, secret: string, seed: string): Promise<string> {
  return `${prefix}_${base32(await hmacSha256(secret, `${prefix}:${seed}`), 26)}`;
}

export function isId(prefix: IdPrefix, value: string): boolean {
  return new RegExp(`^${prefix}_[0-9a-z]{26}$`).test(value);
}
