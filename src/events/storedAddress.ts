import ipaddr from "ipaddr.js";
import type { TenantSettings } from "../tenants/tenantSettings.ts";

/** How much of a client address the download log keeps (tenant setting `ip_storage`). */
export type IpStorage = TenantSettings["ip_storage"];

/**
 * The client address as the download log stores it (docs/CONTRACT.md §10). `truncated`
 * keeps the network, not the host: the /24 of an IPv4 address and the /48 of an IPv6 one
 * (a site's prefix under RIPE-690's assignment guidance), written as the network address
 * in CIDR form (`203.0.113.0/24`, `2001:db8:12::/48`) so nobody mistakes it for a host.
 * An IPv4-mapped IPv6 address is stored as IPv4. `none` keeps nothing.
 */
export function storedAddress(address: string | null, mode: IpStorage): string | null {
  if (address === null || mode === "none") return null;
  if (mode === "full") return address;
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.parse(address);
  } catch {
    // Only validated addresses reach here (policy/clientAddress.ts); anything else is not kept.
    return null;
  }
  if (parsed.kind() === "ipv6" && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  }
  // Both prefixes end on a byte boundary: keep the first 3 (IPv4) or 6 (IPv6) bytes.
  const kept = parsed.kind() === "ipv4" ? 3 : 6;
  const masked = parsed.toByteArray().map((byte, i) => (i < kept ? byte : 0));
  return `${ipaddr.fromByteArray(masked).toString()}/${kept * 8}`;
}
