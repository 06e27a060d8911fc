import ipaddr from "ipaddr.js";
import { z } from "zod";

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

const numericDate = z.number().finite().nonnegative();

/** The claims of a download token, DESIGN.md §3. Unknown claims (iat, jti…) are ignored. */
export const claimsSchema = z.object({
  iss: z.string().regex(/^[a-z0-9-]{1,40}$/),
  lid: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  fid: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/),
  exp: numericDate.optional(),
  nbf: numericDate.optional(),
  lim: z.number().int().min(1).optional(),
  ips: z.array(addressOrCidr).min(1).max(64).optional(),
  dev: z.number().int().min(1).optional(),
  sub: z.string().min(1).max(256).optional(),
  auth: z.boolean().optional(),
  fn: z.string().min(1).max(255).optional(),
  ord: z.string().min(1).max(128).optional(),
});

export type Claims = z.infer<typeof claimsSchema>;
