import type { LinkGrant } from "../sdk/sign.ts";
import type { VerificationKey } from "../token/keyring.ts";

/**
 * Signed link tokens, remembered per signing key (issue 13: a listing of 1,000 links spent
 * two thirds of its CPU signing the same tokens on every request).
 *
 * A token is a pure function of the key and the grant (the `iat` claim aside, which nobody
 * reads: docs/CONTRACT.md §3), so a token signed once can be handed out again for as long as
 * both are unchanged. What keeps that safe:
 *
 * - **Rotation and retirement.** The cache hangs off the tenant's `VerificationKey` object
 *   (a WeakMap), never off a kid string. A new key, a retired key or a reloaded tenant is
 *   another object, so the old key's tokens cannot be reached any more: the next listing
 *   signs with whatever `tenant.signingKey` is now, exactly as if nothing were cached, and a
 *   kid reused after a tenant is deleted and recreated cannot meet its predecessor's tokens.
 * - **The grant.** The cache key is every claim the token carries (tenant, link, file, limit,
 *   expiry, ips, devices, customer, login, file name, order), so a changed expiry or limit
 *   is a miss and gets a token that says the new value.
 * - **Revocation, expiry, limits.** The cache only answers "what is this grant's token";
 *   callers decide first whether the link gets a URL at all (listings: `linkFigures` from
 *   D1's row; the issuer API: `revoked`), so a revoked link never reaches it.
 *
 * Bounded per key (oldest insertion dropped first), so a tenant with many customers cannot
 * grow an isolate's memory without limit: 10,000 tokens of ~450 bytes is a few MB.
 */
const MAX_TOKENS_PER_KEY = 10_000;

const tokensByKey = new WeakMap<VerificationKey, Map<string, string>>();

/** Everything a token for `grant` says, except `iat`: equal keys sign equal claims. */
export function grantCacheKey(grant: LinkGrant): string {
  return JSON.stringify([
    grant.tenant,
    grant.link,
    grant.file,
    grant.limit ?? null,
    grant.expires instanceof Date ? grant.expires.getTime() / 1000 : (grant.expires ?? null),
    grant.notBefore instanceof Date ? grant.notBefore.getTime() / 1000 : (grant.notBefore ?? null),
    grant.ips ?? null,
    grant.devices ?? null,
    grant.customer ?? null,
    grant.requireLogin ?? false,
    grant.filename ?? null,
    grant.order ?? null,
  ]);
}

/**
 * The token for `grant` under `key`: the one signed before when there is one, else `sign()`'s,
 * remembered. Only grants whose expiry is absolute (a number or a Date) may be cached: a
 * relative expiry ("7d") means something else on every call, so it is signed every time.
 */
export async function cachedLinkToken(
  key: VerificationKey,
  grant: LinkGrant,
  sign: () => Promise<string>,
): Promise<string> {
  if (typeof grant.expires === "string") return sign();
  let tokens = tokensByKey.get(key);
  if (!tokens) tokensByKey.set(key, (tokens = new Map()));
  const cacheKey = grantCacheKey(grant);
  const known = tokens.get(cacheKey);
  if (known !== undefined) return known;
  const token = await sign();
  if (tokens.size >= MAX_TOKENS_PER_KEY) {
    const oldest = tokens.keys().next().value;
    if (oldest !== undefined) tokens.delete(oldest);
  }
  tokens.set(cacheKey, token);
  return token;
}
