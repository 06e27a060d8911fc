/**
 * Test fixtures: real tenants in D1, real objects in R2, real signed tokens. Every
 * fixture gets fresh ids, so tests never share a link count.
 */
import { env, exports } from "cloudflare:workers";
import { encryptSecret } from "../../src/tenants/secretBox.ts";
import { signDownloadToken, type LinkGrant, type SigningKey } from "../../src/sdk/sign.ts";

let sequence = 0;
/** A unique id with a readable prefix. */
export function uid(prefix: string): string {
  sequence += 1;
  return `${prefix}-${Date.now().toString(36)}-${sequence}`;
}

export interface TestTenant {
  id: string;
  host: string;
  key: SigningKey & { kid: string };
}

export interface TenantOptions {
  settings?: Record<string, unknown>;
  /** Extra HS256 keys: kid → secret. */
  extraKeys?: Record<string, string>;
  /** Keys inserted as retired: kid → secret. */
  retiredKeys?: Record<string, string>;
  /** EdDSA public keys: kid → JWK. */
  edKeys?: Record<string, JsonWebKey>;
}

export async function hmacRow(tenantId: string, kid: string, secret: string, status = "active") {
  const box = await encryptSecret(env.MASTER_KEY, new TextEncoder().encode(secret));
  return env.DB.prepare(
    "INSERT INTO signing_keys (tenant_id, kid, alg, secret_enc, status) VALUES (?, ?, 'HS256', ?, ?)",
  ).bind(tenantId, kid, box, status);
}

/** A tenant with one HS256 key (kid "k1") and host `<id>.test`. */
export async function createTenant(options: TenantOptions = {}): Promise<TestTenant> {
  const id = uid("t");
  const host = `${id}.test`;
  const secret = `secret-${id}-0123456789abcdef`;
  const statements = [
    env.DB.prepare("INSERT INTO tenants (id, name, settings) VALUES (?, ?, ?)").bind(
      id,
      `Store ${id}`,
      JSON.stringify(options.settings ?? {}),
    ),
    env.DB.prepare("INSERT INTO tenant_hosts (host, tenant_id) VALUES (?, ?)").bind(host, id),
    await hmacRow(id, "k1", secret),
  ];
  for (const [kid, s] of Object.entries(options.extraKeys ?? {})) statements.push(await hmacRow(id, kid, s));
  for (const [kid, s] of Object.entries(options.retiredKeys ?? {}))
    statements.push(await hmacRow(id, kid, s, "retired"));
  for (const [kid, jwk] of Object.entries(options.edKeys ?? {})) {
    statements.push(
      env.DB.prepare("INSERT INTO signing_keys (tenant_id, kid, alg, public_jwk) VALUES (?, ?, 'EdDSA', ?)").bind(
        id,
        kid,
        JSON.stringify(jwk),
      ),
    );
  }
  await env.DB.batch(statements);
  return { id, host, key: { kid: "k1", secret } };
}

export interface StoredFile {
  id: string;
  bytes: Uint8Array;
}

/** Deterministic pseudo-random bytes, so a corrupted range is caught byte for byte. */
export function fileBytes(size: number, seed = 7): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    out[i] = x >> 16;
  }
  return out;
}

export async function putFile(
  tenant: TestTenant,
  options: { size?: number; contentType?: string; filename?: string; id?: string } = {},
): Promise<StoredFile> {
  const id = options.id ?? uid("f");
  const bytes = fileBytes(options.size ?? 1000);
  await env.FILES.put(`${tenant.id}/${id}`, bytes, {
    httpMetadata: options.contentType ? { contentType: options.contentType } : undefined,
    customMetadata: options.filename ? { filename: options.filename } : undefined,
  });
  return { id, bytes };
}

/** Signs a link on the tenant's k1 key; `grant` overrides any field. */
export function sign(
  tenant: TestTenant,
  file: StoredFile,
  grant: Partial<LinkGrant> = {},
  key: SigningKey = tenant.key,
): Promise<string> {
  return signDownloadToken({ tenant: tenant.id, link: uid("l"), file: file.id, ...grant }, key);
}

/** A request through the Worker's own fetch handler, on the tenant's host. */
export function gateway(tenant: TestTenant, path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (!headers.has("CF-Connecting-IP")) headers.set("CF-Connecting-IP", "203.0.113.10");
  if (!headers.has("User-Agent")) headers.set("User-Agent", "dlgate-tests/1");
  return exports.default.fetch(new Request(`https://${tenant.host}${path}`, { ...init, headers }));
}

export async function info(tenant: TestTenant, token: string): Promise<Record<string, unknown>> {
  const response = await gateway(tenant, `/downloads/${token}/info`);
  if (response.status !== 200) throw new Error(`info answered ${response.status}: ${await response.text()}`);
  return response.json();
}

export async function bytesOf(response: Response): Promise<Uint8Array> {
  return new Uint8Array(await response.arrayBuffer());
}
