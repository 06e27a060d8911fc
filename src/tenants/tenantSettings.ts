import { z } from "zod";
import { isHostName } from "../http/hostName.ts";
import { urlWithoutUserInfo } from "../http/urlInput.ts";
import { multiLine, singleLine } from "../http/textInput.ts";
import { addressOrCidr } from "../token/claims.ts";
import { ed25519KeyFlaw } from "../token/ed25519KeyFlaw.ts";
import { WEBHOOK_EVENT_TYPES, webhookUrl } from "../webhooks/webhookEvents.ts";
import { isDistinct } from "../utils/isDistinct.ts";

/** The storefront systems of docs/PROFILES.md whose APIs a tenant can serve. */
export const PROFILE_NAMES = [
  "digital-downloads", // seed 000
  "customer-downloadable-products", // seed 001
  "customer-account-orders", // seed 002
  "storefront-digitals", // seed 003
  "merchello-downloads", // seed 004
] as const;

export type ProfileName = (typeof PROFILE_NAMES)[number];

/**
 * Where the gateway fetches customer identity from: https only. An `auth_url` is sent the
 * customer's cookies (their store session), which plain http would hand to anyone on the
 * path; a `jwks_url` decides whose signature is a customer's identity, so a JWKS anyone on
 * the path can swap lets them sign in as any customer. No exception for localhost: the
 * local demo (`npm start`) signs customers with the HS256 customer secret, not a URL.
 */
const identityUrl = urlWithoutUserInfo(/^https$/, "an https URL").meta({
  description: "https only: the gateway sends it customers' cookies or trusts its keys",
});

/** base64url without padding, `min`–`max` characters. */
const base64url = (min: number, max: number) =>
  z
    .string()
    .min(min)
    .max(max)
    .regex(/^[A-Za-z0-9_-]+$/, "base64url without padding");

/** The members a public JWK may have besides its key material, as key tools export them. */
const jwkExtras = {
  kid: z.string().max(200).optional(),
  use: z.literal("sig").optional(),
  key_ops: z.array(z.literal("verify")).optional(),
  ext: z.boolean().optional(),
};

/**
 * The storefront's public key for customer tokens: RSA (2048 bits or more), P-256 or
 * Ed25519, public members only. A private member (`d`, `p`, `q`, …) is refused as unknown:
 * the gateway must never hold the store's signing key. A key that could not verify anything
 * (`{}`, a symmetric `oct` key, garbage) is refused here rather than stored and then turning
 * every customer away with 401.
 */
export const customerPublicJwkSchema = z.discriminatedUnion("kty", [
  z.strictObject({
    kty: z.literal("RSA"),
    // 2048-bit modulus: 256 bytes, 342 base64url characters; 8192 bits at most.
    n: base64url(342, 1366),
    e: base64url(1, 12),
    alg: z.literal("RS256").optional(),
    ...jwkExtras,
  }),
  z.strictObject({
    kty: z.literal("EC"),
    crv: z.literal("P-256"),
    x: base64url(43, 43),
    y: base64url(43, 43),
    alg: z.literal("ES256").optional(),
    ...jwkExtras,
  }),
  z.strictObject({
    kty: z.literal("OKP"),
    crv: z.literal("Ed25519"),
    // Only a key whose private half alone signs for it (not of small order, ed25519KeyFlaw).
    x: base64url(43, 43).superRefine((x, context) => {
      const flaw = ed25519KeyFlaw(x);
      if (flaw) context.addIssue({ code: "custom", message: flaw });
    }),
    alg: z.literal("EdDSA").optional(),
    ...jwkExtras,
  }),
]);

export type CustomerPublicJwk = z.infer<typeof customerPublicJwkSchema>;

/** How the storefront's customers prove who they are (docs/CONTRACT.md §8). */
export const customerAuthSchema = z.discriminatedUnion("mode", [
  z.strictObject({
    /** A JWT signed by the storefront: HS256 (tenant's customer secret), or a public key / JWKS. */
    mode: z.literal("jwt"),
    /** Also read the token from this cookie, for browsers. */
    cookie: z
      .string()
      .regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,64}$/)
      .optional(),
    /** RS256/ES256/EdDSA public key as a JWK. */
    public_jwk: customerPublicJwkSchema.optional(),
    /** A JWKS document with the storefront's public keys. */
    jwks_url: identityUrl.optional(),
    /** When set, the token's `iss` must equal it. */
    issuer: singleLine(1, 500).optional(),
  }),
  z.strictObject({
    /** The storefront answers `{"customer_id": "…"}` for the forwarded cookies. */
    mode: z.literal("auth_url"),
    url: identityUrl,
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
      return (
        (url.protocol === "https:" || url.protocol === "http:") && url.origin === value && isHostName(url.hostname)
      );
    } catch {
      return false;
    }
  }, "an exact origin: scheme://host[:port] in lower case, no path, no trailing slash and no wildcard");

/**
 * Sharing detection (src/links/sharingWatch.ts): a link whose downloads come from more
 * networks (/24, /48) or countries than this within the window is flagged (`flag`: marked
 * and announced, still served) or blocked (`block`: `403 suspended` until the store clears it).
 */
export const sharingSettingsSchema = z
  .strictObject({
    max_networks: z.number().int().min(1).max(1000).optional(),
    max_countries: z.number().int().min(1).max(250).optional(),
    window_seconds: z
      .number()
      .int()
      .min(60)
      .max(90 * 86400)
      .default(7 * 86400),
    action: z.enum(["flag", "block"]).default("flag"),
  })
  .refine((s) => s.max_networks !== undefined || s.max_countries !== undefined, {
    message: "give max_networks, max_countries or both",
    path: ["max_networks"],
  });

export type SharingSettings = z.infer<typeof sharingSettingsSchema>;

/**
 * Per-tenant settings, stored as JSON in `tenants.settings`. Every field has a default.
 * Strict (unknown keys are errors) because the operator API validates its input with it;
 * reading stored settings goes through the tolerant `parseTenantSettings` below.
 */
export const tenantSettingsSchema = z.strictObject({
  /** docs/CONTRACT.md §6 rule 3: how long after a counted download a resume is free. */
  resume_window_seconds: z
    .number()
    .int()
    .min(0)
    .max(30 * 86400)
    .default(86400),
  customer_auth: customerAuthSchema.optional(),
  /** Compatibility profiles this tenant serves (src/profiles/, docs/PROFILES.md). */
  profiles: z.array(z.enum(PROFILE_NAMES)).refine(isDistinct, "a profile is listed twice").default([]),
  /** `customer-downloadable-products`: the storefront key clients send as X-STOREFRONT-KEY. */
  storefront_key: singleLine(8, 200).optional(),
  /** `customer-account-orders`: the `text` block of its answer. */
  account_text: z
    .strictObject({ title: singleLine(0, 500), text: multiLine(5000).nullable() })
    .default({ title: "Download files for your orders", text: null }),
  /**
   * Public base URL for links the gateway mints (listings, issuer API); default: the request's
   * origin. A base, so `/downloads/<token>` is appended to it: a query, a fragment or user
   * info would leave every minted URL broken (the token in the query or fragment).
   */
  public_url: z
    .url({ protocol: /^https?$/ })
    .refine((value) => !/[?#]/.test(value) && !/^https?:\/\/[^/]*@/i.test(value), {
      message: "a base URL: scheme, host and an optional path, without query, fragment or user info",
    })
    .optional(),
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
  allowed_origins: z.array(exactOrigin).max(50).refine(isDistinct, "an origin is listed twice").default([]),
  /** Shown on every customer-facing page, with links back to the store. */
  store_name: singleLine(1, 200).optional(),
  store_url: urlWithoutUserInfo(/^https?$/).optional(),
  support_url: urlWithoutUserInfo(/^(https?|mailto)$/).optional(),
  /** Where `auth_required` pages send the customer to sign in. */
  sign_in_url: urlWithoutUserInfo(/^https?$/).optional(),
  /** Sharing detection; absent = off. */
  sharing: sharingSettingsSchema.optional(),
  // --- The download log: privacy and retention (docs/CONTRACT.md §10) ---
  /**
   * The client address as the download log keeps it: `full`, `truncated` (its /24 for IPv4,
   * /48 for IPv6) or `none`. Applied before the event leaves the Worker, so a raw address the
   * tenant does not want kept never reaches the link's outbox nor D1.
   */
  ip_storage: z.enum(["full", "truncated", "none"]).default("full"),
  /** Days a download log row is kept; the scheduled pruning (src/events/pruneEvents.ts) deletes older ones. */
  log_retention_days: z.number().int().min(1).max(3650).default(400),
  // --- Webhooks (src/webhooks/, README "Webhooks") ---
  /** Where signed webhooks go: https, or http to localhost / 127.0.0.1 for local development. Unset = none sent. */
  webhook_url: webhookUrl.optional(),
  /** The event types sent to `webhook_url`; default every type. */
  webhook_events: z
    .array(z.enum(WEBHOOK_EVENT_TYPES))
    .max(WEBHOOK_EVENT_TYPES.length)
    .refine(isDistinct, "each event type once")
    .default([...WEBHOOK_EVENT_TYPES]),
  // --- end of webhooks ---
});

export type TenantSettings = z.infer<typeof tenantSettingsSchema>;

/** How many rounds of dropping bad parts `parseTenantSettings` makes; each removes at least one. */
const MAX_REPAIRS = 64;

/**
 * Parses stored settings, tolerantly. The schema is strict for the operator API, but what
 * D1 already holds must keep working: a row written by hand, by an older version (whose
 * API stripped unknown keys) or by a newer one during a rollback may carry a key or a value
 * this version does not know. Unknown keys are dropped and a bad field falls back to its
 * default, one field at a time — never the whole object, which would silently switch off
 * e.g. the tenant's customer_auth because of one stray key. Corrupt JSON gives defaults.
 */
export function parseTenantSettings(json: string): TenantSettings {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    raw = {};
  }
  let value: Record<string, unknown> = isRecord(raw) ? { ...raw } : {};
  for (let round = 0; round < MAX_REPAIRS; round++) {
    const parsed = tenantSettingsSchema.safeParse(value);
    if (parsed.success) return parsed.data;
    value = withoutBadParts(value, parsed.error.issues);
  }
  return tenantSettingsSchema.parse({});
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * A copy without the unknown keys the issues name, without the bad entries of a top-level
 * list (one origin this version refuses must not take the tenant's other origins, profiles
 * or scanner networks with it), and without the top-level fields of every other issue.
 */
function withoutBadParts(value: Record<string, unknown>, issues: readonly z.core.$ZodIssue[]): Record<string, unknown> {
  const copy = structuredClone(value);
  const badEntries = new Map<string, Set<number>>();
  for (const issue of issues) {
    const [field, index] = issue.path;
    if (
      typeof field === "string" &&
      typeof index === "number" &&
      issue.path.length === 2 &&
      Array.isArray(copy[field])
    ) {
      badEntries.set(field, (badEntries.get(field) ?? new Set()).add(index));
    } else if (issue.code === "unrecognized_keys") {
      let target: unknown = copy;
      for (const segment of issue.path)
        target = isRecord(target) || Array.isArray(target) ? target[segment as never] : undefined;
      if (isRecord(target)) for (const key of issue.keys) delete target[key];
      // A path that no longer resolves (an earlier issue removed it) is done already.
    } else if (typeof field === "string") {
      delete copy[field];
    } else {
      // An issue about the whole object (not possible for an object schema with defaults): start over.
      return {};
    }
  }
  for (const [field, indexes] of badEntries) {
    const list = copy[field];
    if (Array.isArray(list)) copy[field] = list.filter((_entry, i) => !indexes.has(i));
  }
  return copy;
}
