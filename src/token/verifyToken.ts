import { base64url, compactVerify, errors, type CompactJWSHeaderParameters } from "jose";
import { claimsSchema, type Claims } from "./claims.ts";
import type { Keyring } from "./keyring.ts";
import { repeatedKeyAt } from "../http/repeatedKey.ts";

/** docs/CONTRACT.md §3: longer tokens are refused before any parsing. */
export const MAX_TOKEN_LENGTH = 4096;

export type TokenFailure =
  | "too_long"
  | "malformed"
  | "missing_kid"
  | "unknown_kid"
  | "wrong_alg"
  | "bad_signature"
  | "bad_claims"
  | "wrong_tenant";

export type TokenVerdict = { ok: true; claims: Claims; kid: string } | { ok: false; reason: TokenFailure };

/** Thrown inside jose's key callback so the reason survives jose's own error handling. */
class KeySelectionError extends Error {
  constructor(readonly reason: TokenFailure) {
    super(reason);
  }
}

const PINNED_ALGORITHMS = ["HS256", "EdDSA"];

const BASE64URL_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/**
 * RFC 4648 §3.5: the bits a final partial group leaves over must be zero. Decoders
 * (jose's, `atob`) ignore them, so without this check the last character of a signature
 * has up to 16 spellings that all verify: one signed token would be many URLs, each
 * passing as the "exact" token anywhere a token string is compared or cached.
 */
function isCanonicalBase64url(segment: string): boolean {
  const leftover = segment.length % 4;
  if (leftover === 1) return false;
  if (leftover === 0) return true;
  const lastValue = BASE64URL_ALPHABET.indexOf(segment.charAt(segment.length - 1));
  const unusedBits = leftover === 2 ? 4 : 2;
  return (lastValue & ((1 << unusedBits) - 1)) === 0;
}

/**
 * True when the protected header gives a parameter twice (`{"alg":"none","alg":"HS256"}`).
 * jose reads it with JSON.parse, which keeps the last value without a word, while another
 * reader may take the first: which `alg` or `kid` a token names must not depend on who
 * reads it. Refused like any malformed header (`invalid_token`), as a repeated claim is
 * (`bad_claims`, below). A header that is not base64url JSON is left to jose to refuse.
 */
function headerRepeatsAKey(token: string): boolean {
  let text: string;
  try {
    text = new TextDecoder().decode(base64url.decode(token.slice(0, token.indexOf("."))));
    JSON.parse(text);
  } catch {
    return false;
  }
  return repeatedKeyAt(text) !== null;
}

/**
 * Checks a token's signature and claim shapes. Time (exp/nbf) is *not* judged here:
 * the link's Durable Object may hold a new expiry that wins over the claim, so the
 * policy step decides. Algorithms are pinned twice: jose refuses anything outside
 * HS256/EdDSA, and the header alg must equal the alg the named key was registered with,
 * so an HMAC key can never be used to "verify" an EdDSA header or the reverse.
 */
export async function verifyToken(token: string, keyring: Keyring, tenantId: string): Promise<TokenVerdict> {
  if (token.length > MAX_TOKEN_LENGTH) return { ok: false, reason: "too_long" };
  if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token)) return { ok: false, reason: "malformed" };
  if (!token.split(".").every(isCanonicalBase64url)) return { ok: false, reason: "malformed" };
  if (headerRepeatsAKey(token)) return { ok: false, reason: "malformed" };

  let kid = "";
  let payload: Uint8Array;
  try {
    const result = await compactVerify(
      token,
      (header: CompactJWSHeaderParameters) => {
        if (typeof header.kid !== "string" || header.kid === "") throw new KeySelectionError("missing_kid");
        const entry = keyring.get(header.kid);
        if (!entry) throw new KeySelectionError("unknown_kid");
        if (header.alg !== entry.alg) throw new KeySelectionError("wrong_alg");
        kid = header.kid;
        return entry.key;
      },
      { algorithms: PINNED_ALGORITHMS },
    );
    payload = result.payload;
  } catch (error) {
    if (error instanceof KeySelectionError) return { ok: false, reason: error.reason };
    if (error instanceof errors.JOSEAlgNotAllowed) return { ok: false, reason: "wrong_alg" };
    if (error instanceof errors.JWSSignatureVerificationFailed) return { ok: false, reason: "bad_signature" };
    return { ok: false, reason: "malformed" };
  }

  let raw: unknown;
  let text: string;
  try {
    text = new TextDecoder().decode(payload);
    raw = JSON.parse(text);
  } catch {
    return { ok: false, reason: "malformed" };
  }
  // A claim given twice (a store's signer that appends `ips` again) would be read as its
  // last value: a restriction could be dropped without a word, so the token is refused.
  if (repeatedKeyAt(text) !== null) return { ok: false, reason: "bad_claims" };
  const parsed = claimsSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, reason: "bad_claims" };
  if (parsed.data.iss !== tenantId) return { ok: false, reason: "wrong_tenant" };
  return { ok: true, claims: parsed.data, kid };
}
