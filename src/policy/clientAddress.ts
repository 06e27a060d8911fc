import ipaddr from "ipaddr.js";

/**
 * The client's address: `CF-Connecting-IP`, which Cloudflare's edge sets and a client
 * cannot forge through it. `X-Forwarded-For` is client-controlled and never read.
 */
export function clientAddress(headers: Headers): string | null {
  const value = headers.get("CF-Connecting-IP")?.trim();
  return value && ipaddr.isValid(value) ? value : null;
}

/** Parses, folding IPv4-mapped IPv6 (::ffff:1.2.3.4) to IPv4 so rules written either way match. */
function parse(address: string): ipaddr.IPv4 | ipaddr.IPv6 {
  const parsed = ipaddr.parse(address);
  if (parsed.kind() === "ipv6" && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    return (parsed as ipaddr.IPv6).toIPv4Address();
  }
  return parsed;
}

/** True when `address` equals one of the entries or lies in one of the CIDR blocks. */
export function addressAllowed(address: string | null, allowed: readonly string[]): boolean {
  if (address === null) return false;
  let client: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    client = parse(address);
  } catch {
    return false;
  }
  return allowed.some((entry) => {
    try {
      if (entry.includes("/")) {
        const [range, bits] = ipaddr.parseCIDR(entry);
        let network: ipaddr.IPv4 | ipaddr.IPv6 = range;
        let prefix = bits;
        if (range.kind() === "ipv6" && (range as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
          network = (range as ipaddr.IPv6).toIPv4Address();
          prefix = bits - 96;
        }
        return client.kind() === network.kind() && client.match(network, prefix);
      }
      const single = parse(entry);
      return client.kind() === single.kind() && client.toNormalizedString() === single.toNormalizedString();
    } catch {
      return false;
    }
  });
}

/** The /24 (IPv4) or /64 (IPv6) network of an address: one household or office, roughly. */
export function addressPrefix(address: string | null): string {
  if (address === null) return "unknown";
  try {
    const parsed = parse(address);
    const bits = parsed.kind() === "ipv4" ? 24 : 64;
    return networkOf(parsed, bits);
  } catch {
    return "unknown";
  }
}

/**
 * The /24 (IPv4) or /48 (IPv6) network of an address, the unit sharing detection counts:
 * one site (a home, an office, a provider's customer), wider than a device's /64 so that
 * IPv6 privacy addresses of one home never read as many places. Null when unknown.
 */
export function siteNetwork(address: string | null): string | null {
  if (address === null) return null;
  try {
    const parsed = parse(address);
    return networkOf(parsed, parsed.kind() === "ipv4" ? 24 : 48);
  } catch {
    return null;
  }
}

function networkOf(address: ipaddr.IPv4 | ipaddr.IPv6, bits: number): string {
  const bytes = address.toByteArray();
  const keep = bits / 8;
  const masked = bytes.map((b, i) => (i < keep ? b : 0));
  return `${ipaddr.fromByteArray(masked).toNormalizedString()}/${bits}`;
}
