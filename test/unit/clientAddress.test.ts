import { describe, expect, it } from "vitest";
import { addressAllowed, addressPrefix, clientAddress } from "../../src/policy/clientAddress.ts";
import { claimsSchema } from "../../src/token/claims.ts";

describe("clientAddress", () => {
  it("reads CF-Connecting-IP", () => {
    expect(clientAddress(new Headers({ "CF-Connecting-IP": "203.0.113.10" }))).toBe("203.0.113.10");
    expect(clientAddress(new Headers({ "CF-Connecting-IP": "2001:db8::7" }))).toBe("2001:db8::7");
  });

  it("trims surrounding whitespace", () => {
    expect(clientAddress(new Headers({ "CF-Connecting-IP": "  198.51.100.4 " }))).toBe("198.51.100.4");
  });

  it("never reads X-Forwarded-For, even when it is the only address", () => {
    expect(clientAddress(new Headers({ "X-Forwarded-For": "203.0.113.10" }))).toBeNull();
    expect(clientAddress(new Headers({ "X-Real-IP": "203.0.113.10", Forwarded: "for=203.0.113.10" }))).toBeNull();
  });

  it("prefers CF-Connecting-IP over a forged X-Forwarded-For", () => {
    const headers = new Headers({ "CF-Connecting-IP": "198.51.100.1", "X-Forwarded-For": "203.0.113.10, 10.0.0.1" });
    expect(clientAddress(headers)).toBe("198.51.100.1");
  });

  it("answers null when the header is missing, empty or not an address", () => {
    expect(clientAddress(new Headers())).toBeNull();
    expect(clientAddress(new Headers({ "CF-Connecting-IP": "" }))).toBeNull();
    expect(clientAddress(new Headers({ "CF-Connecting-IP": "not-an-ip" }))).toBeNull();
    expect(clientAddress(new Headers({ "CF-Connecting-IP": "203.0.113.10, 198.51.100.1" }))).toBeNull();
  });
});

describe("addressAllowed: single addresses", () => {
  it("allows an IPv4 address listed exactly", () => {
    expect(addressAllowed("203.0.113.10", ["203.0.113.10"])).toBe(true);
  });

  it("refuses an IPv4 address that is not listed", () => {
    expect(addressAllowed("203.0.113.11", ["203.0.113.10"])).toBe(false);
  });

  it("allows an IPv6 address written in another textual form", () => {
    expect(addressAllowed("2001:db8::1", ["2001:0db8:0000:0000:0000:0000:0000:0001"])).toBe(true);
    expect(addressAllowed("2001:DB8:0:0:0:0:0:1", ["2001:db8::1"])).toBe(true);
  });

  it("refuses a different IPv6 address", () => {
    expect(addressAllowed("2001:db8::2", ["2001:db8::1"])).toBe(false);
  });

  it("allows when any one of several entries matches", () => {
    expect(addressAllowed("198.51.100.9", ["203.0.113.10", "2001:db8::/32", "198.51.100.9"])).toBe(true);
  });

  it("refuses everything with an empty list", () => {
    expect(addressAllowed("203.0.113.10", [])).toBe(false);
  });
});

describe("addressAllowed: CIDR blocks", () => {
  it("matches an IPv4 /24 at both ends and refuses just outside", () => {
    expect(addressAllowed("203.0.113.0", ["203.0.113.0/24"])).toBe(true);
    expect(addressAllowed("203.0.113.255", ["203.0.113.0/24"])).toBe(true);
    expect(addressAllowed("203.0.114.0", ["203.0.113.0/24"])).toBe(false);
    expect(addressAllowed("203.0.112.255", ["203.0.113.0/24"])).toBe(false);
  });

  it("matches IPv4 /32 only for that address and /0 for every IPv4 address", () => {
    expect(addressAllowed("10.1.2.3", ["10.1.2.3/32"])).toBe(true);
    expect(addressAllowed("10.1.2.4", ["10.1.2.3/32"])).toBe(false);
    expect(addressAllowed("8.8.8.8", ["0.0.0.0/0"])).toBe(true);
  });

  it("matches an odd-sized IPv4 block by its bits", () => {
    expect(addressAllowed("10.0.0.15", ["10.0.0.0/28"])).toBe(true);
    expect(addressAllowed("10.0.0.16", ["10.0.0.0/28"])).toBe(false);
  });

  it("matches IPv6 /64 and /48 blocks and refuses outside them", () => {
    expect(addressAllowed("2001:db8:1:2:ffff:ffff:ffff:ffff", ["2001:db8:1:2::/64"])).toBe(true);
    expect(addressAllowed("2001:db8:1:3::1", ["2001:db8:1:2::/64"])).toBe(false);
    expect(addressAllowed("2001:db8:1:ffff::1", ["2001:db8:1::/48"])).toBe(true);
    expect(addressAllowed("2001:db8:2::1", ["2001:db8:1::/48"])).toBe(false);
  });

  it("matches an IPv6 /128 only for that address", () => {
    expect(addressAllowed("2001:db8::1", ["2001:db8::1/128"])).toBe(true);
    expect(addressAllowed("2001:db8::2", ["2001:db8::1/128"])).toBe(false);
  });

  it("never matches an IPv4 client against an IPv6 block or the reverse", () => {
    expect(addressAllowed("203.0.113.10", ["2001:db8::/32"])).toBe(false);
    expect(addressAllowed("2001:db8::1", ["0.0.0.0/0"])).toBe(false);
    expect(addressAllowed("203.0.113.10", ["::/0"])).toBe(false);
  });
});

describe("addressAllowed: IPv4-mapped IPv6", () => {
  it("matches a mapped client against a plain IPv4 entry", () => {
    expect(addressAllowed("::ffff:203.0.113.10", ["203.0.113.10"])).toBe(true);
    expect(addressAllowed("::ffff:203.0.113.10", ["203.0.113.0/24"])).toBe(true);
    expect(addressAllowed("::ffff:203.0.114.10", ["203.0.113.0/24"])).toBe(false);
  });

  it("matches a plain IPv4 client against a mapped entry", () => {
    expect(addressAllowed("203.0.113.10", ["::ffff:203.0.113.10"])).toBe(true);
    expect(addressAllowed("203.0.113.11", ["::ffff:203.0.113.10"])).toBe(false);
  });

  it("matches a plain IPv4 client against a mapped CIDR block (/120 = IPv4 /24)", () => {
    expect(addressAllowed("203.0.113.77", ["::ffff:203.0.113.0/120"])).toBe(true);
    expect(addressAllowed("203.0.114.77", ["::ffff:203.0.113.0/120"])).toBe(false);
    expect(addressAllowed("::ffff:203.0.113.77", ["::ffff:203.0.113.0/120"])).toBe(true);
  });

  it("treats ::ffff:0:0/96 as every IPv4 address", () => {
    expect(addressAllowed("1.2.3.4", ["::ffff:0:0/96"])).toBe(true);
    expect(addressAllowed("2001:db8::1", ["::ffff:0:0/96"])).toBe(false);
  });

  it("matches the hexadecimal form of a mapped address", () => {
    expect(addressAllowed("::ffff:cb00:710a", ["203.0.113.10"])).toBe(true);
  });
});

describe("addressAllowed: bad input", () => {
  it("refuses a null client address, even against 0.0.0.0/0", () => {
    expect(addressAllowed(null, ["0.0.0.0/0", "::/0"])).toBe(false);
  });

  it("refuses a client address that is not an address", () => {
    expect(addressAllowed("localhost", ["0.0.0.0/0"])).toBe(false);
    expect(addressAllowed("", ["0.0.0.0/0"])).toBe(false);
  });

  it("skips invalid entries and still honours the valid ones", () => {
    const allowed = ["not-an-ip", "10.0.0.0/99", "2001:db8::/200", "1.2.3", "/24", "203.0.113.10"];
    expect(addressAllowed("203.0.113.10", allowed)).toBe(true);
  });

  it("refuses when every entry is invalid, without throwing", () => {
    expect(addressAllowed("203.0.113.10", ["not-an-ip", "10.0.0.0/99", "", "/", "203.0.113.10/abc"])).toBe(false);
  });
});

describe("ips claim validation", () => {
  const base = { iss: "shop", lid: "l", fid: "f" };
  const accepts = (ips: string[]) => claimsSchema.safeParse({ ...base, ips }).success;

  it("accepts IPv4 and IPv6 addresses and blocks", () => {
    expect(accepts(["203.0.113.10", "203.0.113.0/24", "2001:db8::1", "2001:db8::/32", "::ffff:1.2.3.4"])).toBe(true);
  });

  it("refuses IPv4 forms that ipaddr.js would read as octal, hexadecimal or shortened", () => {
    // "010.0.0.1" would otherwise mean 8.0.0.1 and "10.1" would mean 10.0.0.1.
    expect(accepts(["010.0.0.1"])).toBe(false);
    expect(accepts(["010.0.0.0/8"])).toBe(false);
    expect(accepts(["0x0a.0.0.1"])).toBe(false);
    expect(accepts(["10.1"])).toBe(false);
    expect(accepts(["167772161"])).toBe(false);
  });

  it("refuses IPv4 blocks with an impossible prefix", () => {
    expect(accepts(["10.0.0.0/33"])).toBe(false);
    expect(accepts(["10.0.0.0/-1"])).toBe(false);
  });
});

describe("addressPrefix", () => {
  it("keeps the /24 of an IPv4 address", () => {
    expect(addressPrefix("203.0.113.77")).toBe("203.0.113.0/24");
    expect(addressPrefix("203.0.113.1")).toBe(addressPrefix("203.0.113.254"));
    expect(addressPrefix("203.0.114.1")).toBe("203.0.114.0/24");
  });

  it("keeps the /64 of an IPv6 address", () => {
    expect(addressPrefix("2001:db8:1:2:3:4:5:6")).toBe("2001:db8:1:2:0:0:0:0/64");
    expect(addressPrefix("2001:db8:1:2::9")).toBe(addressPrefix("2001:db8:1:2:ffff::1"));
    expect(addressPrefix("2001:db8:1:3::1")).toBe("2001:db8:1:3:0:0:0:0/64");
  });

  it("folds an IPv4-mapped address to its IPv4 /24", () => {
    expect(addressPrefix("::ffff:203.0.113.77")).toBe("203.0.113.0/24");
  });

  it("answers 'unknown' for a missing or unparseable address", () => {
    expect(addressPrefix(null)).toBe("unknown");
    expect(addressPrefix("garbage")).toBe("unknown");
  });
});
