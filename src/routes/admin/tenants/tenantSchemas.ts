import { z } from "zod";
import { isHostName } from "../../../http/hostName.ts";
import { urlWithoutUserInfo } from "../../../http/urlInput.ts";
import { singleLine } from "../../../http/textInput.ts";
import { tenantSettingsSchema } from "../../../tenants/tenantSettings.ts";
import { isDistinct } from "../../../utils/isDistinct.ts";
import { listOf, tenantIdSchema } from "../adminSchemas.ts";
import { signingKeySchema } from "../keys/keySchemas.ts";

/** A tenant as the operator creates it (updateTenant.ts derives its body from it) and as it is shown. */

const hostSchema = z
  .string()
  .toLowerCase()
  .refine(isHostName, "a host name without port or path, in ASCII (an internationalised name in its xn-- form)");

/** Hosts, each once: the same host twice (in any case) is a mistake said as one, as `allowed_origins` does. */
const hostListSchema = z.array(hostSchema).max(50).refine(isDistinct, "a host is listed twice");

/**
 * Every field optional and *without* its default: zod's `.partial()` keeps defaults, so a
 * PATCH naming one field would otherwise reset the others (hosts to [], settings to defaults).
 */
export function optionalWithoutDefaults<T extends z.ZodRawShape>(shape: T) {
  return Object.fromEntries(
    Object.entries(shape).map(([key, field]) => [
      key,
      (field instanceof z.ZodDefault ? (field.unwrap() as z.ZodType) : (field as z.ZodType)).optional(),
    ]),
  ) as unknown as { [K in keyof T]: z.ZodOptional<T[K] extends z.ZodDefault<infer I> ? I : T[K]> };
}

/**
 * Settings as sent by the operator: only what is given is stored; defaults apply on read.
 * Strict like every input: a misspelt setting (`resume_window`) is refused, not ignored.
 */
const settingsInputSchema = z.strictObject(optionalWithoutDefaults(tenantSettingsSchema.shape));

/**
 * Settings as a PATCH sends them: like settingsInputSchema, and `null` removes a setting
 * stored before, so its default applies again (sharing detection off, no webhooks…).
 */
export const settingsPatchSchema = z.strictObject(
  Object.fromEntries(
    Object.entries(optionalWithoutDefaults(tenantSettingsSchema.shape)).map(([key, field]) => [
      key,
      field.unwrap().nullable().optional(),
    ]),
  ),
);

export const createTenantSchema = z
  .strictObject({
    id: tenantIdSchema,
    name: singleLine(1, 200),
    hosts: hostListSchema.default([]),
    origin_url: urlWithoutUserInfo(/^https?$/)
      .nullable()
      .optional(),
    settings: settingsInputSchema.default({}),
    /** HS256 secret for the storefront's customer JWTs (stored encrypted). */
    customer_secret: z.string().min(16).max(512).optional(),
  })
  .meta({ id: "CreateTenant" });

export const tenantSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    hosts: z.array(z.string()),
    origin_url: z.string().nullable(),
    settings: z.record(z.string(), z.unknown()),
    has_customer_secret: z.boolean(),
    created_at: z.iso.datetime(),
  })
  .meta({ id: "Tenant" });

export const tenantListSchema = listOf(tenantSchema).meta({ id: "TenantList" });

export const createdTenantSchema = z
  .object({
    tenant: tenantSchema,
    admin_key: z.string().meta({ description: "The tenant's first admin API key (`dlgk_…`). Shown only here." }),
    /** The tenant's first HS256 signing key (kid `k1`), with its secret. */
    signing_key: signingKeySchema,
  })
  .meta({ id: "CreatedTenant" });
