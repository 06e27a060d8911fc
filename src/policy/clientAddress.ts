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

type Entry =
  | { cidr: true; network: ipaddr.IPv4 | ipaddr.IPv6; prefix: number }
  | { cidr: false; single: ipaddr.IPv4 | ipaddr.IPv6 }
  | null;

/**
 * Parsed entries of the allow-lists and scanner networks, by their text. ipaddr.js parses
 * an IPv4 CIDR in ~17 µs (it tries every legacy notation), so the 14 built-in scanner
 * networks cost ~0.24 ms on every download when parsed per request (issue 13's profile);
 * parsed once they cost ~1.5 µs. Bounded: cleared when full.
 */
const parsedEntries = new Map<string, Entry>();
const MAX_PARSED_ENTRIES = 10_000;

function parseEntry(entry: string): Entry {
  const known = parsedEntries.get(entry);
  if (known !== undefined) return known;
  let parsed: Entry;
  try {
    if (entry.includes("/")) {
      const [range, bits] = ipaddr.parseCIDR(entry);
      let network: ipaddr.IPv4 | ipaddr.IPv6 = range;
      let prefix = bits;
      if (range.kind() === "ipv6" && (range as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
        network = (range as ipaddr.IPv6).toIPv4Address();
        prefix = bits - 96;
      }
      parsed = { cidr: true, network, prefix };
    } else {
      parsed = { cidr: false, single: parse(entry) };
    }
  } catch {
    parsed = null;
  }
  if (parsedEntries.size >= MAX_PARSED_ENTRIES) parsedEntries.clear();
  parsedEntries.set(entry, parsed);
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
  return allowed.some((text) => {
    const entry = parseEntry(text);
    if (entry === null) return false;
    if (entry.cidr) return client.kind() === entry.network.kind() && client.match(entry.network, entry.prefix);
    return client.kind() === entry.single.kind() && client.toNormalizedString() === entry.single.toNormalizedString();
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
