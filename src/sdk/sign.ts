/**
 * Token signing for origins written in JavaScript (Node ≥ 20, Workers, Deno, Bun).
 * Origins in other languages use their own JWT library: see docs/TOKEN.md.
 *
 * This module imports nothing from the gateway, so Node can run it straight from
 * TypeScript (type stripping) for the CLI and the scripts.
 */
import { SignJWT } from "jose";

export interface LinkGrant {
  /** Tenant id: the `iss` claim. */
  tenant: string;
  /** Link id (`lid`): the unit the gateway counts. */
  link: string;
  /** File id (`fid`): the R2 key is `<tenant>/<file>`. */
  file: string;
  /** Download limit (`lim`); omit for unlimited. */
  limit?: number;
  /** Expiry: a Date, Unix seconds, or a duration from now such as "7d", "12h", "30m". */
  expires?: Date | number | string;
  /** Not valid before (`nbf`), a Date or Unix seconds. */
  notBefore?: Date | number;
  /** Allowed client addresses or CIDR blocks (`ips`). */
  ips?: string[];
  /** Device limit (`dev`). */
  devices?: number;
  /** Customer id (`sub`). */
  customer?: string;
  /** Require the customer's own credential on download (`auth`). */
  requireLogin?: boolean;
  /** File name to present (`fn`). */
  filename?: string;
  /** Order number (`ord`). */
  order?: string;
  /** Countries the link may be used from (`cca`): ISO 3166-1 alpha-2 codes in upper case. */
  countries?: string[];
  /** Countries the link may not be used from (`ccb`). */
  blockedCountries?: string[];
}

/** HS256: the secret as text (its UTF-8 bytes are the key), raw bytes, or an imported HMAC CryptoKey. */
export type SigningKey =
  | { kid: string; alg?: "HS256"; secret: string | Uint8Array | CryptoKey }
  | { kid: string; alg: "EdDSA"; privateKey: CryptoKey };

const DURATION = /^(\d+)\s*([smhdw])$/;
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** "7d" → seconds. Throws on anything else, so a typo never silently means "no expiry". */
export function parseDuration(text: string): number {
  const match = DURATION.exec(text.trim());
  if (!match) throw new Error(`not a duration: ${JSON.stringify(text)} (use e.g. 30m, 12h, 7d)`);
  return Number(match[1]) * (UNIT_SECONDS[match[2] as string] as number);
}

function toNumericDate(value: Date | number | string, now: number): number {
  if (value instanceof Date) return Math.floor(value.getTime() / 1000);
  if (typeof value === "number") return value;
  return now + parseDuration(value);
}

/** The gateway's bounds on the claims (src/token/claims.ts), so a grant it would refuse fails here, not at the click. */
const MAX_COUNT = 2 ** 31 - 1;
const MAX_NUMERIC_DATE = 253_402_300_799;
const between = (n: number, min: number, max: number) => n >= min && n <= max;
const isCount = (v: unknown) => Number.isInteger(v) && between(v as number, 1, MAX_COUNT);
const isDate = (v: unknown) => Number.isFinite(v) && between(v as number, 0, MAX_NUMERIC_DATE);
// Characters as the gateway's schema counts them: code points, so an emoji is one, not two.
const textOf = (max: number) => (v: unknown) => typeof v === "string" && between([...v].length, 1, max);
const matches = (pattern: RegExp) => (v: unknown) => typeof v === "string" && pattern.test(v);
const listOf = (max: number, each: (v: unknown) => boolean) => (v: unknown) =>
  Array.isArray(v) && between(v.length, 1, max) && v.every(each);

const CLAIM_RULES: Record<string, [grantField: string, valid: (v: unknown) => boolean, expected: string]> = {
  iss: ["tenant", matches(/^[a-z0-9-]{1,40}$/), "lowercase letters, digits and '-', 1–40"],
  lid: ["link", matches(/^[A-Za-z0-9_-]{1,64}$/), "letters, digits, '_' and '-', 1–64"],
  fid: ["file", matches(/^[A-Za-z0-9_-]{1,128}$/), "letters, digits, '_' and '-', 1–128"],
  exp: ["expires", isDate, "a time between 1970 and 9999"],
  nbf: ["notBefore", isDate, "a time between 1970 and 9999"],
  lim: ["limit", isCount, `a whole number from 1 to ${MAX_COUNT}`],
  dev: ["devices", isCount, `a whole number from 1 to ${MAX_COUNT}`],
  ips: ["ips", listOf(64, textOf(64)), "1–64 addresses or CIDR blocks"],
  sub: ["customer", textOf(256), "1–256 characters"],
  fn: ["filename", textOf(255), "1–255 characters"],
  ord: ["order", textOf(128), "1–128 characters"],
  cca: ["countries", listOf(300, matches(/^[A-Z][A-Z0-9]$/)), "1–300 upper-case ISO 3166-1 alpha-2 codes"],
  ccb: ["blockedCountries", listOf(300, matches(/^[A-Z][A-Z0-9]$/)), "1–300 upper-case ISO 3166-1 alpha-2 codes"],
};

/** Throws, naming the grant's field, when a claim is outside what the gateway accepts (it would answer invalid_token). */
function assertAccepted(claims: Record<string, unknown>): void {
  for (const [claim, value] of Object.entries(claims)) {
    const rule = CLAIM_RULES[claim];
    if (rule && !rule[1](value)) {
      throw new Error(
        `grant.${rule[0]} (${claim}): ${JSON.stringify(value)} is not ${rule[2]}; the gateway would refuse the link`,
      );
    }
  }
}

/** Builds the claim set of docs/CONTRACT.md §3 from a grant; throws on a value the gateway would refuse. */
export function grantClaims(grant: LinkGrant, now = Math.floor(Date.now() / 1000)): Record<string, unknown> {
  const claims: Record<string, unknown> = { iss: grant.tenant, lid: grant.link, fid: grant.file, iat: now };
  if (grant.expires !== undefined) claims.exp = toNumericDate(grant.expires, now);
  if (grant.notBefore !== undefined) claims.nbf = toNumericDate(grant.notBefore, now);
  if (grant.limit !== undefined) claims.lim = grant.limit;
  if (grant.ips !== undefined && grant.ips.length > 0) claims.ips = grant.ips;
  if (grant.devices !== undefined) claims.dev = grant.devices;
  if (grant.customer !== undefined) claims.sub = grant.customer;
  if (grant.requireLogin) claims.auth = true;
  if (grant.filename !== undefined) claims.fn = grant.filename;
  if (grant.order !== undefined) claims.ord = grant.order;
  if (grant.countries !== undefined && grant.countries.length > 0) claims.cca = grant.countries;
  if (grant.blockedCountries !== undefined && grant.blockedCountries.length > 0) claims.ccb = grant.blockedCountries;
  assertAccepted(claims);
  return claims;
}

/** Signs a grant into a compact JWS, the `<token>` of `/downloads/<token>`. */
export async function signDownloadToken(grant: LinkGrant, key: SigningKey): Promise<string> {
  const jwt = new SignJWT(grantClaims(grant));
  if (key.alg === "EdDSA") {
    return jwt.setProtectedHeader({ alg: "EdDSA", kid: key.kid, typ: "JWT" }).sign(key.privateKey);
  }
  const secret = typeof key.secret === "string" ? new TextEncoder().encode(key.secret) : key.secret;
  return jwt.setProtectedHeader({ alg: "HS256", kid: key.kid, typ: "JWT" }).sign(secret);
}

/** `https://downloads.example.com` + token → the link a customer clicks. */
export function downloadUrl(baseUrl: string, token: string): string {
  return `${baseUrl.replace(/\/+$/, "")}/downloads/${token}`;
}
