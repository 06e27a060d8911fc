import { describe, expect, it } from "vitest";
import { storedAddress } from "../../../src/events/storedAddress.ts";

describe("storedAddress", () => {
  it.each([
    ["203.0.113.77", "full", "203.0.113.77"],
    ["2001:db8:1234:5678::1", "full", "2001:db8:1234:5678::1"],
    ["203.0.113.77", "truncated", "203.0.113.0/24"],
    ["10.1.2.255", "truncated", "10.1.2.0/24"],
    ["2001:db8:1234:5678:9abc::1", "truncated", "2001:db8:1234::/48"],
    ["2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "truncated", "2001:db8:ffff::/48"],
    ["::ffff:198.51.100.9", "truncated", "198.51.100.0/24"],
    ["203.0.113.77", "none", null],
    ["2001:db8::1", "none", null],
  ] as const)("keeps %s with ip_storage %s as %j", (address, mode, expected) => {
    expect(storedAddress(address, mode)).toBe(expected);
  });

  it("keeps nothing for a missing or unparsable address", () => {
    expect(storedAddress(null, "full")).toBeNull();
    expect(storedAddress(null, "truncated")).toBeNull();
    expect(storedAddress("not-an-ip", "truncated")).toBeNull();
  });
});
