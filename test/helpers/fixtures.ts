/**
 * Test fixtures: real tenants in D1, real objects in R2, real signed tokens. Every
 * fixture gets fresh ids, so tests never share a link count.
 */
import { createExecutionContext, runDurableObjectAlarm, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { SignJWT } from "jose";
import type { downloadEvents } from "../../src/db/schema.ts";
import type { Env } from "../../src/env.ts";
import worker from "../../src/index.ts";
import { linkStub } from "../../src/links/linkStub.ts";
import { encryptSecret } from "../../src/tenants/secretBox.ts";
import { signDownloadToken, type LinkGrant, type SigningKey } from "../../src/sdk/sign.ts";
import type { DownloadInfo, SettingsInput } from "./answers.ts";
import type { D1Row } from "./d1Row.ts";

let sequence = 0;
/** A unique id with a readable prefix. */
export function uid(prefix: string): string {
  sequence += 1;
  return `${prefix}-${Date.now().toString(36)}-${sequence}`;
}

export interface TestTenant {
  id: string;
  host: string;
  /** The tenant's HS256 key "k1"; the secret is kept as text so tests can forge with it. */
  key: { kid: string; alg?: "HS256"; secret: string };
}

export interface TenantOptions {
  settings?: SettingsInput;
  /** Extra HS256 keys: kid → secret. */
  extraKeys?: Record<string, string>;
  /** Keys inserted as retired: kid → secret. */
  retiredKeys?: Record<string, string>;
  /** EdDSA public keys: kid → JWK. */
  edKeys?: Record<string, JsonWebKey>;
  /** HS256 secret the storefront signs customer JWTs with (docs/CONTRACT.md §8). */
  customerSecret?: string;
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
  if (options.customerSecret !== undefined) {
    const box = await encryptSecret(env.MASTER_KEY, new TextEncoder().encode(options.customerSecret));
    statements.push(env.DB.prepare("UPDATE tenants SET customer_secret_enc = ? WHERE id = ?").bind(box, id));
  }
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
  return exports.default.fetch(clientRequest(tenant, path, init));
}

/** A request from the tests' usual client (address and User-Agent unless `init` sets them) to the tenant's host. */
function clientRequest(
  tenant: TestTenant,
  path: string,
  init: Omit<RequestInit, "cf">,
): Request<unknown, IncomingRequestCfProperties> {
  const headers = new Headers(init.headers);
  if (!headers.has("CF-Connecting-IP")) headers.set("CF-Connecting-IP", "203.0.113.10");
  if (!headers.has("User-Agent")) headers.set("User-Agent", "dlgate-tests/1");
  return new Request(`https://${tenant.host}${path}`, { ...init, headers });
}

/**
 * Like `gateway`, but with the given bindings (a broken or recording D1), and it returns
 * only after the request's background work (`waitUntil`: the batched D1 log write) is done.
 */
export async function gatewayWith(
  tenant: TestTenant,
  path: string,
  bindings: Env,
  init: RequestInit = {},
): Promise<{ status: number; headers: Headers; body: Uint8Array }> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(clientRequest(tenant, path, init), bindings, ctx);
  const body = await bytesOf(response);
  await waitOnExecutionContext(ctx);
  return { status: response.status, headers: response.headers, body };
}

export async function info(tenant: TestTenant, token: string): Promise<DownloadInfo> {
  const response = await gateway(tenant, `/downloads/${token}/info`);
  if (response.status !== 200) throw new Error(`info answered ${response.status}: ${await response.text()}`);
  return response.json();
}

export async function bytesOf(response: Response): Promise<Uint8Array> {
  return new Uint8Array(await response.arrayBuffer());
}

/** A link id chosen by the test, its signed token and its Durable Object. */
export interface TestLink {
  token: string;
  linkId: string;
  stub: ReturnType<typeof linkStub>;
}

/** Like `sign`, but also hands back the link id and the link's Durable Object stub. */
export async function signLink(
  tenant: TestTenant,
  file: StoredFile,
  grant: Partial<LinkGrant> = {},
  key: SigningKey = tenant.key,
): Promise<TestLink> {
  const linkId = grant.link ?? uid("l");
  const token = await sign(tenant, file, { ...grant, link: linkId }, key);
  return { token, linkId, stub: linkStub(env, tenant.id, linkId) };
}

/** A fresh tenant, one stored file and one signed link to it: where most download tests start. */
export interface LinkSetup {
  tenant: TestTenant;
  file: StoredFile;
  link: TestLink;
}

export async function tenantFileLink(
  file: { size: number; filename: string },
  grant: Partial<LinkGrant> = {},
  options: TenantOptions = {},
): Promise<LinkSetup> {
  const tenant = await createTenant(options);
  const stored = await putFile(tenant, file);
  return { tenant, file: stored, link: await signLink(tenant, stored, grant) };
}

/**
 * Signs an arbitrary claim set with HS256 on the tenant's k1 secret (or `secret`), for
 * tokens `signDownloadToken` would never produce. `header` overrides alg/kid.
 */
export function signClaims(
  tenant: TestTenant,
  claims: Record<string, unknown>,
  header: { alg?: string; kid?: string } = {},
  secret: string = tenant.key.secret,
): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256", kid: tenant.key.kid, ...header })
    .sign(new TextEncoder().encode(secret));
}

/** A request through the Worker's fetch with no default headers at all (no CF-Connecting-IP). */
export function gatewayRaw(url: string, init: RequestInit = {}): Promise<Response> {
  return exports.default.fetch(new Request(url, init));
}

/** The link's count as `/info` reports it and as its Durable Object holds it. */
export async function counts(
  tenant: TestTenant,
  link: TestLink,
  init: RequestInit = {},
): Promise<{ info: number; durable: number }> {
  const response = await gateway(tenant, `/downloads/${link.token}/info`, init);
  if (response.status !== 200) throw new Error(`info answered ${response.status}: ${await response.text()}`);
  const body = await response.json<DownloadInfo>();
  return { info: body.download_count, durable: (await link.stub.snapshot()).count };
}

/** Reads and discards a body, so no stream is left dangling. */
export async function drain(response: Response): Promise<Response> {
  await response.arrayBuffer();
  return response;
}

/** A D1 binding whose every query fails, as during an outage. `calls` counts attempts. */
export function brokenD1(): { db: D1Database; calls: () => number } {
  let calls = 0;
  const fail = (): Promise<never> => {
    calls += 1;
    return Promise.reject(new Error("D1 is unavailable (test double)"));
  };
  const statement = {
    bind: () => statement,
    all: fail,
    first: fail,
    run: fail,
    raw: fail,
  };
  const db = {
    prepare: () => statement,
    batch: fail,
    exec: fail,
    dump: fail,
    withSession: () => db,
  };
  // A structural stand-in for the binding: only the methods D1 clients call exist.
  return { db: db as unknown as D1Database, calls: () => calls };
}

/**
 * The real D1 binding, with a record of what reaches it: every SQL text prepared and the
 * number of `batch` calls (one per transaction the download log writes).
 */
export function recordingD1(): { db: D1Database; statements: string[]; batches: () => number } {
  const statements: string[] = [];
  let batches = 0;
  const db = {
    prepare: (query: string) => {
      statements.push(query);
      return env.DB.prepare(query);
    },
    batch: (list: D1PreparedStatement[]) => {
      batches += 1;
      return env.DB.batch(list);
    },
    exec: (query: string) => env.DB.exec(query),
    dump: () => env.DB.dump(),
    withSession: () => db,
  };
  return { db: db as unknown as D1Database, statements, batches: () => batches };
}

/**
 * The real D1 binding, except that the first `times` executions of a statement whose SQL
 * `matches` go through `around` (which may delay them, or fail them instead of running
 * them): a transient D1 error, or a pause at one exact point of a request.
 */
export function interceptingD1(
  matches: (sql: string) => boolean,
  around: (execute: () => Promise<unknown>) => Promise<unknown>,
  times = 1,
): D1Database {
  let left = times;
  const wrap = (statement: D1PreparedStatement, sql: string): D1PreparedStatement =>
    new Proxy(statement, {
      get(target, property) {
        const value: unknown = Reflect.get(target, property);
        if (property === "bind") return (...values: unknown[]) => wrap(target.bind(...values), sql);
        if (typeof value !== "function") return value;
        const method = (value as (...args: unknown[]) => unknown).bind(target);
        if (!["all", "raw", "run", "first"].includes(String(property)) || !matches(sql) || left === 0) return method;
        return (...args: unknown[]) => {
          left -= 1;
          return around(() => Promise.resolve(method(...args)));
        };
      },
    });
  return new Proxy(env.DB, {
    get(target, property) {
      if (property === "prepare") return (sql: string) => wrap(target.prepare(sql), sql);
      const value: unknown = Reflect.get(target, property);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/**
 * Runs the links' confirmation alarms until every outbox is empty. One `runDurableObjectAlarm`
 * is not enough on its own: the alarm the link set for itself may already be running
 * (and then there is nothing left to run) while its D1 write is still in flight.
 */
export async function flushOutboxes(stubs: readonly ReturnType<typeof linkStub>[], timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await Promise.all(stubs.map((stub) => runDurableObjectAlarm(stub)));
    const pending = await Promise.all(stubs.map((stub) => stub.pendingEvents()));
    if (pending.every((n) => n === 0)) return;
    if (Date.now() > deadline) throw new Error(`outboxes still hold ${pending.reduce((a, b) => a + b, 0)} events`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A row of D1 `download_events`, as `SELECT *` returns it. */
export type EventRow = D1Row<typeof downloadEvents>;

/** The link's rows in D1 `download_events`, oldest first. */
export async function eventRows(tenant: TestTenant, linkId: string): Promise<EventRow[]> {
  const { results } = await env.DB.prepare(
    "SELECT * FROM download_events WHERE tenant_id = ? AND link_id = ? ORDER BY at, rowid",
  )
    .bind(tenant.id, linkId)
    .all<EventRow>();
  return results;
}

/** A storefront's customer JWT (HS256 on the tenant's customer secret), as a bearer credential. */
export async function customerBearer(secret: string, customer: string): Promise<string> {
  const jwt = await new SignJWT({ sub: customer })
    .setProtectedHeader({ alg: "HS256" })
    .setIssuedAt()
    .setExpirationTime("10m")
    .sign(new TextEncoder().encode(secret));
  return `Bearer ${jwt}`;
}

/** Unix seconds now. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
