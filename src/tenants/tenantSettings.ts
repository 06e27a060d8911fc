import { z } from "zod";

/** Per-tenant settings, stored as JSON in `tenants.settings`. Every field has a default. */
export const tenantSettingsSchema = z.object({
  /** DESIGN.md §6 rule 3: how long after a counted download a resume is free. */
  resume_window_seconds: z
    .number()
    .int()
    .min(0)
    .max(30 * 86400)
    .default(86400),
});

export type TenantSettings = z.infer<typeof tenantSettingsSchema>;

/** Parses stored settings; a corrupt value falls back to defaults rather than failing downloads. */
export function parseTenantSettings(json: string): TenantSettings {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    raw = {};
  }
  const parsed = tenantSettingsSchema.safeParse(raw);
  return parsed.success ? parsed.data : tenantSettingsSchema.parse({});
}
