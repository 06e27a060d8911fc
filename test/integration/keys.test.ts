/**
 * Signing keys and tenants (docs/CONTRACT.md §2–3): rotation, retirement, EdDSA, and one
 * tenant's token never working for another.
 */
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { signDownloadToken } from "../../src/sdk/sign.ts";
import { base64url } from "../../src/utils/encoding.ts";
import {
  bytesOf,
  createTenant,
  gateway,
  putFile,
  sign,
  signLink,
  uid,
  type TestLink,
  type TestTenant,
} from "../helpers/fixtures.ts";

async function downloadStatus(tenant: TestTenant, token: string, path = `/downloads/${token}`) {
  const response = await gateway(tenant, path);
  const body = await bytesOf(response);
  return { status: response.status, body };
}

function errorOf(body: Uint8Array): unknown {
  return (JSON.parse(new TextDecoder().decode(body)) as { error?: unknown }).error;
}

async function ed25519Pair(): Promise<{ privateKey: CryptoKey; jwk: JsonWebKey }> {
  const pair = await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"]);
  if (!("privateKey" in pair)) throw new Error("expected a key pair");
  const jwk = await crypto.subtle.exportKey("jwk", pair.publicKey);
  if (jwk instanceof ArrayBuffer) throw new Error("expected a JWK");
  return { privateKey: pair.privateKey, jwk };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("key rotation", () => {
  it("accepts tokens of the old and the new kid side by side, each counting on its link", async () => {
    const tenant = await createTenant({ extraKeys: { k2: "the-new-secret-0123456789abcdef" } });
    const file = await putFile(tenant);
    const old = await signLink(tenant, file);
    const fresh = await signLink(tenant, file, {}, { kid: "k2", secret: "the-new-secret-0123456789abcdef" });
    for (const link of [old, fresh]) {
      const result = await downloadStatus(tenant, link.token);
      expect(result.status).toBe(200);
      expect(result.body).toEqual(file.bytes);
      expect((await link.stub.snapshot()).count).toBe(1);
    }
  });

  it("refuses a token of a retired kid with invalid_token and counts nothing", async () => {
    const tenant = await createTenant({ retiredKeys: { k0: "the-retired-secret-0123456789ab" } });
    const file = await putFile(tenant);
    const link = await signLink(tenant, file, {}, { kid: "k0", secret: "the-retired-secret-0123456789ab" });
    const result = await downloadStatus(tenant, link.token);
    expect(result.status).toBe(403);
    expect(errorOf(result.body)).toBe("invalid_token");
    expect((await link.stub.snapshot()).count).toBe(0);
  });

  it("refuses a kid retired in D1 once the 30 s tenant cache has expired", async () => {
    const secret = "soon-retired-secret-0123456789ab";
    const tenant = await createTenant({ extraKeys: { k2: secret } });
    const file = await putFile(tenant);
    const token = await sign(tenant, file, {}, { kid: "k2", secret });
    expect((await downloadStatus(tenant, token)).status).toBe(200);
    await env.DB.prepare("UPDATE signing_keys SET status = 'retired' WHERE tenant_id = ? AND kid = 'k2'")
      .bind(tenant.id)
      .run();
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 31_000);
    const result = await downloadStatus(tenant, await sign(tenant, file, {}, { kid: "k2", secret }));
    expect(result.status).toBe(403);
    expect(errorOf(result.body)).toBe("invalid_token");
    // The remaining key still works.
    expect((await downloadStatus(tenant, await sign(tenant, file))).status).toBe(200);
  });
});

describe("EdDSA", () => {
  it("serves a token signed with Ed25519 whose public key the tenant registered", async () => {
    const { privateKey, jwk } = await ed25519Pair();
    const tenant = await createTenant({ edKeys: { ed1: jwk } });
    const file = await putFile(tenant);
    const link = await signLink(tenant, file, { limit: 1 }, { kid: "ed1", alg: "EdDSA", privateKey });
    const result = await downloadStatus(tenant, link.token);
    expect(result.status).toBe(200);
    expect(result.body).toEqual(file.bytes);
    expect((await link.stub.snapshot()).count).toBe(1);
  });

  it("refuses an Ed25519 token signed by another private key under the registered kid", async () => {
    const registered = await ed25519Pair();
    const intruder = await ed25519Pair();
    const tenant = await createTenant({ edKeys: { ed1: registered.jwk } });
    const file = await putFile(tenant);
    const link = await signLink(tenant, file, {}, { kid: "ed1", alg: "EdDSA", privateKey: intruder.privateKey });
    const result = await downloadStatus(tenant, link.token);
    expect(result.status).toBe(403);
    expect(errorOf(result.body)).toBe("invalid_token");
    expect((await link.stub.snapshot()).count).toBe(0);
  });

  it("refuses an HS256 token that names the EdDSA kid (no algorithm confusion)", async () => {
    const { jwk } = await ed25519Pair();
    const tenant = await createTenant({ edKeys: { ed1: jwk } });
    const file = await putFile(tenant);
    // The attacker knows the public key; using it as an HMAC secret must not verify.
    const token = await signDownloadToken(
      { tenant: tenant.id, link: uid("l"), file: file.id },
      { kid: "ed1", secret: JSON.stringify(jwk) },
    );
    const result = await downloadStatus(tenant, token);
    expect(result.status).toBe(403);
    expect(errorOf(result.body)).toBe("invalid_token");
  });
});

describe("EdDSA keys anyone could sign for", () => {
  /** A token for `tenant`'s key `kid` signed by no one: R = the identity point, S = 0. */
  async function forgedToken(tenant: TestTenant, fileId: string, kid: string): Promise<string> {
    const part = (value: unknown) => base64url(new TextEncoder().encode(JSON.stringify(value)));
    const signature = new Uint8Array(64);
    signature[0] = 1; // the identity point's encoding: y = 1
    const claims = { iss: tenant.id, lid: uid("l"), fid: fileId, iat: Math.floor(Date.now() / 1000) };
    return `${part({ alg: "EdDSA", kid, typ: "JWT" })}.${part(claims)}.${base64url(signature)}`;
  }

  it("never verifies a token with a small-order key stored before registration refused them", async () => {
    // The identity point as the public key: WebCrypto's verify accepts the signature above
    // for any message, so without the import check this link would be served.
    const identity = base64url(Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 1 : 0)));
    const { privateKey, jwk } = await ed25519Pair();
    const tenant = await createTenant({ edKeys: { weak: { kty: "OKP", crv: "Ed25519", x: identity }, ed1: jwk } });
    const file = await putFile(tenant);
    const forged = await downloadStatus(tenant, await forgedToken(tenant, file.id, "weak"));
    expect(forged.status).toBe(403);
    expect(errorOf(forged.body)).toBe("invalid_token");
    // The tenant's sound key still loads beside the refused one.
    const link = await signLink(tenant, file, { limit: 1 }, { kid: "ed1", alg: "EdDSA", privateKey });
    expect((await downloadStatus(tenant, link.token)).status).toBe(200);
    expect((await link.stub.snapshot()).count).toBe(1);
  });
});

describe("tenants are isolated", () => {
  async function twoTenants(): Promise<{ a: TestTenant; b: TestTenant; link: TestLink }> {
    const a = await createTenant();
    const b = await createTenant();
    const file = await putFile(a);
    // B holds a file of the same id, so only the token check stands between A's link and B's file.
    await putFile(b, { id: file.id });
    return { a, b, link: await signLink(a, file) };
  }

  it("serves tenant A's token on A's host", async () => {
    const { a, link } = await twoTenants();
    expect((await downloadStatus(a, link.token)).status).toBe(200);
    expect((await link.stub.snapshot()).count).toBe(1);
  });

  it("refuses tenant A's token on tenant B's host and counts nothing", async () => {
    const { a, b, link } = await twoTenants();
    const result = await downloadStatus(b, link.token);
    expect(result.status).toBe(403);
    expect(errorOf(result.body)).toBe("invalid_token");
    expect((await link.stub.snapshot()).count).toBe(0);
    expect(await gateway(a, `/downloads/${link.token}/info`).then((r) => r.json())).toMatchObject({
      download_count: 0,
    });
  });

  it("refuses tenant A's token under /api/<B>/ and serves it under /api/<A>/ on an unknown host", async () => {
    const { a, b, link } = await twoTenants();
    const stranger = { ...a, host: "no-tenant-here.test" };
    const refused = await downloadStatus(stranger, link.token, `/api/${b.id}/downloads/${link.token}`);
    expect(refused.status).toBe(403);
    expect(errorOf(refused.body)).toBe("invalid_token");
    expect((await link.stub.snapshot()).count).toBe(0);
    const served = await downloadStatus(stranger, link.token, `/api/${a.id}/downloads/${link.token}`);
    expect(served.status).toBe(200);
    expect((await link.stub.snapshot()).count).toBe(1);
  });

  it("refuses any token on a host that belongs to no tenant", async () => {
    const { a, link } = await twoTenants();
    const result = await downloadStatus({ ...a, host: "no-tenant-here.test" }, link.token);
    expect(result.status).toBe(403);
    expect(errorOf(result.body)).toBe("invalid_token");
  });

  it("keeps separate counts for the same link id in two tenants", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const fileA = await putFile(a);
    const fileB = await putFile(b);
    const linkId = uid("shared");
    const linkA = await signLink(a, fileA, { link: linkId, limit: 1 });
    const linkB = await signLink(b, fileB, { link: linkId, limit: 1 });
    expect((await downloadStatus(a, linkA.token)).status).toBe(200);
    expect((await downloadStatus(b, linkB.token)).status).toBe(200);
    expect((await linkA.stub.snapshot()).count).toBe(1);
    expect((await linkB.stub.snapshot()).count).toBe(1);
  });
});
