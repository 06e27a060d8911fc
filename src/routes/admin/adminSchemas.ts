import { z } from "zod";
import { tenantSettingsSchema } from "../../tenants/tenantSettings.ts";

/** Schemas of the issuer API's bodies and answers; routes validate with them and /openapi.json is built from them. */

export const tenantIdSchema = z.string().regex(/^[a-z0-9-]{1,40}$/, "lowercase letters, digits and '-', 1–40");
const hostSchema = z
  .string()
  .toLowerCase()
  .regex(/^(localhost|[a-z0-9.-]{1,253}|\[[0-9a-f:.]+\])$/, "a host name without port");
const httpsUrl = z.url({ protocol: /^https$/, hostname: z.regexes.domain });

export const createTenantSchema = z
  .object({
    id: tenantIdSchema,
    name: z.string().min(1).max(200),
    hosts: z.array(hostSchema).max(50).default([]),
    origin_url: z
      .url({ protocol: /^https?$/ })
      .nullable()
      .optional(),
    settings: tenantSettingsSchema.partial().default({}),
    /** HS256 secret for the storefront's customer JWTs (stored encrypted). */
    customer_secret: z.string().min(16).max(512).optional(),
  })
  .meta({ id: "CreateTenant" });

export const updateTenantSchema = createTenantSchema.omit({ id: true }).partial().meta({ id: "UpdateTenant" });

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
    z.object({ alg: z.literal("HS256"), kid: kidSchema.optional() }),
    z.object({
      alg: z.literal("EdDSA"),
      kid: kidSchema.optional(),
      public_jwk: z.object({
        kty: z.literal("OKP"),
        crv: z.literal("Ed25519"),
        x: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
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

export const createAdminKeySchema = z.object({ name: z.string().max(100).default("") }).meta({ id: "CreateAdminKey" });

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
