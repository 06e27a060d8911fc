/**
 * The two lists behind scanner layers 1 and 2, checked at their edges: every built-in
 * network is a valid block whose first and last addresses match and whose neighbours do
 * not, and no everyday browser or download tool is mistaken for a preview agent.
 */
import ipaddr from "ipaddr.js";
import { describe, expect, it } from "vitest";
import { previewAgent } from "../../src/scanners/previewAgents.ts";
import { isScannerRequest, SCANNER_NETWORKS } from "../../src/scanners/scannerNetworks.ts";
import { addressOrCidr } from "../../src/token/claims.ts";

const CHROME =
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";

describe("built-in scanner networks", () => {
  it("are CIDR blocks the tenant setting would accept, each written at its network address", () => {
    for (const block of SCANNER_NETWORKS) {
      expect(addressOrCidr.safeParse(block).success, block).toBe(true);
      const [address, bits] = ipaddr.parseCIDR(block);
      const network = ipaddr.IPv4.isValid(block.split("/")[0] as string)
        ? ipaddr.IPv4.networkAddressFromCIDR(block)
        : ipaddr.IPv6.networkAddressFromCIDR(block);
      expect(address.toNormalizedString(), `${block} is not written at its network address`).toBe(
        network.toNormalizedString(),
      );
      expect(bits).toBeGreaterThan(0);
    }
  });

  it("match from the first to the last address of a block and not one address past it", () => {
    const toInt = (address: string) =>
      ipaddr.IPv4.parse(address)
        .toByteArray()
        .reduce((n, b) => n * 256 + b, 0);
    const fromInt = (n: number) => [3, 2, 1, 0].map((k) => Math.floor(n / 256 ** k) % 256).join(".");
    const v4 = SCANNER_NETWORKS.filter((b) => !b.includes(":"));
    for (const block of v4) {
      const first = ipaddr.IPv4.networkAddressFromCIDR(block).toString();
      const last = ipaddr.IPv4.broadcastAddressFromCIDR(block).toString();
      const before = fromInt(toInt(first) - 1);
      const after = fromInt(toInt(last) + 1);
      expect(isScannerRequest(first, CHROME, []), first).toBe(true);
      expect(isScannerRequest(last, CHROME, []), last).toBe(true);
      for (const outside of [before, after]) {
        const listed = v4.some((b) => ipaddr.IPv4.parse(outside).match(ipaddr.IPv4.parseCIDR(b)));
        expect(isScannerRequest(outside, CHROME, []), outside).toBe(listed);
      }
    }
    expect(isScannerRequest("40.94.0.0", CHROME, [])).toBe(false);
    expect(isScannerRequest("40.91.255.255", CHROME, [])).toBe(false);
    expect(isScannerRequest("2a01:111:f402::1", CHROME, [])).toBe(false);
    expect(isScannerRequest("2a01:111:f403:ffff::1", CHROME, [])).toBe(true);
  });

  it("treat an IPv4-mapped IPv6 address like the IPv4 address", () => {
    expect(isScannerRequest("::ffff:40.92.1.1", CHROME, [])).toBe(true);
  });

  it("take a missing address for no scanner, unless the User-Agent is empty", () => {
    expect(isScannerRequest(null, CHROME, [])).toBe(false);
    expect(isScannerRequest(null, "   ", [])).toBe(true);
    expect(isScannerRequest(null, null, [])).toBe(true);
  });
});

describe("preview agents", () => {
  it.each([
    CHROME,
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
    "curl/8.5.0",
    "Wget/1.21.4",
    "aria2/1.37.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; Trident/7.0; rv:11.0) like Gecko IDM/6.42",
    "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/131.0 Mobile Safari/537.36 WhatsApp/2.24.1 (in-app, not at the start)",
    "Mozilla/5.0 (compatible) Online Line Reader/1.0",
  ])("leaves %s alone", (agent) => {
    expect(previewAgent(agent)).toBeNull();
  });

  it("names the family of a known agent", () => {
    expect(previewAgent("Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)")).toBe("slack");
    expect(previewAgent("WhatsApp/2.23.20.0 A")).toBe("whatsapp");
    expect(previewAgent("Pinterestbot/1.0")).toBe("pinterest");
    expect(previewAgent(null)).toBeNull();
    expect(previewAgent("")).toBeNull();
  });
});
