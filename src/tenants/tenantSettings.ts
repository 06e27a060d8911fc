import { z } from "zod";
import { addressOrCidr } from "../token/claims.ts";

/** The storefront systems of docs/PROFILES.md whose APIs a tenant can serve. */
export const PROFILE_NAMES = [
  "digital-downloads", // seed 000
  "customer-downloadable-products", // seed 001
  "customer-account-orders", // seed 002
  "storefront-digitals", // seed 003
  "merchello-downloads", // seed 004
] as const;

export type ProfileName = (typeof PROFILE_NAMES)[number];

/** How the storefront's customers prove who they are (docs/CONTRACT.md §8). */
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

/** An exact browser origin (`https://shop.example.com`, optional port; no path, no wildcard). */
export const exactOrigin = z
  .string()
  .max(255)
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === "https:" || url.protocol === "http:") && url.origin === value;
    } catch {
      return false;
    }
  }, "an exact origin: scheme://host[:port], no path and no trailing slash");

/** Per-tenant settings, stored as JSON in `tenants.settings`. Every field has a default. */
export const tenantSettingsSchema = z.object({
  /** docs/CONTRACT.md §6 rule 3: how long after a counted download a resume is free. */
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
  /**
   * docs/CONTRACT.md §6 rule 4: a download whose client aborts before this fraction of the
   * response was written is given back.
   */
  abort_refund_fraction: z.number().min(0).max(1).default(0.5),
  /** docs/CONTRACT.md §7 `origin_timeout`: how long an origin may take to send its response headers. */
  origin_timeout_seconds: z.number().int().min(1).max(300).default(30),
  /** How long an origin's body may stall (no bytes) while the gateway streams it. */
  origin_stall_seconds: z.number().int().min(1).max(300).default(30),
  /** docs/CONTRACT.md §6 rule 4a: requests from scanner networks served uncounted, per link. */
  scanner_passes: z.number().int().min(0).max(100).default(2),
  /** Extra scanner networks (CIDR blocks) beside the built-in list. */
  scanner_networks: z.array(addressOrCidr).max(256).default([]),
  /** docs/CONTRACT.md §6 rule 4a: `browsers` shows browser navigations a confirmation page first. */
  confirm_downloads: z.enum(["off", "browsers"]).default("off"),
  /** docs/CONTRACT.md §4 CORS: storefront origins allowed to call the listing, info and profile routes. */
  allowed_origins: z.array(exactOrigin).max(50).default([]),
  /** Shown on every customer-facing page, with links back to the store. */
  store_name: z.string().min(1).max(200).optional(),
  store_url: z.url({ protocol: /^https?$/ }).optional(),
  support_url: z.url({ protocol: /^(https?|mailto)$/ }).optional(),
  /** Where `auth_required` pages send the customer to sign in. */
  sign_in_url: z.url({ protocol: /^https?$/ }).optional(),
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
