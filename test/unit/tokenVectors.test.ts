/**
 * docs/token-vectors.json is the contract origins in other languages test their signers
 * against (docs/TOKEN.md "Test vectors"). This file checks the gateway against it:
 * every token is reproduced byte for byte from its header, claims and key (HS256 and
 * Ed25519 are deterministic), the SDK signer produces the same bytes, `verifyToken` and
 * `decideAccess` give the documented verdicts, and the Worker answers the documented
 * status and error code.
 */
import { env } from "cloudflare:workers";
import { base64url, CompactSign } from "jose";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import vectorFile from "../../docs/token-vectors.json";
import { ERROR_STATUS } from "../../src/http/HttpError.ts";
import { decideAccess } from "../../src/policy/decideAccess.ts";
import { grantClaims, signDownloadToken, type LinkGrant, type SigningKey } from "../../src/sdk/sign.ts";
import { encryptSecret } from "../../src/tenants/secretBox.ts";
import { importEd25519PublicKey, importHmacKey, type Keyring, type VerificationKey } from "../../src/token/keyring.ts";
import { verifyToken, type TokenFailure } from "../../src/token/verifyToken.ts";
import { gatewayRaw } from "../helpers/fixtures.ts";
import { linkState } from "../helpers/linkState.ts";

// The file's format, as docs/TOKEN.md documents it. Parsing it here keeps the two in step.
const publicJwk = z.object({ kty: z.literal("OKP"), crv: z.literal("Ed25519"), x: z.string() });
const privateJwk = publicJwk.extend({ d: z.string() });
const keySchema = z.discriminatedUnion("alg", [
  z.object({ kid: z.string(), alg: z.literal("HS256"), secret: z.string(), note: z.string().optional() }),
  z.object({
    kid: z.string(),
    alg: z.literal("EdDSA"),
    public_jwk: publicJwk,
    private_jwk: privateJwk,
    note: z.string().optional(),
  }),
]);
const TOKEN_FAILURES = [
  "too_long",
  "malformed",
  "missing_kid",
  "unknown_kid",
  "wrong_alg",
  "bad_signature",
  "bad_claims",
  "wrong_tenant",
] as const satisfies readonly TokenFailure[];
const vectorSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9-]+$/),
    description: z.string().min(1),
    clock_sensitive: z.literal(true).optional(),
    header: z.record(z.string(), z.unknown()).nullable(),
    claims: z.record(z.string(), z.unknown()).nullable().optional(),
    payload: z.string().optional(),
    signing: z
      .object({
        key: z.string(),
        hmac_key: z.enum(["base64url-decoded secret", "UTF-8 bytes of public_jwk.x"]).optional(),
      })
      .nullable(),
    token: z.string(),
    expect: z.object({
      verify: z.enum(["ok", ...TOKEN_FAILURES]),
      access: z.enum(["ok", "expired", "not_yet_valid"]).nullable(),
      error: z.enum(["invalid_token", "expired", "not_yet_valid"]).nullable(),
      status: z.union([z.literal(200), z.literal(403), z.literal(410)]),
    }),
  })
  .strict();
const fileSchema = z
  .object({
    $comment: z.string(),
    version: z.literal(1),
    tenant: z.string(),
    now: z.number().int(),
    client_ip: z.string(),
    keys: z.array(keySchema),
    other_keys: z.array(keySchema),
    vectors: z.array(vectorSchema).min(1),
  })
  .strict();

type Vector = z.infer<typeof vectorSchema>;
type Key = z.infer<typeof keySchema>;

const doc = fileSchema.parse(vectorFile);
const encoder = new TextEncoder();
const allKeys = new Map<string, Key>([...doc.keys, ...doc.other_keys].map((k) => [k.kid, k]));
const signed = doc.vectors.filter((v) => v.signing !== null);
const stable = doc.vectors.filter((v) => !v.clock_sensitive);

function key(kid: string): Key {
  const found = allKeys.get(kid);
  if (!found) throw new Error(`no key ${kid} in the vector file`);
  return found;
}

function ed25519PrivateKey(jwk: z.infer<typeof privateJwk>): Promise<CryptoKey> {
  return crypto.subtle.importKey("jwk", jwk, { name: "Ed25519" }, false, ["sign"]);
}

/** The signing input's key, exactly as the vector's `signing` describes it. */
async function signingMaterial(vector: Vector): Promise<Uint8Array | CryptoKey> {
  const signing = vector.signing;
  if (!signing) throw new Error(`${vector.name} is not signed by a known key`);
  const k = key(signing.key);
  if (signing.hmac_key === "base64url-decoded secret" && k.alg === "HS256") return base64url.decode(k.secret);
  if (signing.hmac_key === "UTF-8 bytes of public_jwk.x" && k.alg === "EdDSA") return encoder.encode(k.public_jwk.x);
  if (signing.hmac_key !== undefined) throw new Error(`${vector.name}: hmac_key does not fit key ${k.kid}`);
  return k.alg === "HS256" ? encoder.encode(k.secret) : ed25519PrivateKey(k.private_jwk);
}

/** The payload bytes: the raw `payload`, else the claims as compact JSON in their listed order. */
function payloadOf(vector: Vector): string {
  if (vector.payload !== undefined) return vector.payload;
  return JSON.stringify(vector.claims);
}

const keyring: Keyring = new Map(
  await Promise.all(
    doc.keys.map(async (k): Promise<[string, VerificationKey]> => {
      const cryptoKey =
        k.alg === "HS256" ? await importHmacKey(encoder.encode(k.secret)) : await importEd25519PublicKey(k.public_jwk);
      return [k.kid, { kid: k.kid, alg: k.alg, key: cryptoKey }];
    }),
  ),
);

async function verdictAt(vector: Vector, nowSeconds: number): Promise<{ verify: string; access: string | null }> {
  const result = await verifyToken(vector.token, keyring, doc.tenant);
  if (!result.ok) return { verify: result.reason, access: null };
  const decision = decideAccess(
    {
      claims: result.claims,
      clientIp: doc.client_ip,
      device: "vector-device",
      delivers: true,
      sendsBody: true,
      rangeStart: null,
      now: nowSeconds * 1000,
      resumeWindowMs: 86_400_000,
    },
    linkState(),
  );
  return { verify: "ok", access: decision.ok ? "ok" : decision.reason };
}

/** The grant `signDownloadToken` needs to produce these claims, or null when it never would. */
function grantFor(claims: Record<string, unknown>): { grant: LinkGrant; iat: number } | null {
  const { iss, lid, fid, iat, exp, nbf, lim, ips, dev, sub, auth, fn, ord } = claims;
  if (typeof iss !== "string" || typeof lid !== "string" || typeof fid !== "string" || typeof iat !== "number")
    return null;
  const grant: LinkGrant = { tenant: iss, link: lid, file: fid };
  if (typeof exp === "number") grant.expires = exp;
  if (typeof nbf === "number") grant.notBefore = nbf;
  if (typeof lim === "number") grant.limit = lim;
  if (Array.isArray(ips)) grant.ips = ips as string[];
  if (typeof dev === "number") grant.devices = dev;
  if (typeof sub === "string") grant.customer = sub;
  if (auth === true) grant.requireLogin = true;
  if (typeof fn === "string") grant.filename = fn;
  if (typeof ord === "string") grant.order = ord;
  // Only when the SDK would build exactly these claims, in this order (it refuses to sign claims the gateway refuses).
  let built: Record<string, unknown>;
  try {
    built = grantClaims(grant, iat);
  } catch {
    return null;
  }
  return JSON.stringify(built) === JSON.stringify(claims) ? { grant, iat } : null;
}

const SDK_HEADER_KEYS = ["alg", "kid", "typ"];

/** Vectors the SDK can reproduce: its header ({alg, kid, typ: "JWT"}), a registered key as is, SDK-shaped claims. */
function sdkReproducible(vector: Vector): boolean {
  const h = vector.header;
  return (
    h !== null &&
    JSON.stringify(Object.keys(h)) === JSON.stringify(SDK_HEADER_KEYS) &&
    h.typ === "JWT" &&
    vector.signing !== null &&
    vector.signing.hmac_key === undefined &&
    key(vector.signing.key).alg === h.alg &&
    vector.claims != null &&
    grantFor(vector.claims) !== null
  );
}

describe("the vector file", () => {
  it("has unique names and consistent verdicts", () => {
    expect(new Set(doc.vectors.map((v) => v.name)).size).toBe(doc.vectors.length);
    for (const v of doc.vectors) {
      const { verify, access, error, status } = v.expect;
      if (verify !== "ok") {
        expect({ name: v.name, access, error }).toEqual({ name: v.name, access: null, error: "invalid_token" });
      } else {
        expect({ name: v.name, error }).toEqual({ name: v.name, error: access === "ok" ? null : access });
      }
      expect({ name: v.name, status }).toEqual({ name: v.name, status: error === null ? 200 : ERROR_STATUS[error] });
      if (v.header === null) expect(v.signing).toBeNull();
    }
  });

  it("covers every way a token can fail, and both algorithms", () => {
    const reasons = new Set(doc.vectors.map((v) => v.expect.verify));
    for (const reason of TOKEN_FAILURES) expect(reasons).toContain(reason);
    const outcomes = new Set(doc.vectors.map((v) => v.expect.access));
    expect([...outcomes].sort()).toEqual(["expired", "not_yet_valid", "ok", null].sort());
    const okAlgs = new Set(doc.vectors.filter((v) => v.expect.access === "ok").map((v) => v.header?.alg));
    expect(okAlgs).toEqual(new Set(["HS256", "EdDSA"]));
  });

  it("holds an Ed25519 key pair whose halves belong together", async () => {
    for (const k of [...doc.keys, ...doc.other_keys]) {
      if (k.alg !== "EdDSA") continue;
      expect(k.private_jwk.x).toBe(k.public_jwk.x);
      const message = encoder.encode("pair check");
      const signature = await crypto.subtle.sign("Ed25519", await ed25519PrivateKey(k.private_jwk), message);
      const verifier = await importEd25519PublicKey(k.public_jwk);
      expect(await crypto.subtle.verify("Ed25519", verifier, signature, message)).toBe(true);
    }
  });
});

describe("tokens are byte-identical to their header, claims and key", () => {
  it.each(signed.map((v) => [v.name, v] as const))("%s", async (_name, vector) => {
    if (!vector.header) throw new Error("a signed vector needs a header");
    const token = await new CompactSign(encoder.encode(payloadOf(vector)))
      .setProtectedHeader(vector.header as { alg: string })
      .sign(await signingMaterial(vector));
    expect(token).toBe(vector.token);
  });

  it("signs malformed-header-repeated-alg correctly with vec-hs: only its repeated header key is wrong", async () => {
    const vector = doc.vectors.find((v) => v.name === "malformed-header-repeated-alg");
    if (!vector) throw new Error("no malformed-header-repeated-alg vector");
    const [header = "", payload = "", signature = ""] = vector.token.split(".");
    expect(new TextDecoder().decode(base64url.decode(header))).toBe(
      '{"alg":"none","alg":"HS256","kid":"vec-hs","typ":"JWT"}',
    );
    expect(JSON.parse(new TextDecoder().decode(base64url.decode(payload)))).toEqual(vector.claims);
    const vecHs = key("vec-hs");
    if (vecHs.alg !== "HS256") throw new Error("vec-hs is an HS256 key");
    const hmac = await importHmacKey(encoder.encode(vecHs.secret));
    expect(
      await crypto.subtle.verify("HMAC", hmac, base64url.decode(signature), encoder.encode(`${header}.${payload}`)),
    ).toBe(true);
  });

  it("re-encodes the hand-made tokens' header and claims where they have them", () => {
    for (const v of doc.vectors.filter((x) => x.signing === null && x.header !== null && x.claims)) {
      const [header = "", payload = ""] = v.token.split(".");
      expect(JSON.parse(new TextDecoder().decode(base64url.decode(header)))).toEqual(v.header);
      expect(JSON.parse(new TextDecoder().decode(base64url.decode(payload)))).toEqual(v.claims);
    }
  });
});

describe("the SDK signer (dlgate/sign) produces the vectors' exact bytes", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  const reproducible = doc.vectors.filter(sdkReproducible);

  it("can reproduce at least the valid, expired and not-yet-valid vectors of both algorithms", () => {
    expect(reproducible.map((v) => v.name)).toEqual(
      expect.arrayContaining(["valid-hs256", "valid-hs256-every-claim", "valid-eddsa", "expired", "not-yet-valid"]),
    );
  });

  it.each(reproducible.map((v) => [v.name, v] as const))("%s", async (_name, vector) => {
    const { grant, iat } = grantFor(vector.claims ?? {}) ?? { grant: null, iat: 0 };
    if (!grant || !vector.signing) throw new Error("not reproducible");
    const k = key(vector.signing.key);
    const signingKey: SigningKey =
      k.alg === "HS256"
        ? { kid: String(vector.header?.kid), secret: k.secret }
        : { kid: String(vector.header?.kid), alg: "EdDSA", privateKey: await ed25519PrivateKey(k.private_jwk) };
    // The SDK stamps iat from the clock; pin it to the vector's.
    vi.spyOn(Date, "now").mockReturnValue(iat * 1000);
    expect(await signDownloadToken(grant, signingKey)).toBe(vector.token);
  });
});

describe("verdicts of verifyToken and decideAccess", () => {
  it.each(doc.vectors.map((v) => [v.name, v] as const))("%s at the file's `now`", async (_name, vector) => {
    expect(await verdictAt(vector, doc.now)).toEqual({ verify: vector.expect.verify, access: vector.expect.access });
  });

  it.each(stable.map((v) => [v.name, v] as const))("%s today (not clock-sensitive)", async (_name, vector) => {
    const today = Math.floor(Date.now() / 1000);
    expect(await verdictAt(vector, today)).toEqual({ verify: vector.expect.verify, access: vector.expect.access });
  });
});

describe("the Worker answers the documented status and error", () => {
  const fileIds = new Set(
    doc.vectors.flatMap((v) => (v.claims && typeof v.claims.fid === "string" ? [v.claims.fid] : [])),
  );

  beforeAll(async () => {
    const statements = [
      env.DB.prepare("INSERT OR IGNORE INTO tenants (id, name, settings) VALUES (?, ?, '{}')").bind(
        doc.tenant,
        "Token vectors",
      ),
    ];
    for (const k of doc.keys) {
      statements.push(
        k.alg === "HS256"
          ? env.DB.prepare(
              "INSERT OR IGNORE INTO signing_keys (tenant_id, kid, alg, secret_enc) VALUES (?, ?, 'HS256', ?)",
            ).bind(doc.tenant, k.kid, await encryptSecret(env.MASTER_KEY, encoder.encode(k.secret)))
          : env.DB.prepare(
              "INSERT OR IGNORE INTO signing_keys (tenant_id, kid, alg, public_jwk) VALUES (?, ?, 'EdDSA', ?)",
            ).bind(doc.tenant, k.kid, JSON.stringify(k.public_jwk)),
      );
    }
    await env.DB.batch(statements);
    for (const id of fileIds) {
      await env.FILES.put(`${doc.tenant}/${id}`, encoder.encode("token vector file\n"), {
        httpMetadata: { contentType: "text/plain" },
      });
    }
  });

  function request(token: string, method: "GET" | "HEAD", suffix = ""): Promise<Response> {
    return gatewayRaw(`https://vectors.test/api/${doc.tenant}/downloads/${token}${suffix}`, {
      method,
      headers: {
        "CF-Connecting-IP": doc.client_ip,
        "User-Agent": "dlgate-token-vectors/1",
        Accept: "application/json",
      },
    });
  }

  it.each(stable.map((v) => [v.name, v] as const))("%s", async (_name, vector) => {
    if (vector.expect.status === 200) {
      // HEAD: the full verdict of a download, without counting one.
      const head = await request(vector.token, "HEAD");
      expect(head.status).toBe(200);
      const info = await request(vector.token, "GET", "/info");
      expect(info.status).toBe(200);
      expect(await info.json()).toMatchObject({ is_expired: false, revoked: false });
      return;
    }
    const response = await request(vector.token, "GET");
    const body: { error?: unknown } = await response.json();
    expect({ status: response.status, error: body.error }).toEqual({
      status: vector.expect.status,
      error: vector.expect.error,
    });
  });
});
