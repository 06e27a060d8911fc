/**
 * An order's access key (the hosted order page and the seed-002 lookup): the issuer API
 * makes 32 base64url characters; any sane key shape is accepted, anything else is no
 * key at all and never reaches D1.
 */
const ACCESS_KEY = /^[A-Za-z0-9_-]{16,128}$/;

export function isAccessKey(candidate: string): boolean {
  return ACCESS_KEY.test(candidate);
}
