import { z } from "zod";

/** The storefront systems of shared/seeds/ whose APIs a tenant can serve. */
export const PROFILE_NAMES = [
  "digital-downloads", // seed 000
  "customer-downloadable-products", // seed 001
  "customer-account-orders", // seed 002
  "storefront-digitals", // seed 003
  "merchello-downloads", // seed 004
] as const;

export type ProfileName = (typeof PROFILE_NAMES)[number];

/** How the storefront's customers prove who they are (DESIGN.md §8). */
export const customerAuthSchema = z.discriminatedUnion("mode", [
  z.object({
    /** A JWT signed by the storefront: HS256 (tenant's customer secret), or a public key / JWKS. */
    mode: z.literal("jwt"),
    /** Also read the token from this cookie, for browsers. */
    cookie: z
      .string()
      .regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,64}$/)
      .optional(),
    /** RS256/ES256/EdDSA public key as a JWK. */
    public_jwk: z.record(z.string(), z.unknown()).optional(),
    /** A JWKS document with the storefront's public keys. */
    jwks_url: z.url({ protocol: /^https?$/ }).optional(),
    /** When set, the token's `iss` must equal it. */
    issuer: z.string().optional(),
  }),
  z.object({
    /** The storefront answers `{"customer_id": "…"}` for the forwarded cookies. */
    mode: z.literal("auth_url"),
    url: z.url({ protocol: /^https?$/ }),
    cache_seconds: z.number().int().min(0).max(3600).default(60),
  }),
]);

export type CustomerAuth = z.infer<typeof customerAuthSchema>;

/** Per-tenant settings, stored as JSON in `tenants.settings`. Every field has a default. */
export const tenantSettingsSchema = z.object({
  /** DESIGN.md §6 rule 3: how long after a counted download a resume is free. */
  resume_window_seconds: z
    .number()
    .int()
    .min(0)
    .max(30 * 86400)
    .default(86400),
  customer_auth: customerAuthSchema.optional(),
  /** Compatibility profiles this tenant serves (src/profiles/, docs/PROFILES.md). */
  profiles: z.array(z.enum(PROFILE_NAMES)).default([]),
  /** `customer-downloadable-products`: the storefront key clients send as X-STOREFRONT-KEY. */
  storefront_key: z.string().min(8).max(200).optional(),
  /** `customer-account-orders`: the `text` block of its answer. */
  account_text: z
    .object({ title: z.string().max(500), text: z.string().max(5000).nullable() })
    .default({ title: "Download files for your orders", text: null }),
  /** Public base URL for links the gateway mints (listings, issuer API); default: the request's origin. */
  public_url: z.url({ protocol: /^https?$/ }).optional(),
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
