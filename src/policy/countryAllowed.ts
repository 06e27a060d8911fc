import type { Claims } from "../token/claims.ts";
import { COUNTRY_CODES } from "../token/countryCodes.ts";

/**
 * docs/CONTRACT.md §3 `cca` / `ccb`: whether a request from `country` (Cloudflare's
 * `request.cf.country`) may use the link. A country Cloudflare could not tell (absent,
 * `XX`, or anything that is no code) passes a block list and fails an allow list: an
 * allow list promises "only from these countries", which an unknown origin cannot show,
 * while a block list only names the places to keep out. With both lists, both apply.
 */
export function countryAllowed(country: string | null | undefined, claims: Pick<Claims, "cca" | "ccb">): boolean {
  const known = country !== null && country !== undefined && COUNTRY_CODES.has(country) ? country : null;
  if (claims.cca !== undefined && (known === null || !claims.cca.includes(known))) return false;
  if (claims.ccb !== undefined && known !== null && claims.ccb.includes(known)) return false;
  return true;
}
