/**
 * src/tenants/tenantSettings.ts: the schema is strict for the operator API, but settings
 * already stored in D1 are read tolerantly, one bad part at a time.
 */
import { describe, expect, it } from "vitest";
import { parseTenantSettings, tenantSettingsSchema } from "../../src/tenants/tenantSettings.ts";

const defaults = tenantSettingsSchema.parse({});

describe("parseTenantSettings", () => {
  it("refuses unknown keys when validating input", () => {
    expect(tenantSettingsSchema.safeParse({ resume_window: 60 }).success).toBe(false);
  });

  it("takes a public_url that is a base for /downloads/<token>, never one that would break every minted URL", () => {
    for (const base of ["https://dl.example.com", "https://dl.example.com/shop/", "http://localhost:8787"]) {
      expect(tenantSettingsSchema.safeParse({ public_url: base }).success).toBe(true);
    }
    for (const broken of [
      "https://dl.example.com/path?q=1",
      "https://dl.example.com/?",
      "https://dl.example.com/#frag",
      "https://user:pass@dl.example.com",
      "https://user@dl.example.com/",
      "ftp://dl.example.com",
    ]) {
      expect(tenantSettingsSchema.safeParse({ public_url: broken }).success).toBe(false);
    }
  });

  it("says once that a URL setting is no URL, without a user-info complaint on top", () => {
    const parsed = tenantSettingsSchema.safeParse({ store_url: "not a url" });
    expect(parsed.error?.issues.map((issue) => issue.path.join("."))).toEqual(["store_url"]);
    const withUser = tenantSettingsSchema.safeParse({ store_url: "https://me:pw@shop.example/" });
    expect(withUser.error?.issues.map((issue) => issue.message)).toEqual([expect.stringContaining("no user info")]);
  });

  it("drops unknown keys of stored settings and keeps everything else", () => {
    const settings = parseTenantSettings(
      JSON.stringify({
        resume_window_seconds: 60,
        resume_window: 5,
        customer_auth: { mode: "auth_url", url: "https://shop.example/me", future_option: true },
        account_text: { title: "Files", text: null, subtitle: "x" },
        profiles: ["customer-account-orders"],
      }),
    );
    expect(settings).toEqual({
      ...defaults,
      resume_window_seconds: 60,
      customer_auth: { mode: "auth_url", url: "https://shop.example/me", cache_seconds: 60 },
      account_text: { title: "Files", text: null },
      profiles: ["customer-account-orders"],
    });
  });

  it("falls back to the default of a bad field only", () => {
    const settings = parseTenantSettings(
      JSON.stringify({ resume_window_seconds: -1, scanner_passes: 3, store_name: "Shop\r\n", profiles: ["nope"] }),
    );
    expect(settings).toEqual({ ...defaults, scanner_passes: 3 });
  });

  it("drops only the bad entries of a stored list, never the tenant's other origins, profiles or networks", () => {
    const settings = parseTenantSettings(
      JSON.stringify({
        // A wildcard an older version stored, a profile of a newer version, a network typo.
        allowed_origins: ["https://shop.example.com", "https://*.example.com", "http://localhost:5173"],
        profiles: ["profile-of-the-future", "merchello-downloads"],
        scanner_networks: ["203.0.113.0/24", "not-a-network"],
      }),
    );
    expect(settings.allowed_origins).toEqual(["https://shop.example.com", "http://localhost:5173"]);
    expect(settings.profiles).toEqual(["merchello-downloads"]);
    expect(settings.scanner_networks).toEqual(["203.0.113.0/24"]);
  });

  it("gives the defaults for corrupt JSON or a value that is no object", () => {
    for (const json of ["{oops", "[]", "null", '"text"', "42"]) expect(parseTenantSettings(json)).toEqual(defaults);
  });
});
