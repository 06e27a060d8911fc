/**
 * src/token/ed25519KeyFlaw.ts: the Ed25519 public keys that cannot be trusted, because a
 * signature for them can be made without a private key (small order) or because their
 * encoding does not decode (y ≥ p).
 */
import { describe, expect, it } from "vitest";
import { ed25519KeyFlaw, okpKeyFlaw } from "../../src/token/ed25519KeyFlaw.ts";
import { base64url } from "../../src/utils/encoding.ts";

const P = 2n ** 255n - 19n;

function littleEndian(value: bigint, signBit = false): string {
  const bytes = new Uint8Array(32);
  for (let i = 0; i < 32; i++) bytes[i] = Number((value >> BigInt(8 * i)) & 0xffn);
  if (signBit) bytes[31]! |= 0x80;
  return base64url(bytes);
}

function fromHex(text: string): string {
  return base64url(Uint8Array.from(text.match(/../g)!, (pair) => parseInt(pair, 16)));
}

// The eight points of order 1, 2, 4 and 8 (their y: 1, p − 1, 0 twice, and the two
// order-8 values), and the non-canonical spellings of y = 0 and y = 1.
const ORDER_8_Y = [
  "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
  "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
];

describe("ed25519KeyFlaw", () => {
  it.each([
    ["the identity (order 1)", littleEndian(1n)],
    ["(0, −1) (order 2)", littleEndian(P - 1n)],
    ["y = 0 (order 4)", littleEndian(0n)],
    ["y = 0 with the sign bit (order 4)", littleEndian(0n, true)],
    ...ORDER_8_Y.flatMap((y) => [
      [`y = ${y.slice(0, 8)}… (order 8)`, fromHex(y)],
      [
        `y = ${y.slice(0, 8)}… with the sign bit (order 8)`,
        fromHex(y.slice(0, 62) + (parseInt(y.slice(62), 16) | 0x80).toString(16)),
      ],
    ]),
    ["y = p, a spelling of 0", littleEndian(P)],
    ["y = p + 1, a spelling of 1", littleEndian(P + 1n)],
  ])("refuses %s as small order", (_label, x) => {
    expect(ed25519KeyFlaw(x)).toMatch(/small-order/);
  });

  it.each([
    ["p + 2", P + 2n],
    ["2^255 − 1", 2n ** 255n - 1n],
  ])("refuses a y that is not reduced (%s)", (_label, y) => {
    expect(ed25519KeyFlaw(littleEndian(y))).toMatch(/canonical/);
  });

  it("refuses what is not 32 bytes of base64url", () => {
    expect(ed25519KeyFlaw("abc")).toMatch(/32-byte/);
    expect(ed25519KeyFlaw(base64url(new Uint8Array(33)))).toMatch(/32-byte/);
    expect(ed25519KeyFlaw("!!!!")).toMatch(/base64url/);
  });

  it("accepts generated keys, and the largest canonical y (p − 2)", async () => {
    for (let i = 0; i < 20; i++) {
      const pair = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])) as CryptoKeyPair;
      const jwk = (await crypto.subtle.exportKey("jwk", pair.publicKey)) as JsonWebKey;
      expect(ed25519KeyFlaw(jwk.x!)).toBeNull();
    }
    expect(ed25519KeyFlaw(littleEndian(P - 2n))).toBeNull();
  });

  it("okpKeyFlaw checks Ed25519 JWKs only", () => {
    expect(okpKeyFlaw({ kty: "OKP", crv: "Ed25519", x: littleEndian(1n) })).toMatch(/small-order/);
    expect(okpKeyFlaw({ kty: "OKP", crv: "Ed25519" })).toMatch(/no public key/);
    expect(okpKeyFlaw({ kty: "RSA", n: "AQAB", e: "AQAB" })).toBeNull();
  });
});
