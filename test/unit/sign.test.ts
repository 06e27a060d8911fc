import { decodeJwt, decodeProtectedHeader } from "jose";
import { describe, expect, it } from "vitest";
import { downloadUrl, grantClaims, parseDuration, signDownloadToken } from "../../src/sdk/sign.ts";
import { claimsSchema } from "../../src/token/claims.ts";
import { importHmacKey, type Keyring } from "../../src/token/keyring.ts";
import { verifyToken } from "../../src/token/verifyToken.ts";

const NOW = 1_750_000_000;

describe("parseDuration", () => {
  it.each([
    ["45s", 45],
    ["30m", 1800],
    ["12h", 43_200],
    ["7d", 604_800],
    ["2w", 1_209_600],
    ["0s", 0],
    ["365d", 31_536_000],
  ])("reads %s as %i seconds", (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it("allows surrounding whitespace and a space before the unit", () => {
    expect(parseDuration("  7d ")).toBe(604_800);
    expect(parseDuration("7 d")).toBe(604_800);
  });

  it.each(["", "7", "d", "7y", "-1d", "1.5h", "7D", "7days", "d7", "7d7", "1h30m"])(
    "throws on %j instead of meaning no expiry",
    (text) => {
      expect(() => parseDuration(text)).toThrow(`not a duration: ${JSON.stringify(text)}`);
    },
  );
});

describe("grantClaims", () => {
  it("builds the required claims plus iat from a minimal grant", () => {
    expect(grantClaims({ tenant: "shop", link: "L1", file: "F1" }, NOW)).toStrictEqual({
      iss: "shop",
      lid: "L1",
      fid: "F1",
      iat: NOW,
    });
  });

  it("maps every field of a full grant to its claim", () => {
    expect(
      grantClaims(
        {
          tenant: "shop",
          link: "L1",
          file: "F1",
          limit: 3,
          expires: NOW + 100,
          notBefore: NOW - 10,
          ips: ["203.0.113.0/24"],
          devices: 2,
          customer: "c-1",
          requireLogin: true,
          filename: "Résumé.pdf",
          order: "1001",
        },
        NOW,
      ),
    ).toStrictEqual({
      iss: "shop",
      lid: "L1",
      fid: "F1",
      iat: NOW,
      lim: 3,
      exp: NOW + 100,
      nbf: NOW - 10,
      ips: ["203.0.113.0/24"],
      dev: 2,
      sub: "c-1",
      auth: true,
      fn: "Résumé.pdf",
      ord: "1001",
    });
  });

  it("turns a duration into an expiry counted from now", () => {
    expect(grantClaims({ tenant: "s", link: "l", file: "f", expires: "7d" }, NOW).exp).toBe(NOW + 604_800);
    expect(grantClaims({ tenant: "s", link: "l", file: "f", expires: "30m" }, NOW).exp).toBe(NOW + 1800);
  });

  it("turns Dates into whole Unix seconds", () => {
    const claims = grantClaims(
      {
        tenant: "s",
        link: "l",
        file: "f",
        expires: new Date(Date.UTC(2030, 0, 1, 0, 0, 0, 999)),
        notBefore: new Date(Date.UTC(2029, 0, 1)),
      },
      NOW,
    );
    expect(claims.exp).toBe(1_893_456_000);
    expect(claims.nbf).toBe(1_861_920_000);
  });

  it("rejects a typo in the duration rather than issuing an unlimited link", () => {
    expect(() => grantClaims({ tenant: "s", link: "l", file: "f", expires: "7 days" }, NOW)).toThrow("not a duration");
  });

  it("leaves out an empty ips list and a false requireLogin", () => {
    expect(grantClaims({ tenant: "s", link: "l", file: "f", ips: [], requireLogin: false }, NOW)).toStrictEqual({
      iss: "s",
      lid: "l",
      fid: "f",
      iat: NOW,
    });
  });
});

describe("grantClaims refuses what the gateway would refuse", () => {
  const base = { tenant: "shop", link: "L1", file: "F1" };

  it.each([
    ["filename", { filename: "n".repeat(256) }],
    ["filename", { filename: "" }],
    ["limit", { limit: 0 }],
    ["limit", { limit: 1.5 }],
    ["limit", { limit: 2 ** 31 }],
    ["devices", { devices: -1 }],
    ["tenant", { tenant: "Shop" }],
    ["link", { link: "a b" }],
    ["file", { file: "a.pdf" }],
    ["customer", { customer: "c".repeat(257) }],
    ["order", { order: "o".repeat(129) }],
    ["expires", { expires: 1e308 }],
    ["ips", { ips: Array.from({ length: 65 }, () => "10.0.0.1") }],
    ["countries", { countries: ["de"] }],
  ])("throws naming grant.%s for %j, a link that would answer invalid_token", (field, change) => {
    const grant = { ...base, ...change };
    expect(() => grantClaims(grant, NOW)).toThrow(`grant.${field} `);
    // The gateway's own schema refuses the same claims.
    const claims = { iss: grant.tenant, lid: grant.link, fid: grant.file };
    const unchecked = { ...claims, ...renamedClaims(change) };
    expect(claimsSchema.safeParse(unchecked).success).toBe(false);
  });

  it("counts characters as the gateway does: 255 emoji are a name it accepts, 256 one it refuses", () => {
    const ok = grantClaims({ ...base, filename: "😀".repeat(255) }, NOW);
    expect(claimsSchema.safeParse(ok).success).toBe(true);
    expect(() => grantClaims({ ...base, filename: "😀".repeat(256) }, NOW)).toThrow("grant.filename ");
    expect(claimsSchema.safeParse({ ...ok, fn: "😀".repeat(256) }).success).toBe(false);
  });

  it("accepts the bounds themselves, which the gateway accepts too", () => {
    const grant = {
      ...base,
      filename: "n".repeat(255),
      limit: 2 ** 31 - 1,
      devices: 1,
      customer: "c".repeat(256),
      order: "o".repeat(128),
      ips: ["10.0.0.0/8"],
      countries: ["DE", "T1"],
    };
    expect(claimsSchema.safeParse(grantClaims(grant, NOW)).success).toBe(true);
  });
});

/** The claims a grant's changed fields become (for the comparison with the gateway's schema). */
function renamedClaims(change: Record<string, unknown>): Record<string, unknown> {
  const names: Record<string, string> = {
    filename: "fn",
    limit: "lim",
    devices: "dev",
    tenant: "iss",
    link: "lid",
    file: "fid",
    customer: "sub",
    order: "ord",
    expires: "exp",
    ips: "ips",
    countries: "cca",
  };
  return Object.fromEntries(Object.entries(change).map(([key, value]) => [names[key] ?? key, value]));
}

describe("signDownloadToken", () => {
  const secret = "sdk-test-secret-0123456789abcdef";

  it("signs HS256 with the kid and typ in the header", async () => {
    const token = await signDownloadToken({ tenant: "shop", link: "L", file: "F" }, { kid: "k1", secret });
    expect(decodeProtectedHeader(token)).toStrictEqual({ alg: "HS256", kid: "k1", typ: "JWT" });
    expect(decodeJwt(token)).toMatchObject({ iss: "shop", lid: "L", fid: "F" });
  });

  it("signs with the current time as iat", async () => {
    const before = Math.floor(Date.now() / 1000);
    const token = await signDownloadToken({ tenant: "shop", link: "L", file: "F" }, { kid: "k1", secret });
    const { iat } = decodeJwt(token);
    expect(iat).toBeGreaterThanOrEqual(before);
    expect(iat).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
  });

  it("produces a token the gateway verifies, from a string or a byte secret", async () => {
    const bytes = new TextEncoder().encode(secret);
    const keyring: Keyring = new Map([["k1", { kid: "k1", alg: "HS256", key: await importHmacKey(bytes) }]]);
    const fromString = await signDownloadToken(
      { tenant: "shop", link: "L", file: "F", limit: 2 },
      { kid: "k1", secret },
    );
    const fromBytes = await signDownloadToken(
      { tenant: "shop", link: "L", file: "F", limit: 2 },
      { kid: "k1", alg: "HS256", secret: bytes },
    );
    for (const token of [fromString, fromBytes]) {
      expect(await verifyToken(token, keyring, "shop")).toStrictEqual({
        ok: true,
        kid: "k1",
        claims: { iss: "shop", lid: "L", fid: "F", lim: 2 },
      });
    }
  });
});

describe("downloadUrl", () => {
  it("joins the base URL and the token", () => {
    expect(downloadUrl("https://dl.example.com", "a.b.c")).toBe("https://dl.example.com/downloads/a.b.c");
  });

  it("drops trailing slashes of the base URL", () => {
    expect(downloadUrl("https://dl.example.com///", "a.b.c")).toBe("https://dl.example.com/downloads/a.b.c");
  });
});
