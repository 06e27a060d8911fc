import { describe, expect, it } from "vitest";
import { grantSchema } from "../../src/orders/orderSchemas.ts";
import { countryAllowed } from "../../src/policy/countryAllowed.ts";
import { decideAccess, type AccessRequest } from "../../src/policy/decideAccess.ts";
import { claimsSchema, type Claims } from "../../src/token/claims.ts";
import { COUNTRY_CODES, countryList } from "../../src/token/countryCodes.ts";
import { linkState } from "../helpers/linkState.ts";

const base: Claims = { iss: "shop", lid: "link", fid: "file" };

function get(claims: Partial<Claims>, country: string | null | undefined): AccessRequest {
  return {
    claims: { ...base, ...claims },
    clientIp: "203.0.113.10",
    country,
    device: "d1",
    delivers: true,
    sendsBody: true,
    rangeStart: null,
    now: 1_750_000_000_000,
    resumeWindowMs: 86_400_000,
  };
}

describe("countryAllowed: allow and block lists against request.cf.country", () => {
  it("lets a link without country rules be used from anywhere, unknown included", () => {
    for (const country of ["DE", "US", null, undefined, "XX", "T1"]) expect(countryAllowed(country, {})).toBe(true);
  });

  it("lets an allow list in only the countries it names", () => {
    expect(countryAllowed("DE", { cca: ["DE", "AT"] })).toBe(true);
    expect(countryAllowed("AT", { cca: ["DE", "AT"] })).toBe(true);
    expect(countryAllowed("US", { cca: ["DE", "AT"] })).toBe(false);
  });

  it("refuses an unknown country under an allow list: absent, XX, or no code at all", () => {
    for (const country of [null, undefined, "XX", "", "de", "ZZ"]) {
      expect(countryAllowed(country, { cca: ["DE"] })).toBe(false);
    }
  });

  it("keeps the countries of a block list out and lets everyone else in, unknown included", () => {
    expect(countryAllowed("RU", { ccb: ["RU", "BY"] })).toBe(false);
    expect(countryAllowed("DE", { ccb: ["RU", "BY"] })).toBe(true);
    for (const country of [null, undefined, "XX"]) expect(countryAllowed(country, { ccb: ["RU"] })).toBe(true);
  });

  it("can block Tor (Cloudflare's T1)", () => {
    expect(countryAllowed("T1", { ccb: ["T1"] })).toBe(false);
    expect(countryAllowed("T1", { cca: ["DE"] })).toBe(false);
  });

  it("applies both lists when both are given", () => {
    const claims = { cca: ["DE", "AT", "CH"], ccb: ["CH"] };
    expect(countryAllowed("DE", claims)).toBe(true);
    expect(countryAllowed("CH", claims)).toBe(false);
    expect(countryAllowed("FR", claims)).toBe(false);
  });
});

describe("decideAccess: country rules", () => {
  it("refuses a request from outside the rules with country_not_allowed, without counting", () => {
    expect(decideAccess(get({ cca: ["DE"] }, "FR"), linkState())).toStrictEqual({
      ok: false,
      reason: "country_not_allowed",
    });
    expect(decideAccess(get({ ccb: ["FR"] }, "FR"), linkState())).toStrictEqual({
      ok: false,
      reason: "country_not_allowed",
    });
  });

  it("checks the country for bodiless answers too (a HEAD from a blocked country learns nothing)", () => {
    const head = { ...get({ cca: ["DE"] }, "FR"), sendsBody: false };
    expect(decideAccess(head, linkState())).toStrictEqual({ ok: false, reason: "country_not_allowed" });
  });

  it("counts a request from an allowed country", () => {
    expect(decideAccess(get({ cca: ["DE"] }, "DE"), linkState())).toStrictEqual({
      ok: true,
      counted: true,
      resume: false,
    });
  });

  it("answers revoked before country_not_allowed: the store's word comes first", () => {
    expect(decideAccess(get({ cca: ["DE"] }, "FR"), linkState({ revoked: true }))).toStrictEqual({
      ok: false,
      reason: "revoked",
    });
  });
});

describe("country codes: strict input", () => {
  it("knows the 249 ISO 3166-1 alpha-2 codes plus XK and T1, and not XX", () => {
    expect(COUNTRY_CODES.size).toBe(251);
    for (const code of ["DE", "US", "GB", "XK", "T1", "AQ", "SS", "CW"]) expect(COUNTRY_CODES.has(code)).toBe(true);
    for (const code of ["XX", "UK", "EU", "ZZ", "de", "DEU"]) expect(COUNTRY_CODES.has(code)).toBe(false);
  });

  it("refuses lower case, three-letter codes, names, duplicates and empty lists", () => {
    expect(countryList.safeParse(["DE", "FR"]).success).toBe(true);
    for (const bad of [["de"], ["DEU"], ["Germany"], ["DE", "DE"], [], ["UK"], [" DE"]]) {
      expect(countryList.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });

  it("makes a token with a bad country claim invalid, never silently unrestricted", () => {
    expect(claimsSchema.safeParse({ ...base, cca: ["de"] }).success).toBe(false);
    expect(claimsSchema.safeParse({ ...base, ccb: "DE" }).success).toBe(false);
    expect(claimsSchema.safeParse({ ...base, cca: ["DE"], ccb: ["RU"] }).success).toBe(true);
  });

  it("refuses a grant that allows and blocks the same country", () => {
    const result = grantSchema.safeParse({ allowed_countries: ["DE", "FR"], blocked_countries: ["FR"] });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join("."))).toContain("blocked_countries");
  });
});
