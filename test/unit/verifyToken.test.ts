import { base64url, CompactSign, SignJWT, type JWTHeaderParameters } from "jose";
import { describe, expect, it } from "vitest";
import { signDownloadToken } from "../../src/sdk/sign.ts";
import { claimsSchema, MAX_COUNT, MAX_NUMERIC_DATE } from "../../src/token/claims.ts";
import { importEd25519PublicKey, importHmacKey, type Keyring, type VerificationKey } from "../../src/token/keyring.ts";
import { MAX_TOKEN_LENGTH, verifyToken } from "../../src/token/verifyToken.ts";

const TENANT = "shop-1";
const encoder = new TextEncoder();
const SECRET = encoder.encode("unit-test-secret-0123456789abcdef");
const OLD_SECRET = encoder.encode("unit-test-old-secret-fedcba9876543210");

async function ed25519Pair(): Promise<CryptoKeyPair> {
  const pair = await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"]);
  if (!("privateKey" in pair)) throw new Error("expected a key pair");
  return pair;
}

async function publicJwk(pair: CryptoKeyPair): Promise<JsonWebKey> {
  const jwk = await crypto.subtle.exportKey("jwk", pair.publicKey);
  if (jwk instanceof ArrayBuffer) throw new Error("expected a JWK");
  return jwk;
}

const edPair = await ed25519Pair();
const edJwk = await publicJwk(edPair);
const otherEdPair = await ed25519Pair();

const entries: VerificationKey[] = [
  { kid: "hs", alg: "HS256", key: await importHmacKey(SECRET) },
  { kid: "old", alg: "HS256", key: await importHmacKey(OLD_SECRET) },
  { kid: "ed", alg: "EdDSA", key: await importEd25519PublicKey(edJwk) },
];
const keyring: Keyring = new Map(entries.map((entry) => [entry.kid, entry]));

const BASE = { iss: TENANT, lid: "link_1", fid: "file-1" };

/** An HS256 token on kid "hs" unless the header says otherwise. */
function signHs(
  payload: Record<string, unknown>,
  header: Partial<JWTHeaderParameters> = {},
  secret: Uint8Array = SECRET,
): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg: "HS256", kid: "hs", ...header }).sign(secret);
}

function signEd(payload: Record<string, unknown>, kid = "ed", privateKey = edPair.privateKey): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg: "EdDSA", kid }).sign(privateKey);
}

/** Raw payload bytes (not necessarily JSON) signed with HS256 on kid "hs". */
function signRawHs(payload: string): Promise<string> {
  return new CompactSign(encoder.encode(payload)).setProtectedHeader({ alg: "HS256", kid: "hs" }).sign(SECRET);
}

/** A compact JWS assembled by hand, for headers no honest library would produce. */
function forge(header: unknown, payload: unknown, signature = "c2lnbmF0dXJl"): string {
  return `${base64url.encode(JSON.stringify(header))}.${base64url.encode(JSON.stringify(payload))}.${signature}`;
}

/** A compact JWS with an arbitrary header and a genuine HS256 signature over it, made without jose. */
async function signHsByHand(header: unknown, payload: unknown): Promise<string> {
  return signHsOverHeaderText(JSON.stringify(header), payload);
}

/** Like signHsByHand, over the header text exactly as given (one with a repeated key, say). */
async function signHsOverHeaderText(headerText: string, payload: unknown): Promise<string> {
  const input = `${base64url.encode(headerText)}.${base64url.encode(JSON.stringify(payload))}`;
  const key = await importHmacKey(SECRET);
  const signature = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(input)));
  return `${input}.${base64url.encode(signature)}`;
}

function segments(token: string): [string, string, string] {
  const [header = "", payload = "", signature = ""] = token.split(".");
  return [header, payload, signature];
}

/** Signs BASE plus a `pad` claim sized so the whole token is exactly `length` characters. */
async function hsTokenOfLength(length: number): Promise<string> {
  // Base64url never produces a segment length ≡ 1 (mod 4), so a `typ` header may be
  // needed to shift the header's length and make the exact total reachable.
  for (const header of [{}, { typ: "JWT" }, { typ: "JWT", cty: "x" }]) {
    const empty = await signHs({ ...BASE, pad: "" }, header);
    let pad = Math.max(0, Math.floor(((length - empty.length) * 3) / 4) - 4);
    for (let attempt = 0; attempt < 12; attempt++, pad++) {
      const token = await signHs({ ...BASE, pad: "x".repeat(pad) }, header);
      if (token.length === length) return token;
    }
  }
  throw new Error(`no token of length ${length}`);
}

describe("verifyToken: successes", () => {
  it("accepts an HS256 token and returns its claims and kid", async () => {
    const token = await signHs({ ...BASE, lim: 3, exp: 2_000_000_000 });
    expect(await verifyToken(token, keyring, TENANT)).toStrictEqual({
      ok: true,
      kid: "hs",
      claims: { iss: TENANT, lid: "link_1", fid: "file-1", lim: 3, exp: 2_000_000_000 },
    });
  });

  it("accepts an EdDSA token verified with a public key imported from a JWK", async () => {
    const token = await signEd({ ...BASE, dev: 2 });
    expect(await verifyToken(token, keyring, TENANT)).toStrictEqual({
      ok: true,
      kid: "ed",
      claims: { ...BASE, dev: 2 },
    });
  });

  it("accepts an EdDSA token made by the SDK's signDownloadToken", async () => {
    const token = await signDownloadToken(
      { tenant: TENANT, link: "L1", file: "F1", limit: 5, filename: "Résumé.pdf", order: "1001" },
      { kid: "ed", alg: "EdDSA", privateKey: edPair.privateKey },
    );
    const verdict = await verifyToken(token, keyring, TENANT);
    expect(verdict).toStrictEqual({
      ok: true,
      kid: "ed",
      claims: { iss: TENANT, lid: "L1", fid: "F1", lim: 5, fn: "Résumé.pdf", ord: "1001" },
    });
  });

  it("accepts an HS256 token made by the SDK with a string secret", async () => {
    const token = await signDownloadToken(
      { tenant: TENANT, link: "L2", file: "F2", ips: ["203.0.113.0/24"], requireLogin: true, customer: "c-9" },
      { kid: "old", secret: "unit-test-old-secret-fedcba9876543210" },
    );
    expect(await verifyToken(token, keyring, TENANT)).toStrictEqual({
      ok: true,
      kid: "old",
      claims: { iss: TENANT, lid: "L2", fid: "F2", ips: ["203.0.113.0/24"], auth: true, sub: "c-9" },
    });
  });

  it("accepts every claim of docs/CONTRACT.md §3 at once", async () => {
    const claims = {
      ...BASE,
      exp: 2_000_000_000,
      nbf: 1_600_000_000,
      lim: 1,
      ips: ["198.51.100.7", "2001:db8::/32"],
      dev: 1,
      sub: "customer-42",
      auth: false,
      fn: "book.epub",
      ord: "A-1001",
    };
    expect(await verifyToken(await signHs(claims), keyring, TENANT)).toStrictEqual({ ok: true, kid: "hs", claims });
  });

  it("ignores and drops unknown claims such as iat, jti and custom ones", async () => {
    const token = await signHs({ ...BASE, iat: 1_700_000_000, jti: "abc", aud: "x", color: { deep: [1] } });
    expect(await verifyToken(token, keyring, TENANT)).toStrictEqual({ ok: true, kid: "hs", claims: BASE });
  });

  it("leaves exp and nbf to the policy step: an expired or future token still verifies", async () => {
    const expired = await signHs({ ...BASE, exp: 1 });
    const future = await signHs({ ...BASE, nbf: 4_000_000_000 });
    expect(await verifyToken(expired, keyring, TENANT)).toStrictEqual({
      ok: true,
      kid: "hs",
      claims: { ...BASE, exp: 1 },
    });
    expect(await verifyToken(future, keyring, TENANT)).toStrictEqual({
      ok: true,
      kid: "hs",
      claims: { ...BASE, nbf: 4_000_000_000 },
    });
  });

  it("accepts tokens on either of two active keys (rotation)", async () => {
    const onNew = await signHs(BASE, { kid: "hs" });
    const onOld = await signHs(BASE, { kid: "old" }, OLD_SECRET);
    expect(await verifyToken(onNew, keyring, TENANT)).toMatchObject({ ok: true, kid: "hs" });
    expect(await verifyToken(onOld, keyring, TENANT)).toMatchObject({ ok: true, kid: "old" });
  });

  it("accepts the claim limits at their maximum lengths and sizes", async () => {
    const longTenant = "t".repeat(40);
    const claims = {
      iss: longTenant,
      lid: "L".repeat(64),
      fid: "f".repeat(128),
      ips: Array.from({ length: 64 }, (_, i) => `10.0.0.${i}`),
      sub: "s".repeat(256),
      fn: "n".repeat(255),
      ord: "o".repeat(128),
      exp: 0,
      nbf: 0,
    };
    expect(await verifyToken(await signHs(claims), keyring, longTenant)).toStrictEqual({
      ok: true,
      kid: "hs",
      claims,
    });
  });

  it("accepts a token of exactly 4096 characters", async () => {
    const token = await hsTokenOfLength(MAX_TOKEN_LENGTH);
    expect(token.length).toBe(4096);
    expect(await verifyToken(token, keyring, TENANT)).toMatchObject({ ok: true, kid: "hs", claims: BASE });
  });
});

describe("verifyToken: too_long", () => {
  it("refuses a correctly signed token of 4097 characters", async () => {
    const token = await hsTokenOfLength(MAX_TOKEN_LENGTH + 1);
    expect(token.length).toBe(4097);
    expect(await verifyToken(token, keyring, TENANT)).toStrictEqual({ ok: false, reason: "too_long" });
  });

  it("refuses an oversized string before looking at its shape", async () => {
    expect(await verifyToken("a".repeat(4097), keyring, TENANT)).toStrictEqual({ ok: false, reason: "too_long" });
    expect(await verifyToken("a.b.c".repeat(100_000), keyring, TENANT)).toStrictEqual({
      ok: false,
      reason: "too_long",
    });
  });
});

describe("verifyToken: malformed", () => {
  const valid = signHs(BASE);

  it.each([
    ["an empty string", ""],
    ["a single segment", "abcdef"],
    ["two segments", "abc.def"],
    ["four segments", "abc.def.ghi.jkl"],
    ["an empty payload segment", "abc..ghi"],
    ["standard base64 characters", "ab+c.de/f.ghi"],
    ["base64 padding", "abc.def.ghi="],
    ["whitespace", "abc.def .ghi"],
    ["non-ASCII characters", "abc.dé.ghi"],
  ])("refuses %s", async (_name, token) => {
    expect(await verifyToken(token, keyring, TENANT)).toStrictEqual({ ok: false, reason: "malformed" });
  });

  it("refuses a signature whose unused trailing bits are set (one token, one spelling)", async () => {
    const token = await signHs(BASE);
    const [header, payload, signature] = segments(token);
    // 32 bytes → 43 characters: the last one carries 2 unused bits, which decoders ignore.
    expect(signature).toHaveLength(43);
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const last = alphabet.indexOf(signature.slice(-1));
    expect(last & 3).toBe(0);
    for (const bits of [1, 2, 3]) {
      const respelled = `${header}.${payload}.${signature.slice(0, -1)}${alphabet[last | bits]}`;
      expect(base64url.decode(respelled.split(".")[2] ?? "")).toEqual(base64url.decode(signature));
      expect(await verifyToken(respelled, keyring, TENANT)).toStrictEqual({ ok: false, reason: "malformed" });
    }
    expect(await verifyToken(token, keyring, TENANT)).toMatchObject({ ok: true });
  });

  it("refuses an EdDSA signature respelled in its unused trailing bits", async () => {
    const [header, payload, signature] = segments(await signEd(BASE));
    // 64 bytes → 86 characters: the last one carries 4 unused bits.
    expect(signature).toHaveLength(86);
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const last = alphabet.indexOf(signature.slice(-1));
    const respelled = `${header}.${payload}.${signature.slice(0, -1)}${alphabet[last | 1]}`;
    expect(await verifyToken(respelled, keyring, TENANT)).toStrictEqual({ ok: false, reason: "malformed" });
  });

  it("refuses a segment whose length no base64url encoding has (4n + 1)", async () => {
    const [header, payload, signature] = segments(await signHs(BASE));
    expect(signature.slice(0, -2).length % 4).toBe(1);
    expect(await verifyToken(`${header}.${payload}.${signature.slice(0, -2)}`, keyring, TENANT)).toStrictEqual({
      ok: false,
      reason: "malformed",
    });
  });

  it("refuses a header that is not JSON", async () => {
    const [, payload, signature] = segments(await valid);
    const token = `${base64url.encode("not json")}.${payload}.${signature}`;
    expect(await verifyToken(token, keyring, TENANT)).toStrictEqual({ ok: false, reason: "malformed" });
  });

  it("accepts the hand-made HS256 signature helper's output when the header is ordinary", async () => {
    expect(await verifyToken(await signHsByHand({ alg: "HS256", kid: "hs" }, BASE), keyring, TENANT)).toStrictEqual({
      ok: true,
      kid: "hs",
      claims: BASE,
    });
  });

  it("refuses a header without alg", async () => {
    const token = forge({ kid: "hs" }, BASE);
    expect(await verifyToken(token, keyring, TENANT)).toStrictEqual({ ok: false, reason: "malformed" });
  });

  it("refuses a header with an unknown critical extension", async () => {
    const token = await signHsByHand({ alg: "HS256", kid: "hs", crit: ["x-unknown"], "x-unknown": true }, BASE);
    expect(await verifyToken(token, keyring, TENANT)).toStrictEqual({ ok: false, reason: "malformed" });
  });

  // JSON.parse (jose's reader) keeps the last of two equal keys, another reader the first:
  // which alg or kid a token names must not depend on who reads it.
  it.each([
    ['alg "none", then "HS256"', '{"alg":"none","alg":"HS256","kid":"hs"}'],
    ["kid of another key, then the right one", '{"alg":"HS256","kid":"old","kid":"hs"}'],
    ["typ twice with the same value", '{"alg":"HS256","kid":"hs","typ":"JWT","typ":"JWT"}'],
    ["alg twice, once spelt as an escape", '{"alg":"HS256","\\u0061lg":"HS256","kid":"hs"}'],
  ])("refuses a correctly signed token whose header repeats a key: %s", async (_name, headerText) => {
    const token = await signHsOverHeaderText(headerText, BASE);
    expect(await verifyToken(token, keyring, TENANT)).toStrictEqual({ ok: false, reason: "malformed" });
  });

  it("accepts the same hand-signed header when it names each key once", async () => {
    const token = await signHsOverHeaderText('{"alg":"HS256","kid":"hs","typ":"JWT"}', BASE);
    expect(await verifyToken(token, keyring, TENANT)).toStrictEqual({ ok: true, kid: "hs", claims: BASE });
  });

  it("refuses a correctly signed payload that is not JSON", async () => {
    const token = await signRawHs("definitely not json");
    expect(await verifyToken(token, keyring, TENANT)).toStrictEqual({ ok: false, reason: "malformed" });
  });

  it("refuses a correctly signed payload that is not UTF-8 JSON", async () => {
    const token = await new CompactSign(new Uint8Array([0xff, 0xfe, 0x7b, 0x7d]))
      .setProtectedHeader({ alg: "HS256", kid: "hs" })
      .sign(SECRET);
    expect(await verifyToken(token, keyring, TENANT)).toStrictEqual({ ok: false, reason: "malformed" });
  });
});

describe("verifyToken: missing_kid and unknown_kid", () => {
  it("refuses a header without kid", async () => {
    const token = await new SignJWT(BASE).setProtectedHeader({ alg: "HS256" }).sign(SECRET);
    expect(await verifyToken(token, keyring, TENANT)).toStrictEqual({ ok: false, reason: "missing_kid" });
  });

  it("refuses an empty kid", async () => {
    expect(await verifyToken(await signHs(BASE, { kid: "" }), keyring, TENANT)).toStrictEqual({
      ok: false,
      reason: "missing_kid",
    });
  });

  it("refuses a kid that is not a string", async () => {
    const token = await signHs(BASE, { kid: 7 } as unknown as Partial<JWTHeaderParameters>);
    expect(await verifyToken(token, keyring, TENANT)).toStrictEqual({ ok: false, reason: "missing_kid" });
  });

  it("refuses a kid the tenant does not have", async () => {
    expect(await verifyToken(await signHs(BASE, { kid: "retired" }), keyring, TENANT)).toStrictEqual({
      ok: false,
      reason: "unknown_kid",
    });
  });

  it("treats kids as case-sensitive", async () => {
    expect(await verifyToken(await signHs(BASE, { kid: "HS" }), keyring, TENANT)).toStrictEqual({
      ok: false,
      reason: "unknown_kid",
    });
  });

  it("refuses every token when the tenant has no keys", async () => {
    expect(await verifyToken(await signHs(BASE), new Map(), TENANT)).toStrictEqual({
      ok: false,
      reason: "unknown_kid",
    });
  });

  it("does not resolve prototype properties as kids", async () => {
    expect(await verifyToken(await signHs(BASE, { kid: "__proto__" }), keyring, TENANT)).toStrictEqual({
      ok: false,
      reason: "unknown_kid",
    });
  });
});

describe("verifyToken: wrong_alg", () => {
  it.each(["HS384", "HS512"])("refuses an HMAC token signed with %s on an HS256 kid", async (alg) => {
    const token = await signHs(BASE, { alg });
    expect(await verifyToken(token, keyring, TENANT)).toStrictEqual({ ok: false, reason: "wrong_alg" });
  });

  it("refuses an RS256 token", async () => {
    const rsa = await crypto.subtle.generateKey(
      { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
      false,
      ["sign", "verify"],
    );
    if (!("privateKey" in rsa)) throw new Error("expected a key pair");
    const token = await new SignJWT(BASE).setProtectedHeader({ alg: "RS256", kid: "hs" }).sign(rsa.privateKey);
    expect(await verifyToken(token, keyring, TENANT)).toStrictEqual({ ok: false, reason: "wrong_alg" });
  });

  it.each(["ES256", "PS256", "none", "None", "hs256", "EDDSA", "Ed25519"])(
    "refuses a header with alg %s",
    async (alg) => {
      expect(await verifyToken(forge({ alg, kid: "hs" }, BASE), keyring, TENANT)).toStrictEqual({
        ok: false,
        reason: "wrong_alg",
      });
    },
  );

  it("never accepts an unsecured alg:none token with an empty signature", async () => {
    const token = `${base64url.encode(JSON.stringify({ alg: "none", kid: "hs" }))}.${base64url.encode(JSON.stringify(BASE))}.`;
    const verdict = await verifyToken(token, keyring, TENANT);
    expect(verdict.ok).toBe(false);
    // Either reason maps to invalid_token; the empty third segment is caught by the shape check.
    expect(verdict).toStrictEqual({ ok: false, reason: "malformed" });
  });

  it("refuses an HS256 header on an EdDSA kid, even when the HMAC secret is the public key (alg confusion)", async () => {
    const publicBytes = base64url.decode(edJwk.x ?? "");
    expect(publicBytes.length).toBe(32);
    const token = await signHs(BASE, { kid: "ed" }, publicBytes);
    expect(await verifyToken(token, keyring, TENANT)).toStrictEqual({ ok: false, reason: "wrong_alg" });
  });

  it("refuses an HS256 header on an EdDSA kid signed with the public JWK text as secret", async () => {
    const token = await signHs(BASE, { kid: "ed" }, encoder.encode(JSON.stringify(edJwk)));
    expect(await verifyToken(token, keyring, TENANT)).toStrictEqual({ ok: false, reason: "wrong_alg" });
  });

  it("refuses an EdDSA header on an HS256 kid (alg confusion the other way)", async () => {
    const token = await signEd(BASE, "hs");
    expect(await verifyToken(token, keyring, TENANT)).toStrictEqual({ ok: false, reason: "wrong_alg" });
  });

  it("refuses a disallowed alg even when the kid is unknown or missing", async () => {
    expect(await verifyToken(forge({ alg: "HS512", kid: "nope" }, BASE), keyring, TENANT)).toStrictEqual({
      ok: false,
      reason: "wrong_alg",
    });
    expect(await verifyToken(forge({ alg: "HS512" }, BASE), keyring, TENANT)).toStrictEqual({
      ok: false,
      reason: "wrong_alg",
    });
  });
});

describe("verifyToken: bad_signature", () => {
  it("refuses an HS256 token signed with another secret", async () => {
    const token = await signHs(BASE, {}, encoder.encode("someone-elses-secret-0123456789ab"));
    expect(await verifyToken(token, keyring, TENANT)).toStrictEqual({ ok: false, reason: "bad_signature" });
  });

  it("refuses a token signed on the old key but naming the new kid", async () => {
    const token = await signHs(BASE, { kid: "hs" }, OLD_SECRET);
    expect(await verifyToken(token, keyring, TENANT)).toStrictEqual({ ok: false, reason: "bad_signature" });
  });

  it("refuses a token whose payload was swapped after signing (raised limit)", async () => {
    const [header, , signature] = segments(await signHs({ ...BASE, lim: 1 }));
    const tampered = `${header}.${base64url.encode(JSON.stringify({ ...BASE, lim: 1000 }))}.${signature}`;
    expect(await verifyToken(tampered, keyring, TENANT)).toStrictEqual({ ok: false, reason: "bad_signature" });
  });

  it("refuses a token whose header was swapped after signing (other kid)", async () => {
    const [, payload, signature] = segments(await signHs(BASE, { kid: "old" }, OLD_SECRET));
    const header = base64url.encode(JSON.stringify({ alg: "HS256", kid: "hs" }));
    expect(await verifyToken(`${header}.${payload}.${signature}`, keyring, TENANT)).toStrictEqual({
      ok: false,
      reason: "bad_signature",
    });
  });

  it("refuses an HS256 token with a flipped signature character", async () => {
    const [header, payload, signature] = segments(await signHs(BASE));
    const flipped = (signature.startsWith("A") ? "B" : "A") + signature.slice(1);
    expect(await verifyToken(`${header}.${payload}.${flipped}`, keyring, TENANT)).toStrictEqual({
      ok: false,
      reason: "bad_signature",
    });
  });

  it("refuses an HS256 token with a truncated signature", async () => {
    const [header, payload, signature] = segments(await signHs(BASE));
    expect(await verifyToken(`${header}.${payload}.${signature.slice(0, 20)}`, keyring, TENANT)).toStrictEqual({
      ok: false,
      reason: "bad_signature",
    });
  });

  it("refuses an EdDSA token signed by another key pair", async () => {
    const token = await signEd(BASE, "ed", otherEdPair.privateKey);
    expect(await verifyToken(token, keyring, TENANT)).toStrictEqual({ ok: false, reason: "bad_signature" });
  });

  it("refuses an EdDSA token whose payload was changed", async () => {
    const [header, , signature] = segments(await signEd(BASE));
    const tampered = `${header}.${base64url.encode(JSON.stringify({ ...BASE, fid: "other-file" }))}.${signature}`;
    expect(await verifyToken(tampered, keyring, TENANT)).toStrictEqual({ ok: false, reason: "bad_signature" });
  });

  it("refuses a forged signature on a known kid", async () => {
    expect(await verifyToken(forge({ alg: "HS256", kid: "hs" }, BASE), keyring, TENANT)).toStrictEqual({
      ok: false,
      reason: "bad_signature",
    });
    expect(await verifyToken(forge({ alg: "EdDSA", kid: "ed" }, BASE), keyring, TENANT)).toStrictEqual({
      ok: false,
      reason: "bad_signature",
    });
  });
});

describe("verifyToken: bad_claims", () => {
  const cases: [string, Record<string, unknown>][] = [
    ["iss is missing", { lid: "l", fid: "f" }],
    ["iss has capitals", { ...BASE, iss: "Shop-1" }],
    ["iss is empty", { ...BASE, iss: "" }],
    ["iss is longer than 40", { ...BASE, iss: "a".repeat(41) }],
    ["iss is a number", { ...BASE, iss: 1 }],
    ["lid is missing", { iss: TENANT, fid: "f" }],
    ["lid is empty", { ...BASE, lid: "" }],
    ["lid has a slash", { ...BASE, lid: "a/b" }],
    ["lid has a space", { ...BASE, lid: "a b" }],
    ["lid is longer than 64", { ...BASE, lid: "a".repeat(65) }],
    ["lid is a number", { ...BASE, lid: 12 }],
    ["fid is missing", { iss: TENANT, lid: "l" }],
    ["fid is empty", { ...BASE, fid: "" }],
    ["fid climbs out of the tenant's prefix", { ...BASE, fid: "../other/file" }],
    ["fid has a dot", { ...BASE, fid: "file.pdf" }],
    ["fid is longer than 128", { ...BASE, fid: "f".repeat(129) }],
    ["exp is a string", { ...BASE, exp: "2000000000" }],
    ["exp is negative", { ...BASE, exp: -1 }],
    ["exp is null", { ...BASE, exp: null }],
    ["nbf is a string", { ...BASE, nbf: "1600000000" }],
    ["nbf is negative", { ...BASE, nbf: -5 }],
    ["lim is 0", { ...BASE, lim: 0 }],
    ["lim is negative", { ...BASE, lim: -3 }],
    ["lim is fractional", { ...BASE, lim: 2.5 }],
    ["lim is a string", { ...BASE, lim: "3" }],
    ["ips is empty", { ...BASE, ips: [] }],
    ["ips is a string", { ...BASE, ips: "203.0.113.1" }],
    ["ips holds a non-address", { ...BASE, ips: ["localhost"] }],
    ["ips holds an out-of-range octet", { ...BASE, ips: ["256.1.1.1"] }],
    ["ips holds a /33 IPv4 block", { ...BASE, ips: ["10.0.0.0/33"] }],
    ["ips holds a /129 IPv6 block", { ...BASE, ips: ["2001:db8::/129"] }],
    ["ips holds a number", { ...BASE, ips: [167772161] }],
    ["ips has 65 entries", { ...BASE, ips: Array.from({ length: 65 }, (_, i) => `10.0.0.${i}`) }],
    ["dev is 0", { ...BASE, dev: 0 }],
    ["dev is fractional", { ...BASE, dev: 1.5 }],
    ["dev is a string", { ...BASE, dev: "2" }],
    ["sub is empty", { ...BASE, sub: "" }],
    ["sub is a number", { ...BASE, sub: 42 }],
    ["sub is longer than 256", { ...BASE, sub: "s".repeat(257) }],
    ["auth is the string true", { ...BASE, auth: "true" }],
    ["auth is 1", { ...BASE, auth: 1 }],
    ["fn is empty", { ...BASE, fn: "" }],
    ["fn is longer than 255", { ...BASE, fn: "n".repeat(256) }],
    ["fn is an array", { ...BASE, fn: ["a.pdf"] }],
    ["ord is empty", { ...BASE, ord: "" }],
    ["ord is a number", { ...BASE, ord: 1001 }],
    ["ord is longer than 128", { ...BASE, ord: "o".repeat(129) }],
  ];

  it.each(cases)("refuses a correctly signed token when %s", async (_name, payload) => {
    expect(await verifyToken(await signHs(payload), keyring, TENANT)).toStrictEqual({
      ok: false,
      reason: "bad_claims",
    });
  });

  it("refuses an exp that overflows to Infinity", async () => {
    const token = await signRawHs(`{"iss":"${TENANT}","lid":"l","fid":"f","exp":1e400}`);
    expect(await verifyToken(token, keyring, TENANT)).toStrictEqual({ ok: false, reason: "bad_claims" });
  });

  it("refuses a correctly signed token that gives a claim twice (the last would win, widening ips)", async () => {
    const token = await signRawHs(
      `{"iss":"${TENANT}","lid":"l","fid":"f","ips":["203.0.113.0/24"],"ips":["0.0.0.0/0"]}`,
    );
    expect(await verifyToken(token, keyring, TENANT)).toStrictEqual({ ok: false, reason: "bad_claims" });
  });

  it.each([
    ["an array", "[1,2,3]"],
    ["null", "null"],
    ["a string", '"shop-1"'],
    ["a number", "42"],
  ])("refuses a correctly signed payload that is %s", async (_name, payload) => {
    expect(await verifyToken(await signRawHs(payload), keyring, TENANT)).toStrictEqual({
      ok: false,
      reason: "bad_claims",
    });
  });

  it("judges claims with the same schema the claims module exports", () => {
    expect(claimsSchema.safeParse({ ...BASE, lim: 0 }).success).toBe(false);
    expect(claimsSchema.parse({ ...BASE, extra: 1 })).toStrictEqual(BASE);
  });
});

describe("verifyToken: numeric claims stay in a range the gateway can compute with", () => {
  // A validly signed exp of 1e308 used to reach Date#toISOString in /info (RangeError → 503).
  it.each([
    ["exp is 1e308", { exp: 1e308 }],
    ["exp is one ms past Date's range (8640000000001)", { exp: 8_640_000_000_001 }],
    ["exp is one second past 9999-12-31T23:59:59Z", { exp: MAX_NUMERIC_DATE + 1 }],
    ["nbf is 1e308", { nbf: 1e308 }],
    ["nbf is one second past year 9999", { nbf: MAX_NUMERIC_DATE + 1 }],
    ["lim is 2^53", { lim: 2 ** 53 }],
    ["lim is 2^31", { lim: 2 ** 31 }],
    ["dev is 1e300", { dev: 1e300 }],
    ["dev is 2^31", { dev: 2 ** 31 }],
  ])("refuses a correctly signed token when %s", async (_name, extra) => {
    expect(await verifyToken(await signHs({ ...BASE, ...extra }), keyring, TENANT)).toStrictEqual({
      ok: false,
      reason: "bad_claims",
    });
  });

  it("accepts each bound itself: exp and nbf at 9999-12-31T23:59:59Z, lim and dev at 2^31 - 1", async () => {
    const claims = { ...BASE, exp: MAX_NUMERIC_DATE, nbf: MAX_NUMERIC_DATE, lim: MAX_COUNT, dev: MAX_COUNT };
    expect(new Date(MAX_NUMERIC_DATE * 1000).toISOString()).toBe("9999-12-31T23:59:59.000Z");
    expect(MAX_COUNT).toBe(2_147_483_647);
    expect(await verifyToken(await signHs(claims), keyring, TENANT)).toStrictEqual({ ok: true, kid: "hs", claims });
  });

  it("accepts a fractional NumericDate (RFC 7519 §2 allows one)", async () => {
    const claims = { ...BASE, exp: 2_000_000_000.5 };
    expect(await verifyToken(await signHs(claims), keyring, TENANT)).toStrictEqual({ ok: true, kid: "hs", claims });
  });
});

describe("verifyToken: wrong_tenant", () => {
  it("refuses a valid token issued for another tenant", async () => {
    const token = await signHs({ ...BASE, iss: "other-shop" });
    expect(await verifyToken(token, keyring, TENANT)).toStrictEqual({ ok: false, reason: "wrong_tenant" });
  });

  it("refuses a valid token when the request's tenant differs", async () => {
    expect(await verifyToken(await signHs(BASE), keyring, "shop-2")).toStrictEqual({
      ok: false,
      reason: "wrong_tenant",
    });
  });

  it("checks the signature before the tenant", async () => {
    const token = await signHs({ ...BASE, iss: "other-shop" }, {}, OLD_SECRET);
    expect(await verifyToken(token, keyring, TENANT)).toStrictEqual({ ok: false, reason: "bad_signature" });
  });
});

describe("importEd25519PublicKey", () => {
  it("keeps only the public part of a JWK and yields a verify-only key", async () => {
    const privateJwk = await crypto.subtle.exportKey("jwk", edPair.privateKey);
    if (privateJwk instanceof ArrayBuffer) throw new Error("expected a JWK");
    expect(typeof privateJwk.d).toBe("string");
    const key = await importEd25519PublicKey(privateJwk);
    expect(key.type).toBe("public");
    expect(key.usages).toStrictEqual(["verify"]);
    const token = await signEd(BASE);
    const ring: Keyring = new Map([["ed", { kid: "ed", alg: "EdDSA", key }]]);
    expect(await verifyToken(token, ring, TENANT)).toMatchObject({ ok: true, kid: "ed" });
  });

  it("rejects a JWK without x", async () => {
    await expect(importEd25519PublicKey({ kty: "OKP", crv: "Ed25519" })).rejects.toThrow();
  });
});
