/**
 * Helpers for the issuer API (`/admin/v1`) and listing tests: tenants with an admin key
 * and a customer secret, admin and operator requests, customer tokens, D1 row readers.
 * Built on fixtures.ts; every helper makes fresh ids.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { decodeJwt, decodeProtectedHeader, SignJWT, type JWTPayload } from "jose";
import { expect } from "vitest";
import { newAdminKey } from "../../src/auth/adminKey.ts";
import type { links, orders } from "../../src/db/schema.ts";
import worker from "../../src/index.ts";
import { forgetTenant } from "../../src/tenants/resolveTenant.ts";
import { encryptSecret } from "../../src/tenants/secretBox.ts";
import type { ErrorBody, FileEntry, FileView, OrderView, SettingsInput } from "./answers.ts";
import type { D1Row } from "./d1Row.ts";
import { createTenant, fileBytes, uid, type TenantOptions, type TestTenant } from "./fixtures.ts";

// The answer types the issuer tests name, from the source's schemas (answers.ts).
export type { FileEntry, ListingEntry, OrderItemView, OrderView } from "./answers.ts";

/** The operator secret the tests hand the Worker (the test env does not configure one). */
export const OPERATOR_SECRET = "op-secret";

export interface IssuerTenant extends TestTenant {
  /** A working admin API key of this tenant (`dlgk_…`). */
  adminKey: string;
  /** Its public prefix, the admin key's id. */
  adminKeyId: string;
  /** The HS256 secret of the storefront's customer JWTs, or null when none was set. */
  customerSecret: string | null;
}

export interface IssuerTenantOptions extends Omit<TenantOptions, "customerSecret"> {
  /** Customer-token secret; default a fresh one, null for none. */
  customerSecret?: string | null;
}

/** A row for `admin_keys`, created like the Worker creates them. */
export async function insertAdminKey(tenantId: string, name = "test key"): Promise<{ id: string; key: string }> {
  const admin = await newAdminKey();
  await env.DB.prepare("INSERT INTO admin_keys (id, tenant_id, name, hash) VALUES (?, ?, ?, ?)")
    .bind(admin.id, tenantId, name, admin.hash)
    .run();
  return { id: admin.id, key: admin.key };
}

/** fixtures.createTenant plus an admin API key and (by default) a customer-token secret. */
export async function createTenantWithAdminKey(options: IssuerTenantOptions = {}): Promise<IssuerTenant> {
  const { customerSecret: wanted, ...tenantOptions } = options;
  const tenant = await createTenant(tenantOptions);
  const admin = await insertAdminKey(tenant.id);
  const customerSecret = wanted === undefined ? `customer-${tenant.id}-0123456789abcdef` : wanted;
  if (customerSecret !== null) {
    const box = await encryptSecret(env.MASTER_KEY, new TextEncoder().encode(customerSecret));
    await env.DB.prepare("UPDATE tenants SET customer_secret_enc = ? WHERE id = ?").bind(box, tenant.id).run();
  }
  forgetTenant();
  return { ...tenant, adminKey: admin.key, adminKeyId: admin.id, customerSecret };
}

/** Replaces a tenant's settings JSON in D1 and drops the cached tenant. */
export async function setTenantSettings(tenant: TestTenant, settings: SettingsInput): Promise<void> {
  await env.DB.prepare("UPDATE tenants SET settings = ? WHERE id = ?").bind(JSON.stringify(settings), tenant.id).run();
  forgetTenant();
}

export interface AdminInit {
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as is (files, parts, malformed JSON). */
  body?: BodyInit;
  headers?: HeadersInit;
  /** Overrides the tenant's admin key; null sends no Authorization header. */
  key?: string | null;
}

/** `/admin/v1<path>` on the tenant's host, with its admin key (or `init.key`) and an optional JSON body. */
function adminRequest(
  tenant: Pick<IssuerTenant, "host" | "adminKey">,
  method: string,
  path: string,
  init: AdminInit,
): Request<unknown, IncomingRequestCfProperties> {
  const headers = new Headers(init.headers);
  const key = init.key === undefined ? tenant.adminKey : init.key;
  if (key !== null) headers.set("Authorization", `Bearer ${key}`);
  let body = init.body;
  if (init.json !== undefined) {
    body = JSON.stringify(init.json);
    if (!headers.has("Content-Type")) headers.set("Content-Type", "application/json");
  }
  return new Request(`https://${tenant.host}/admin/v1${path}`, { method, headers, body });
}

/** A request to `/admin/v1<path>` through the Worker's own fetch handler, with the tenant's admin key. */
export function adminFetch(
  tenant: Pick<IssuerTenant, "host" | "adminKey">,
  method: string,
  path: string,
  init: AdminInit = {},
): Promise<Response> {
  return exports.default.fetch(adminRequest(tenant, method, path, init));
}

/**
 * Like `adminFetch`, but straight into the Worker's fetch handler in this isolate: requests
 * sent this way really run concurrently (the loopback binding of `adminFetch` lines them up).
 */
export async function adminDirect<T = Record<string, unknown>>(
  tenant: Pick<IssuerTenant, "host" | "adminKey">,
  method: string,
  path: string,
  init: AdminInit = {},
  bindings: typeof env = env,
): Promise<JsonAnswer<T>> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(adminRequest(tenant, method, path, init), bindings, ctx);
  const answer = await readAnswer<T>(response);
  await waitOnExecutionContext(ctx);
  return answer;
}

export interface JsonAnswer<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

/** Reads a JSON answer (a 204 gives `null`). */
export async function readAnswer<T = Record<string, unknown>>(response: Response): Promise<JsonAnswer<T>> {
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text === "" ? null : JSON.parse(text)) as T };
}

/** `adminFetch` and parse the JSON answer. */
export async function admin<T = Record<string, unknown>>(
  tenant: Pick<IssuerTenant, "host" | "adminKey">,
  method: string,
  path: string,
  init: AdminInit = {},
): Promise<JsonAnswer<T>> {
  return readAnswer<T>(await adminFetch(tenant, method, path, init));
}

/**
 * A request to the operator API, straight into the Worker with `OPERATOR_SECRET` bound
 * (`operatorSecret: undefined` = the operator API switched off).
 */
export async function operator<T = Record<string, unknown>>(
  method: string,
  path: string,
  init: { json?: unknown; body?: BodyInit; auth?: string | null; operatorSecret?: string | undefined } = {},
): Promise<JsonAnswer<T>> {
  const headers = new Headers();
  const auth = init.auth === undefined ? `Bearer ${OPERATOR_SECRET}` : init.auth;
  if (auth !== null) headers.set("Authorization", auth);
  let body = init.body;
  if (init.json !== undefined) {
    body = JSON.stringify(init.json);
    headers.set("Content-Type", "application/json");
  }
  const secret = "operatorSecret" in init ? init.operatorSecret : OPERATOR_SECRET;
  const ctx = createExecutionContext();
  const response = await worker.fetch(
    new Request(`https://operator.test/admin/v1${path}`, { method, headers, body }),
    { ...env, OPERATOR_SECRET: secret },
    ctx,
  );
  const answer = await readAnswer<T>(response);
  await waitOnExecutionContext(ctx);
  return answer;
}

/** Asserts the error body of docs/CONTRACT.md §7; `paths` must each appear in `details`. */
export function expectError(answer: JsonAnswer<unknown>, status: number, code: string, paths: string[] = []): void {
  // Whatever the test expected on success, the answer should now be an error body.
  const body = answer.body as Partial<ErrorBody> | null;
  expect({ status: answer.status, error: body?.error }).toEqual({ status, error: code });
  expect(typeof body?.message).toBe("string");
  if (code === "bad_request") {
    expect(Array.isArray(body?.details)).toBe(true);
    const seen = (body?.details ?? []).map((d) => d.path);
    for (const path of paths) expect(seen).toContain(path);
  }
}

/** A customer JWT the storefront would issue: HS256 with the tenant's customer secret, subject = customer id. */
export function customerToken(
  tenant: Pick<IssuerTenant, "customerSecret">,
  customerId: string,
  options: { secret?: string; expiresAt?: number; issuer?: string; claims?: JWTPayload } = {},
): Promise<string> {
  const secret = options.secret ?? tenant.customerSecret;
  if (!secret) throw new Error("the tenant has no customer secret");
  const jwt = new SignJWT({ ...options.claims })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(customerId)
    .setIssuedAt()
    .setExpirationTime(options.expiresAt ?? Math.floor(Date.now() / 1000) + 3600);
  if (options.issuer) jwt.setIssuer(options.issuer);
  return jwt.sign(new TextEncoder().encode(secret));
}

/** A GET on a customer-facing path (`/my/downloads`, …) on the tenant's host. */
export function customerGet(tenant: TestTenant, path: string, token?: string, headers: HeadersInit = {}) {
  const h = new Headers(headers);
  if (token) h.set("Authorization", `Bearer ${token}`);
  h.set("CF-Connecting-IP", h.get("CF-Connecting-IP") ?? "203.0.113.10");
  h.set("User-Agent", h.get("User-Agent") ?? "dlgate-tests/1");
  return exports.default.fetch(new Request(`https://${tenant.host}${path}`, { headers: h }));
}

/** Fetches a download URL minted by the gateway (absolute), as a customer's client would. */
export function fetchUrl(url: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (!headers.has("CF-Connecting-IP")) headers.set("CF-Connecting-IP", "203.0.113.10");
  if (!headers.has("User-Agent")) headers.set("User-Agent", "dlgate-tests/1");
  return exports.default.fetch(new Request(url, { ...init, headers }));
}

export interface UploadedFile {
  id: string;
  bytes: Uint8Array;
  view: FileView;
}

/** Uploads a file through `PUT /admin/v1/files/:id` and checks it was accepted. */
export async function uploadFile(
  tenant: IssuerTenant,
  options: { id?: string; size?: number; name?: string; contentType?: string; seed?: number } = {},
): Promise<UploadedFile> {
  const id = options.id ?? uid("f");
  const bytes = fileBytes(options.size ?? 1000, options.seed ?? 11);
  const headers: Record<string, string> = { "Content-Length": String(bytes.byteLength) };
  if (options.contentType) headers["Content-Type"] = options.contentType;
  const query = options.name ? `?name=${encodeURIComponent(options.name)}` : "";
  const answer = await admin<FileView>(tenant, "PUT", `/files/${id}${query}`, { body: bytes, headers });
  if (answer.status !== 201) throw new Error(`upload answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return { id, bytes, view: answer.body };
}

/** A one-item order body for `fileIds`; `overrides` replace top-level fields, `grant` the item's grant. */
export function orderBody(
  fileIds: string[],
  overrides: Record<string, unknown> = {},
  grant: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    order_number: uid("ord"),
    customer_id: "cust-1",
    items: [{ product: { id: "p-1", name: "Product One", slug: "product-one" }, file_ids: fileIds, grant }],
    ...overrides,
  };
}

/** `POST /admin/v1/orders`, expecting 201. */
export async function placeOrder(tenant: IssuerTenant, body: Record<string, unknown>): Promise<OrderView> {
  const answer = await admin<OrderView>(tenant, "POST", "/orders", { json: body });
  if (answer.status !== 201) throw new Error(`order answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer.body;
}

/** Every file entry of an order view, in order. */
export function orderFiles(order: OrderView): FileEntry[] {
  return order.items.flatMap((i) => i.files);
}

export function firstFile(order: OrderView): FileEntry {
  const file = orderFiles(order)[0];
  if (!file) throw new Error("the order has no file");
  return file;
}

/** The token of a minted download URL and its decoded header and claims. */
export function tokenOf(url: string): { token: string; header: Record<string, unknown>; claims: JWTPayload } {
  const match = /\/downloads\/([^/?#]+)$/.exec(url);
  if (!match?.[1]) throw new Error(`not a download URL: ${url}`);
  return { token: match[1], header: decodeProtectedHeader(match[1]), claims: decodeJwt(match[1]) };
}

/** A row of D1 `links`, as `SELECT *` returns it. */
export type LinkRowD1 = D1Row<typeof links>;

export async function linkRow(tenantId: string, linkId: string): Promise<LinkRowD1 | null> {
  return env.DB.prepare("SELECT * FROM links WHERE tenant_id = ? AND id = ?").bind(tenantId, linkId).first<LinkRowD1>();
}

export async function orderRow(tenantId: string, orderNumber: string): Promise<D1Row<typeof orders> | null> {
  return env.DB.prepare("SELECT * FROM orders WHERE tenant_id = ? AND number = ?").bind(tenantId, orderNumber).first();
}

/** How many rows of `table` belong to the tenant (and, optionally, to one order). */
export async function rowCount(
  table: "orders" | "order_items" | "links" | "files" | "download_events",
  tenantId: string,
  orderNumber?: string,
): Promise<number> {
  const column = table === "orders" ? "number" : "order_number";
  const sql =
    orderNumber === undefined
      ? `SELECT COUNT(*) AS n FROM ${table} WHERE tenant_id = ?`
      : `SELECT COUNT(*) AS n FROM ${table} WHERE tenant_id = ? AND ${column} = ?`;
  const statement = env.DB.prepare(sql);
  const row = await (
    orderNumber === undefined ? statement.bind(tenantId) : statement.bind(tenantId, orderNumber)
  ).first<{
    n: number;
  }>();
  return row?.n ?? 0;
}

/** Reads a response body to the end and returns its bytes. */
export async function bodyBytes(response: Response): Promise<Uint8Array> {
  return new Uint8Array(await response.arrayBuffer());
}

/** A JSON error answer of a customer-facing request. */
export async function errorOf(response: Response): Promise<{ status: number; error: unknown }> {
  const text = await response.text();
  try {
    return { status: response.status, error: (JSON.parse(text) as Partial<ErrorBody>).error };
  } catch {
    return { status: response.status, error: text };
  }
}

/**
 * Retires every signing key of the tenant in D1 directly (the API keeps the last HS256 key),
 * for tests of a tenant left with nothing to sign with; the tenant cache is dropped.
 */
export async function retireEveryKey(tenantId: string): Promise<void> {
  await env.DB.prepare("UPDATE signing_keys SET status = 'retired', retired_at = unixepoch() WHERE tenant_id = ?")
    .bind(tenantId)
    .run();
  forgetTenant(tenantId);
}
