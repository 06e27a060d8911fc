import { describe, expect, it } from "vitest";
import { parseTenantSettings, tenantSettingsSchema } from "../../../src/tenants/tenantSettings.ts";

describe("tenant settings ip_storage and log_retention_days", () => {
  it("default to full addresses kept 400 days", () => {
    expect(tenantSettingsSchema.parse({})).toMatchObject({ ip_storage: "full", log_retention_days: 400 });
  });

  it.each([
    [{ ip_storage: "truncated" }, true],
    [{ ip_storage: "none" }, true],
    [{ ip_storage: "hashed" }, false],
    [{ ip_storage: null }, false],
    [{ log_retention_days: 1 }, true],
    [{ log_retention_days: 3650 }, true],
    [{ log_retention_days: 0 }, false],
    [{ log_retention_days: 3651 }, false],
    [{ log_retention_days: 30.5 }, false],
    [{ log_retention_days: "30" }, false],
  ])("validates %j strictly (accepted: %s)", (settings, accepted) => {
    expect(tenantSettingsSchema.safeParse(settings).success).toBe(accepted);
  });

  it("reads a bad stored value as its default, keeping the other field", () => {
    expect(parseTenantSettings('{"ip_storage":"hashed","log_retention_days":30}')).toMatchObject({
      ip_storage: "full",
      log_retention_days: 30,
    });
    expect(parseTenantSettings('{"ip_storage":"none","log_retention_days":-1}')).toMatchObject({
      ip_storage: "none",
      log_retention_days: 400,
    });
  });
});
