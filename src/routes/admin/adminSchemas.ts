import { z } from "zod";
import { singleLine } from "../../http/textInput.ts";
import { tenantSettingsSchema } from "../../tenants/tenantSettings.ts";

/** Schemas of the issuer API's bodies and answers; routes validate with them and /openapi.json is built from them. */

export const tenantIdSchema = z.string().regex(/^[a-z0-9-]{1,40}$/, "lowercase letters, digits and '-', 1–40");
const hostSchema = z
  .string()
  .toLowerCase()
  .regex(/^(localhost|[a-z0-9.-]{1,253}|\[[0-9a-f:.]+\])$/, "a host name without port");
const httpsUrl = z.url({ protocol: /^https$/, hostname: z.regexes.domain });

/**
 * Every field optional and *without* its default: zod's `.partial()` keeps defaults, so a
 * PATCH naming one field would otherwise reset the others (hosts to [], settings to defaults).
 */
function optionalWithoutDefaults<T extends z.ZodRawShape>(shape: T) {
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

export const createTenantSchema = z
  .strictObject({
    id: tenantIdSchema,
    name: singleLine(1, 200),
    hosts: z.array(hostSchema).max(50).default([]),
    origin_url: z
      .url({ protocol: /^https?$/ })
      .nullable()
      .optional(),
    settings: settingsInputSchema.default({}),
    /** HS256 secret for the storefront's customer JWTs (stored encrypted). */
    customer_secret: z.string().min(16).max(512).optional(),
  })
  .meta({ id: "CreateTenant" });

export const updateTenantSchema = z
  .strictObject(optionalWithoutDefaults(createTenantSchema.omit({ id: true }).shape))
  .meta({ id: "UpdateTenant" });

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

export const kidSchema = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, "letters, digits, '_', '.', '-', 1–64");

export const createSigningKeySchema = z
  .discriminatedUnion("alg", [
    // The gateway makes every HS256 secret itself (32 random bytes): a caller-supplied
    // `secret` is refused like any unknown field, never silently replaced by another one.
    z.strictObject({ alg: z.literal("HS256"), kid: kidSchema.optional() }),
    z.strictObject({
      alg: z.literal("EdDSA"),
      kid: kidSchema.optional(),
      // The public members of an RFC 8037 OKP key as key tools export it; anything else
      // (notably `d`, the private key, which the gateway must never hold) is refused.
      public_jwk: z.strictObject({
        kty: z.literal("OKP"),
        crv: z.literal("Ed25519"),
        x: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
        alg: z.literal("EdDSA").optional(),
        use: z.literal("sig").optional(),
        kid: z.string().max(200).optional(),
        key_ops: z.array(z.enum(["verify"])).optional(),
        ext: z.boolean().optional(),
      }),
    }),
  ])
  .meta({ id: "CreateSigningKey" });

export const signingKeySchema = z
  .object({
    kid: z.string(),
    alg: z.enum(["HS256", "EdDSA"]),
    status: z.enum(["active", "retired"]),
    created_at: z.iso.datetime(),
    retired_at: z.iso.datetime().nullable(),
    /** Only in the answer that creates an HS256 key: the secret, base64url. Never shown again. */
    secret: z.string().optional(),
  })
  .meta({ id: "SigningKey" });

export const createAdminKeySchema = z
  .strictObject({ name: singleLine(0, 100).default("") })
  .meta({ id: "CreateAdminKey" });

export const adminKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    created_at: z.iso.datetime(),
    revoked_at: z.iso.datetime().nullable(),
    /** Only in the answer that creates it. */
    key: z.string().optional(),
  })
  .meta({ id: "AdminKey" });

export { httpsUrl };

// Answers of the issuer API that the routes build by hand. They document the shapes in
// /openapi.json and test/integration/openapi.test.ts checks real answers against them; the
// routes themselves do not parse their output with them.

export const isoDate = z.iso.datetime();
const listOf = <T extends z.ZodType>(item: T) => z.object({ data: z.array(item) });

export const tenantListSchema = listOf(tenantSchema).meta({ id: "TenantList" });

export const createdTenantSchema = z
  .object({
    tenant: tenantSchema,
    admin_key: z.string().meta({ description: "The tenant's first admin API key (`dlgk_…`). Shown only here." }),
    /** The tenant's first HS256 signing key (kid `k1`), with its secret. */
    signing_key: signingKeySchema,
  })
  .meta({ id: "CreatedTenant" });

export const signingKeyListSchema = listOf(signingKeySchema).meta({ id: "SigningKeyList" });

export const adminKeyListSchema = listOf(adminKeySchema).meta({ id: "AdminKeyList" });

export const fileSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    size: z.number().int().nonnegative().nullable().meta({ description: "null until a pull-through file is fetched" }),
    mime_type: z.string(),
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .nullable(),
    source: z.enum(["r2", "url"]),
    created_at: isoDate,
  })
  .meta({ id: "File" });

export const uploadStartedSchema = z
  .object({ upload_id: z.string(), file_id: z.string(), name: z.string(), mime_type: z.string() })
  .meta({ id: "UploadStarted" });

export const uploadedPartSchema = z
  .object({
    part_number: z.number().int().min(1).max(10000),
    etag: z.string().meta({ description: "Hand it back in the complete call's `parts`." }),
  })
  .meta({ id: "UploadedPart" });
