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
 * - **The grant.** One token per link is kept, with the grant it was signed for; it is
 *   handed out only for a grant equal in every claim the token carries (tenant, link,
 *   file, limit, expiry, ips, devices, customer, login, file name, order, countries), so a changed
 *   expiry or limit is a miss and gets a token that says the new value.
 * - **Revocation, expiry, limits.** The cache only answers "what is this grant's token";
 *   callers decide first whether the link gets a URL at all (listings: `linkFigures` from
 *   D1's row; the issuer API: `revoked`), so a revoked link never reaches it.
 *
 * Bounded per key (oldest insertion dropped first), so a tenant with many customers cannot
 * grow an isolate's memory without limit: 10,000 tokens of ~450 bytes is a few MB.
 */
const MAX_TOKENS_PER_KEY = 10_000;

/** A grant as the cache compares it: expiry and not-before as Unix seconds. */
interface Remembered {
  grant: LinkGrant;
  token: string;
}

const tokensByKey = new WeakMap<VerificationKey, Map<string, Remembered>>();

const seconds = (value: LinkGrant["expires"]) => (value instanceof Date ? value.getTime() / 1000 : value);

function sameList(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  if (a === b) return true;
  if (!a || !b || a.length !== b.length) return false;
  return a.every((ip, i) => ip === b[i]);
}

/**
 * Whether two grants sign into the same claims (`iat` aside): every field the token
 * carries, compared one by one (a field-by-field comparison is several times cheaper than
 * building a key string for each of a listing's thousand links).
 */
export function sameGrant(a: LinkGrant, b: LinkGrant): boolean {
  return (
    a.tenant === b.tenant &&
    a.link === b.link &&
    a.file === b.file &&
    a.limit === b.limit &&
    seconds(a.expires) === seconds(b.expires) &&
    seconds(a.notBefore) === seconds(b.notBefore) &&
    sameList(a.ips, b.ips) &&
    a.devices === b.devices &&
    a.customer === b.customer &&
    (a.requireLogin ?? false) === (b.requireLogin ?? false) &&
    a.filename === b.filename &&
    a.order === b.order &&
    sameList(a.countries, b.countries) &&
    sameList(a.blockedCountries, b.blockedCountries)
  );
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
  if (typeof grant.expires === "string" || typeof grant.notBefore === "string") return sign();
  let tokens = tokensByKey.get(key);
  if (!tokens) tokensByKey.set(key, (tokens = new Map()));
  const known = tokens.get(grant.link);
  if (known && sameGrant(known.grant, grant)) return known.token;
  const token = await sign();
  if (!known && tokens.size >= MAX_TOKENS_PER_KEY) {
    const oldest = tokens.keys().next().value;
    if (oldest !== undefined) tokens.delete(oldest);
  }
  // A copy: the caller's object is not ours to keep (or to see changed later).
  tokens.set(grant.link, { grant: { ...grant, ips: grant.ips && [...grant.ips] }, token });
  return token;
}
