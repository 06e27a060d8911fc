import { addressAllowed } from "../policy/clientAddress.ts";

/**
 * Networks of mail-security services that open links in messages before the recipient
 * does (docs/CONTRACT.md §6 rule 4a). A request from one of them is served but not counted, for
 * at most `scanner_passes` requests per link; tenants add their own in `scanner_networks`.
 *
 * Only ranges a source publishes are listed (no guesses): a wrong entry would give
 * strangers free downloads, a missing one only lets a scan count. Each block says where
 * it comes from and what it cannot cover.
 */
export const SCANNER_NETWORKS: readonly string[] = [
  // Microsoft Exchange Online Protection (Safe Links, attachment detonation): the EOP SMTP
  // endpoint set of Microsoft's "Office 365 URLs and IP address ranges" (Exchange Online;
  // https://support.office.com/en-us/article/8548a211-3fe7-47cb-abb1-355ea5aa88a2, and
  // https://blog.rmilne.ca/?p=46964 on those four IPv4 blocks), the same as Microsoft's SPF
  // record spf.protection.outlook.com ("ip4:40.92.0.0/15 ip4:40.107.0.0/16 ip4:52.100.0.0/14
  // ip4:104.47.0.0/17 ip6:2a01:111:f400::/48 ip6:2a01:111:f403::/49" and further blocks
  // inside 2a01:111:f403::/48, as copied in github.com/smck83/expurgate). Safe Links'
  // detonation browsers may also run elsewhere in Azure, which no list names.
  "40.92.0.0/15",
  "40.107.0.0/16",
  "52.100.0.0/14",
  "104.47.0.0/17",
  "2a01:111:f400::/48",
  "2a01:111:f403::/48",
  // Proofpoint: the networks Proofpoint's support page lists for its own services
  // (https://proofpoint.my.site.com/support/PPSup_SupportInfo: 62.209.50.0/24, 91.209.104.0/24,
  // 208.36.134.0/24, 208.84.64.0/22, 208.86.200.0/22, 209.66.100.64/26, 67.231.144.0/20; the
  // last is its hosted mail service). Proofpoint does not publish URL Defense / TAP sandbox
  // addresses separately.
  "62.209.50.0/24",
  "91.209.104.0/24",
  "208.36.134.0/24",
  "208.84.64.0/22",
  "208.86.200.0/22",
  "209.66.100.64/26",
  "67.231.144.0/20",
  // Barracuda Email Security Service / Email Gateway Defense (US): 209.222.80.0/21, the range
  // Barracuda's "IP Analysis - Inbound" page gives as its correctly entered example
  // (209.222.80.0-255.255.248.0, https://campus.barracuda.com/product/emailgatewaydefense/doc/96023004/).
  // The per-region table of its "Email Security Service IP Ranges" page did not come through
  // in the stored copy, so other regions (AU, CA, DE, UK) are not listed.
  "209.222.80.0/21",
  // Not listed, for want of a published range: Mimecast (ranges per region on its "Data
  // Centers and URLs" page, which the search did not return with its figures), Cisco Secure
  // Email Cloud (addresses per customer, sent in the welcome e-mail), Google Workspace (no
  // documented link-scanning network). Tenants add these in `scanner_networks`.
];

/**
 * True when the request looks like a mail scanner: from a known scanner network (built in
 * or the tenant's) or without a User-Agent, which no browser or download tool omits.
 */
export function isScannerRequest(
  clientIp: string | null,
  userAgent: string | null,
  tenantNetworks: readonly string[],
): boolean {
  if ((userAgent ?? "").trim() === "") return true;
  return addressAllowed(clientIp, SCANNER_NETWORKS) || addressAllowed(clientIp, tenantNetworks);
}
