import { fromBase64url, hex } from "../utils/encoding.ts";

/**
 * The encodings of Ed25519's small-order points (orders 1, 2, 4 and 8), compared with the
 * sign bit cleared, as libsodium's `has_small_order` lists them: 0 (order 4), 1 (order 1),
 * the two order-8 y values, p − 1 (order 2), and p and p + 1 (non-canonical spellings of 0
 * and 1).
 *
 * Why they are refused: Ed25519 verification checks [S]B = R + [k]A. When the public key
 * A has small order, [k]A is one of at most eight points, whatever the message, so a
 * signature can be made without any private key: with A the identity point, R = identity
 * and S = 0 verify for every token. WebCrypto (and workerd's) verify does not refuse such
 * keys, so one careless registration would let anyone mint that store's download links.
 */
const SMALL_ORDER_POINTS = [
  "0000000000000000000000000000000000000000000000000000000000000000",
  "0100000000000000000000000000000000000000000000000000000000000000",
  "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
  "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
  "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
];

/**
 * Why an Ed25519 public key (the JWK's base64url `x`) cannot be trusted, or null when it
 * can: not 32 bytes, a y coordinate that is not reduced mod p (RFC 8032 §5.1.3 says such an
 * encoding does not decode), or a small-order point anyone could sign for.
 */
export function ed25519KeyFlaw(x: string): string | null {
  let bytes: Uint8Array;
  try {
    bytes = fromBase64url(x);
  } catch {
    return "not base64url";
  }
  if (bytes.length !== 32) return "not a 32-byte Ed25519 public key";
  const y = Uint8Array.from(bytes);
  y[31] = y[31]! & 0x7f;
  if (SMALL_ORDER_POINTS.includes(hex(y)))
    return "a small-order point: signatures for it can be made without a private key";
  if (!isBelowP(y)) return "not a canonical point encoding (y is not below 2^255 - 19)";
  return null;
}

/**
 * `ed25519KeyFlaw` for a JWK of any type: the flaw of an Ed25519 (OKP) key, null for other
 * key types (RSA and EC keys are checked by their import).
 */
export function okpKeyFlaw(jwk: Record<string, unknown>): string | null {
  if (jwk.kty !== "OKP" || jwk.crv !== "Ed25519") return null;
  return typeof jwk.x === "string" ? ed25519KeyFlaw(jwk.x) : "no public key (x)";
}

/** y < p = 2^255 − 19, y little-endian with its top bit already cleared. */
function isBelowP(y: Uint8Array): boolean {
  // The values at or above p are 2^255 − 19 … 2^255 − 1: bytes 1–30 all 0xff, byte 31
  // 0x7f, and byte 0 at least 0xed.
  if (y[31] !== 0x7f) return true;
  for (let i = 1; i < 31; i++) if (y[i] !== 0xff) return true;
  return y[0]! < 0xed;
}
