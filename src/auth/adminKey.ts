import { randomHex, randomToken, sha256Hex } from "../utils/encoding.ts";

/**
 * Issuer API keys look like `dlgk_<8 hex>_<43 chars>`. The prefix is stored in clear to
 * name the key in listings; the whole key only as SHA-256 (it has 256 bits of entropy,
 * so a plain hash is enough — no password stretching needed).
 */
export async function newAdminKey(): Promise<{ id: string; key: string; hash: string }> {
  const id = `dlgk_${randomHex(4)}`;
  const key = `${id}_${randomToken(32)}`;
  return { id, key, hash: await sha256Hex(key) };
}

export function adminKeyHash(key: string): Promise<string> {
  return sha256Hex(key);
}

/** The bearer credential of a request, or null. */
export function bearerToken(request: Request): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get("Authorization") ?? "");
  return match?.[1] ?? null;
}
