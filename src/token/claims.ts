import ipaddr from "ipaddr.js";
import { z } from "zod";
import { countryList } from "./countryCodes.ts";

/** A single address or CIDR block, IPv4 or IPv6, as `ipaddr.js` understands it. */
export const addressOrCidr = z.string().refine((value) => {
  // IPv4 only as dotted four-part decimal: ipaddr.js would also read "010.0.0.1" as octal
  // (8.0.0.1) and "10.1" as 10.0.0.1, silently allowing an address the issuer never meant.
  if (!value.includes(":")) {
    return value.includes("/")
      ? ipaddr.IPv4.isValidCIDRFourPartDecimal(value)
      : ipaddr.IPv4.isValidFourPartDecimal(value);
  }
  try {
    if (value.includes("/")) ipaddr.parseCIDR(value);
    else ipaddr.parse(value);
    return true;
  } catch {
    return false;
  }
}, "not an IP address or CIDR block");

/**
 * NumericDate bounded to year 9999: a validly signed `exp` of 1e308 must not reach
 * `Date#toISOString` (RangeError past ±8.64e15 ms) and answer 5xx.
 */
export const MAX_NUMERIC_DATE = 253_402_300_799;
const numericDate = z.number().finite().nonnegative().max(MAX_NUMERIC_DATE);
/** Counts held as SQLite integers and compared in JavaScript: at most 2^31 − 1. */
export const MAX_COUNT = 2 ** 31 - 1;

/** A link id (`lid`): the store's choice, within these characters; also the `/links/:id` of the issuer API. */
export const linkIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "letters, digits, '_' and '-', 1–64");

/** The claims of a download token, docs/CONTRACT.md §3. Unknown claims (iat, jti…) are ignored. */
export const claimsSchema = z.object({
  iss: z.string().regex(/^[a-z0-9-]{1,40}$/),
  lid: linkIdSchema,
  fid: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/),
  exp: numericDate.optional(),
  nbf: numericDate.optional(),
  lim: z.number().int().min(1).max(MAX_COUNT).optional(),
  ips: z.array(addressOrCidr).min(1).max(64).optional(),
  dev: z.number().int().min(1).max(MAX_COUNT).optional(),
  sub: z.string().min(1).max(256).optional(),
  auth: z.boolean().optional(),
  fn: z.string().min(1).max(255).optional(),
  ord: z.string().min(1).max(128).optional(),
  /** docs/CONTRACT.md §6 rule 4a: a browser navigation gets a confirmation page; only its button counts. */
  cfm: z.boolean().optional(),
  /** Countries the link may be used from (`request.cf.country`); an unknown country is refused. */
  cca: countryList.optional(),
  /** Countries the link may not be used from; an unknown country is let through. */
  ccb: countryList.optional(),
});

export type Claims = z.infer<typeof claimsSchema>;
