/**
 * docs/CONTRACT.md §4: tenants never see each other's customers. On a tenant's host a
 * `/api/<other tenant>/…` prefix is 404, and a customer's cookies and credentials only
 * ever reach the `auth_url` of the tenant whose host received them. On a host of no
 * tenant (the prefix form on a shared gateway domain) cookies are never used at all;
 * only an explicit bearer token is. Both customer-auth modes, every listing route and
 * every compatibility-profile route. The stores' `auth_url` endpoints are the Worker's
 * outbound fetch, answered and recorded here.
 */
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { linkStub } from "../../../src/links/linkStub.ts";
import { forgetTenant } from "../../../src/tenants/resolveTenant.ts";
import { signDownloadToken } from "../../../src/sdk/sign.ts";
import { encryptSecret } from "../../../src/tenants/secretBox.ts";
import type { ProfileName } from "../../../src/tenants/tenantSettings.ts";
import { gatewayRaw, hmacRow, uid } from "../../helpers/fixtures.ts";
import {
  admin,
  createTenantWithAdminKey,
  customerToken,
  expectError,
  firstFile,
  orderBody,
  placeOrder,
  setTenantSettings,
  tokenOf,
  uploadFile,
  type IssuerTenant,
  type OrderView,
} from "../../helpers/issuer.ts";
import { STOREFRONT_KEY } from "../../helpers/profiles.ts";

afterEach(() => {
  vi.restoreAllMocks();
});

const ALL_PROFILES: ProfileName[] = [
  "customer-downloadable-products",
  "customer-account-orders",
  "storefront-digitals",
  "merchello-downloads",
];
const SHARED_HOST = "shared-gateway.test";

type Mode = "jwt" | "auth_url";

interface Store {
  tenant: IssuerTenant;
  mode: Mode;
  /** The store's auth_url (auth_url mode). */
  authUrl: string;
  /** The customer this store's credential proves. */
  customer: string;
  /** An order of that customer whose link needs sign-in (`auth: true`). */
  order: OrderView;
  /** That link's token. */
  token: string;
  /** The cookie a browser holds for this store's host. */
  cookie: string;
  /** A bearer token (jwt mode) the store's front end would send. */
  bearer: string;
}

/** A store in `mode` with every profile enabled and one sign-in-only order of its customer. */
async function store(mode: Mode, label: string): Promise<Store> {
  const tenant = await createTenantWithAdminKey();
  const customer = `cust-${label}`;
  const authUrl = `https://${label}-store.example/${uid("whoami")}`;
  const file = await uploadFile(tenant, { name: `${label}.pdf` });
  const order = await placeOrder(tenant, orderBody([file.id], { customer_id: customer }, { require_login: true }));
  const jwt = await customerToken(tenant, customer);
  await setTenantSettings(tenant, {
    profiles: ALL_PROFILES,
    storefront_key: STOREFRONT_KEY,
    customer_auth: mode === "jwt" ? { mode, cookie: "member" } : { mode, url: authUrl, cache_seconds: 0 },
  });
  return {
    tenant,
    mode,
    authUrl,
    customer,
    order,
    token: tokenOf(firstFile(order).download_url as string).token,
    cookie: mode === "jwt" ? `member=${jwt}; theme=dark` : `session=${label}-session-secret`,
    bearer: jwt,
  };
}

interface Outbound {
  url: string;
  cookie: string | null;
  authorization: string | null;
}

/**
 * Every outbound fetch of the Worker, recorded. Each store's auth_url knows its own
 * session cookie and its own bearer token (the answer a real store would give); anything
 * else is a stranger (401).
 */
function authReceivers(stores: Store[]): Outbound[] {
  const seen: Outbound[] = [];
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const request = new Request(input, init);
    const cookie = request.headers.get("Cookie");
    const authorization = request.headers.get("Authorization");
    seen.push({ url: request.url, cookie, authorization });
    const owner = stores.find((s) => s.authUrl === request.url);
    if (!owner) return new Response("not found", { status: 404 });
    const known = cookie === owner.cookie || authorization === `Bearer ${owner.bearer}`;
    return known ? Response.json({ customer_id: owner.customer }) : new Response("who?", { status: 401 });
  });
  return seen;
}

function on(host: string, path: string, headers: HeadersInit = {}, method = "GET"): Promise<Response> {
  const h = new Headers(headers);
  h.set("CF-Connecting-IP", "203.0.113.10");
  h.set("User-Agent", "dlgate-tests/1");
  return gatewayRaw(`https://${host}${path}`, { method, headers: h });
}

/** The gateway's own routes under `/api/<tenant>` for store `s`. */
function prefixedRoutes(s: Store): { method: string; path: string }[] {
  const base = `/api/${s.tenant.id}`;
  return [
    { method: "GET", path: `${base}/my/downloads` },
    { method: "GET", path: `${base}/my/downloads?include_expired=true` },
    { method: "GET", path: `${base}/orders/${s.order.order_number}/downloads` },
    { method: "GET", path: `${base}/downloads/${s.token}` },
    { method: "HEAD", path: `${base}/downloads/${s.token}` },
    { method: "GET", path: `${base}/downloads/${s.token}/info` },
  ];
}

async function countOf(s: Store): Promise<number> {
  return (await linkStub(env, s.tenant.id, firstFile(s.order).link_id).snapshot()).count;
}

describe.each<Mode>(["auth_url", "jwt"])("customer auth %s: another tenant's prefix on a tenant's host", (mode) => {
  it("answers 404 on every /api/<B>/… route on A's host, and B's auth_url never sees A's cookie", async () => {
    const a = await store(mode, "a");
    const b = await store(mode, "b");
    const seen = authReceivers([a, b]);
    for (const { method, path } of prefixedRoutes(b)) {
      // A's customer's browser, on A's host, carrying A's cookie (and even B's bearer token).
      const variants: Record<string, string>[] = [
        { Cookie: a.cookie },
        { Cookie: a.cookie, Authorization: `Bearer ${b.bearer}` },
      ];
      for (const headers of variants) {
        const response = await on(a.tenant.host, path, headers, method);
        expect({ path, method, status: response.status }).toEqual({ path, method, status: 404 });
        if (method === "GET") expect(await response.json()).toMatchObject({ error: "not_found" });
      }
    }
    expect(seen).toEqual([]);
    expect(await countOf(b)).toBe(0);
  });

  it("still serves A's own prefix on A's host with A's cookie", async () => {
    const a = await store(mode, "a");
    const seen = authReceivers([a]);
    const listed = await on(a.tenant.host, `/api/${a.tenant.id}/my/downloads`, { Cookie: a.cookie });
    expect(listed.status).toBe(200);
    const body: { data: { order_number: string }[] } = await listed.json();
    expect(body.data.map((d) => d.order_number)).toEqual([a.order.order_number]);
    const download = await on(a.tenant.host, `/api/${a.tenant.id}/downloads/${a.token}`, { Cookie: a.cookie });
    expect(download.status).toBe(200);
    await download.arrayBuffer();
    expect(await countOf(a)).toBe(1);
    if (mode === "auth_url") {
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.every((o) => o.url === a.authUrl && o.cookie === a.cookie)).toBe(true);
    } else {
      expect(seen).toEqual([]);
    }
  });

  it("on A's host, every profile route answers for A only: B's auth_url never hears of A's customers", async () => {
    const a = await store(mode, "a");
    const b = await store(mode, "b");
    const seen = authReceivers([a, b]);
    const cookie = { Cookie: a.cookie };
    const routes: [string, HeadersInit, number][] = [
      ["/api/shop/customer-downloadable-products", { ...cookie, "X-STOREFRONT-KEY": STOREFRONT_KEY }, 0],
      [`/api/v2/customer-account-orders?id=${a.order.access_key}`, cookie, 0],
      [`/api/v2/storefront/digitals/${a.token}`, cookie, 0],
      ["/api/merchello/downloads/customer", cookie, 0],
      [`/api/merchello/downloads/invoice/${encodeURIComponent(a.order.order_number)}`, cookie, 0],
      [`/api/merchello/downloads/${a.token}`, cookie, 0],
      // B's links and B's invoice on A's host: not B's door.
      [`/api/v2/storefront/digitals/${b.token}`, cookie, 404],
      [`/api/merchello/downloads/${b.token}`, cookie, 404],
      [`/api/merchello/downloads/invoice/${encodeURIComponent(b.order.order_number)}`, cookie, 404],
      [`/api/v2/customer-account-orders?id=${b.order.access_key}`, cookie, 404],
    ];
    for (const [path, headers, refused] of routes) {
      const response = await on(a.tenant.host, path, headers);
      await response.arrayBuffer();
      const expected = refused || 200;
      expect({ path, status: response.status }).toEqual({ path, status: expected });
    }
    expect(seen.filter((o) => o.url !== a.authUrl)).toEqual([]);
    expect(seen.every((o) => o.cookie === a.cookie && o.authorization === null)).toBe(true);
    if (mode === "auth_url") expect(seen.length).toBeGreaterThan(0);
    expect(await countOf(b)).toBe(0);
  });

  it("a tenant whose id is a profile path segment gets nothing from another tenant's host", async () => {
    // `/api/merchello/…` is both seed 004's path and the prefix form for a tenant named
    // "merchello": on A's host (profile not enabled) it must not reach that tenant.
    const a = await store(mode, "a");
    await setTenantSettings(a.tenant, {
      customer_auth: mode === "jwt" ? { mode, cookie: "member" } : { mode, url: a.authUrl },
    });
    const m = await namedStore("merchello", mode);
    const seen = authReceivers([a, m]);
    for (const path of [
      "/api/merchello/my/downloads",
      `/api/merchello/orders/${m.order.order_number}/downloads`,
      `/api/merchello/downloads/${m.token}`,
      `/api/merchello/downloads/${m.token}/info`,
    ]) {
      const response = await on(a.tenant.host, path, { Cookie: a.cookie, Authorization: `Bearer ${m.bearer}` });
      expect({ path, status: response.status }).toEqual({ path, status: 404 });
    }
    expect(seen).toEqual([]);
    expect(await countOf(m)).toBe(0);
  });
});

/**
 * A store under a fixed tenant id (`merchello`), with a sign-in-only link of its customer.
 * It has no order rows: the requests below must be refused before anything is looked up.
 */
async function namedStore(id: string, mode: Mode): Promise<Store> {
  const secret = `secret-${id}-0123456789abcdef`;
  const customerSecret = `customer-${id}-0123456789abcdef`;
  const customer = `cust-${id}`;
  const authUrl = `https://${id}-store.example/${uid("whoami")}`;
  await env.DB.prepare("INSERT OR IGNORE INTO tenants (id, name, settings) VALUES (?, ?, '{}')").bind(id, id).run();
  await env.DB.batch([
    env.DB.prepare("DELETE FROM signing_keys WHERE tenant_id = ?").bind(id),
    await hmacRow(id, "k1", secret),
    env.DB.prepare("UPDATE tenants SET customer_secret_enc = ?, settings = ? WHERE id = ?").bind(
      await encryptSecret(env.MASTER_KEY, new TextEncoder().encode(customerSecret)),
      JSON.stringify({ customer_auth: mode === "jwt" ? { mode, cookie: "member" } : { mode, url: authUrl } }),
      id,
    ),
  ]);
  forgetTenant();
  const tenant: IssuerTenant = {
    id,
    host: `${id}.invalid`,
    key: { kid: "k1", secret },
    adminKey: "",
    adminKeyId: "",
    customerSecret,
  };
  const linkId = uid("l");
  const token = await signDownloadToken(
    { tenant: id, link: linkId, file: uid("f"), customer, requireLogin: true },
    tenant.key,
  );
  const jwt = await customerToken(tenant, customer);
  const order = { order_number: uid("ord"), items: [{ files: [{ link_id: linkId }] }] } as unknown as OrderView;
  return { tenant, mode, authUrl, customer, order, token, cookie: `session=${id}-secret`, bearer: jwt };
}

describe.each<Mode>(["auth_url", "jwt"])("customer auth %s: the prefix form on a host of no tenant", (mode) => {
  it("never uses cookies there: A's auth_url gets no cookie and the listing answers 401", async () => {
    const a = await store(mode, "a");
    const seen = authReceivers([a]);
    for (const path of [
      `/api/${a.tenant.id}/my/downloads`,
      `/api/${a.tenant.id}/orders/${a.order.order_number}/downloads`,
    ]) {
      const response = await on(SHARED_HOST, path, { Cookie: a.cookie });
      expect({ path, status: response.status }).toEqual({ path, status: 401 });
      expect(await response.json()).toMatchObject({ error: "auth_required" });
    }
    const download = await on(SHARED_HOST, `/api/${a.tenant.id}/downloads/${a.token}`, { Cookie: a.cookie });
    expect(download.status).toBe(401);
    await download.arrayBuffer();
    expect(seen).toEqual([]);
    expect(await countOf(a)).toBe(0);
  });

  it("accepts an explicit bearer token there, and forwards only that (no cookie) to A's auth_url", async () => {
    const a = await store(mode, "a");
    const seen = authReceivers([a]);
    const headers = { Cookie: a.cookie, Authorization: `Bearer ${a.bearer}` };
    const listed = await on(SHARED_HOST, `/api/${a.tenant.id}/my/downloads`, headers);
    expect(listed.status).toBe(200);
    const body: { data: { order_number: string }[] } = await listed.json();
    expect(body.data.map((d) => d.order_number)).toEqual([a.order.order_number]);
    const download = await on(SHARED_HOST, `/api/${a.tenant.id}/downloads/${a.token}`, headers);
    expect(download.status).toBe(200);
    await download.arrayBuffer();
    expect(await countOf(a)).toBe(1);
    if (mode === "auth_url") {
      expect(seen.length).toBeGreaterThan(0);
      for (const o of seen) expect(o).toEqual({ url: a.authUrl, cookie: null, authorization: `Bearer ${a.bearer}` });
    } else {
      expect(seen).toEqual([]);
    }
  });

  it("serves no profile route there: profiles belong to a store's own host", async () => {
    const a = await store(mode, "a");
    const seen = authReceivers([a]);
    const headers = { Cookie: a.cookie, Authorization: `Bearer ${a.bearer}`, "X-STOREFRONT-KEY": STOREFRONT_KEY };
    for (const path of [
      "/api/shop/customer-downloadable-products",
      `/api/v2/customer-account-orders?id=${a.order.access_key}`,
      `/api/v2/storefront/digitals/${a.token}`,
      "/api/merchello/downloads/customer",
      `/api/merchello/downloads/invoice/${encodeURIComponent(a.order.order_number)}`,
      `/api/merchello/downloads/${a.token}`,
    ]) {
      const response = await on(SHARED_HOST, path, headers);
      // 404, or — when a tenant named "merchello" exists (an earlier test makes one) — the
      // prefix form for that tenant, which does not know A's token: 403 invalid_token.
      const { error } = await response.json<{ error: string }>();
      expect([`${response.status} ${error}`]).toEqual([expect.stringMatching(/^(404 not_found|403 invalid_token)$/)]);
    }
    expect(seen).toEqual([]);
    expect(await countOf(a)).toBe(0);
  });

  it("sends B's bearer only to B's auth_url, whichever store's cookies ride along", async () => {
    const a = await store(mode, "a");
    const b = await store(mode, "b");
    const seen = authReceivers([a, b]);
    const response = await on(SHARED_HOST, `/api/${b.tenant.id}/my/downloads`, {
      Cookie: `${a.cookie}; ${b.cookie}`,
      Authorization: `Bearer ${b.bearer}`,
    });
    expect(response.status).toBe(200);
    expect(seen.filter((o) => o.url !== b.authUrl || o.cookie !== null)).toEqual([]);
  });
});

describe("the issuer API called with a store's key on another store's host", () => {
  it("mints links on the store's own host, which open; the other store's host never answers them", async () => {
    const x = await createTenantWithAdminKey();
    const y = await createTenantWithAdminKey();
    const file = await uploadFile(x);
    const placed = await admin<OrderView>({ host: y.host, adminKey: x.adminKey }, "POST", "/orders", {
      json: orderBody([file.id]),
    });
    expect(placed.status).toBe(201);
    const url = firstFile(placed.body).download_url as string;
    expect(url.startsWith(`https://${x.host}/api/${x.id}/downloads/`)).toBe(true);
    const download = await on(x.host, new URL(url).pathname);
    expect(download.status).toBe(200);
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(file.bytes);
    // The same path on Y's host is Y's storefront's (no origin here: 404), never X's download.
    expect((await on(y.host, new URL(url).pathname)).status).toBe(404);
  });

  it("refuses, before writing anything, when the store has neither a host nor a public_url", async () => {
    const x = await createTenantWithAdminKey();
    const y = await createTenantWithAdminKey();
    const file = await uploadFile(x);
    await env.DB.prepare("DELETE FROM tenant_hosts WHERE tenant_id = ?").bind(x.id).run();
    forgetTenant();
    const body = orderBody([file.id]);
    const refused = await admin({ host: y.host, adminKey: x.adminKey }, "POST", "/orders", { json: body });
    expectError(refused, 400, "bad_request", ["public_url"]);
    const count = await env.DB.prepare("SELECT COUNT(*) AS n FROM orders WHERE tenant_id = ? AND number = ?")
      .bind(x.id, body.order_number)
      .first<{ n: number }>();
    expect(count?.n).toBe(0);
    // An order placed on the shared address is not completed or canceled from there either.
    const placed = await admin<OrderView>(x, "POST", "/orders", {
      json: orderBody([file.id], { status: "pending" }),
    });
    expect(placed.status).toBe(201);
    const number = placed.body.order_number;
    for (const action of ["complete", "cancel", "hold"]) {
      const json = action === "hold" ? { reason: "review" } : undefined;
      expectError(
        await admin({ host: y.host, adminKey: x.adminKey }, "POST", `/orders/${number}/${action}`, { json }),
        400,
        "bad_request",
        ["public_url"],
      );
    }
    expect((await admin<OrderView>(x, "GET", `/orders/${number}`)).body.status).toBe("pending");
  });

  it("works there for every call that mints no link: files, keys, reads", async () => {
    const x = await createTenantWithAdminKey();
    const y = await createTenantWithAdminKey();
    await env.DB.prepare("DELETE FROM tenant_hosts WHERE tenant_id = ?").bind(x.id).run();
    forgetTenant();
    const onY = { host: y.host, adminKey: x.adminKey };
    expect((await admin(onY, "GET", "/keys")).status).toBe(200);
    expect((await admin(onY, "PUT", "/files/from-y", { body: "bytes" })).status).toBe(201);
    expect((await admin(onY, "GET", "/files/from-y")).status).toBe(200);
    expect((await admin(onY, "GET", "/events")).status).toBe(200);
  });
});
