/**
 * A DNS name of letter-digit-hyphen labels (none empty, none starting or ending with a
 * hyphen), lower case. Underscores are allowed too: not in a strict host name, but DNS
 * serves them and browsers open (and send as `Origin`) hosts such as `my_shop.example.com`.
 */
const DNS_NAME = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

/**
 * A host a request can carry: a lower-case DNS name (an internationalised one in its xn--
 * form; a dotted IPv4 address is one too) or a bracketed IPv6 literal. No wildcard: a `*`
 * in a configured host or origin would only ever match literally, which no browser sends.
 */
export function isHostName(host: string): boolean {
  return DNS_NAME.test(host) || /^\[[0-9a-f:.]+\]$/.test(host);
}
