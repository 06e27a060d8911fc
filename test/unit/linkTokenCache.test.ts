import { describe, expect, it } from "vitest";
import { cachedLinkToken, sameGrant } from "../../src/links/linkTokenCache.ts";
import type { LinkGrant } from "../../src/sdk/sign.ts";
import { importHmacKey, type VerificationKey } from "../../src/token/keyring.ts";

async function key(kid: string): Promise<VerificationKey> {
  return { kid, alg: "HS256", key: await importHmacKey(new TextEncoder().encode(`secret-of-${kid}`)) };
}

const GRANT: LinkGrant = {
  tenant: "shop",
  link: "L1",
  file: "F1",
  limit: 3,
  expires: 2_000_000_000,
  customer: "alice",
  requireLogin: false,
  filename: "guide.pdf",
  order: "1001",
};

/** A signer that says how often it ran and which call produced a token. */
function counter() {
  let calls = 0;
  return {
    sign: () => Promise.resolve(`token-${++calls}`),
    calls: () => calls,
  };
}

describe("cachedLinkToken", () => {
  it("signs a grant once per key and hands the same token out again", async () => {
    const k = await key("k1");
    const signer = counter();
    expect(await cachedLinkToken(k, GRANT, signer.sign)).toBe("token-1");
    expect(await cachedLinkToken(k, { ...GRANT }, signer.sign)).toBe("token-1");
    expect(signer.calls()).toBe(1);
  });

  it("never answers for another key object, even one with the same kid", async () => {
    const signer = counter();
    expect(await cachedLinkToken(await key("k1"), GRANT, signer.sign)).toBe("token-1");
    expect(await cachedLinkToken(await key("k1"), GRANT, signer.sign)).toBe("token-2");
    expect(await cachedLinkToken(await key("k2"), GRANT, signer.sign)).toBe("token-3");
  });

  it.each<[string, Partial<LinkGrant>]>([
    ["link", { link: "L2" }],
    ["file", { file: "F2" }],
    ["limit", { limit: 4 }],
    ["no limit", { limit: undefined }],
    ["expiry", { expires: 2_000_000_001 }],
    ["ips", { ips: ["203.0.113.0/24"] }],
    ["devices", { devices: 2 }],
    ["customer", { customer: "bob" }],
    ["login", { requireLogin: true }],
    ["file name", { filename: "other.pdf" }],
    ["order", { order: "1002" }],
    ["tenant", { tenant: "other" }],
  ])("signs anew when the %s differs", async (_what, change) => {
    const k = await key("k1");
    const signer = counter();
    await cachedLinkToken(k, GRANT, signer.sign);
    expect(await cachedLinkToken(k, { ...GRANT, ...change }, signer.sign)).toBe("token-2");
  });

  it("never caches a relative expiry, which means another instant on every call", async () => {
    const k = await key("k1");
    const signer = counter();
    await cachedLinkToken(k, { ...GRANT, expires: "7d" }, signer.sign);
    expect(await cachedLinkToken(k, { ...GRANT, expires: "7d" }, signer.sign)).toBe("token-2");
  });

  it("keeps no failed signature", async () => {
    const k = await key("k1");
    await expect(cachedLinkToken(k, GRANT, () => Promise.reject(new Error("no")))).rejects.toThrow("no");
    expect(await cachedLinkToken(k, GRANT, () => Promise.resolve("ok"))).toBe("ok");
  });
});

describe("sameGrant", () => {
  // Every field a token can carry, each with another value: a cached token may only be
  // handed out for an equal grant, so a field sameGrant forgets would hand out a token that
  // says the old value (a dropped country rule, an old customer). `satisfies Required<…>`
  // makes a field added to LinkGrant fail to compile here until it is listed.
  const full = {
    tenant: "t",
    link: "l",
    file: "f",
    limit: 3,
    expires: 2_000_000_000,
    notBefore: 1_900_000_000,
    ips: ["203.0.113.0/24"],
    devices: 2,
    customer: "c",
    requireLogin: true,
    filename: "a.pdf",
    order: "1001",
    countries: ["DE"],
    blockedCountries: ["T1"],
  } satisfies Required<LinkGrant>;
  const other: Required<LinkGrant> = {
    tenant: "t2",
    link: "l2",
    file: "f2",
    limit: 4,
    expires: 2_000_000_001,
    notBefore: 1_900_000_001,
    ips: ["198.51.100.0/24"],
    devices: 3,
    customer: "c2",
    requireLogin: false,
    filename: "b.pdf",
    order: "1002",
    countries: ["AT"],
    blockedCountries: ["RU"],
  };

  it("tells apart two grants that differ in any one field", () => {
    expect(sameGrant(full, { ...full })).toBe(true);
    for (const field of Object.keys(full) as (keyof LinkGrant)[]) {
      expect({ field, same: sameGrant(full, { ...full, [field]: other[field] }) }).toEqual({ field, same: false });
    }
  });
});
