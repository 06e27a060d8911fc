/**
 * Issuer API, operator scope (`/admin/v1/tenants`), signing keys (`/admin/v1/keys`) and
 * admin API keys (`/admin/v1/admin-keys`): every route's answer, its validation errors
 * and what it leaves in D1.
 */
import { env } from "cloudflare:workers";
import { exportJWK, generateKeyPair } from "jose";
import { describe, expect, it } from "vitest";
import { signDownloadToken } from "../../../src/sdk/sign.ts";
import { sha256Hex } from "../../../src/utils/encoding.ts";
import { bytesOf, gateway, putFile, uid, type TestTenant } from "../../helpers/fixtures.ts";
import {
  admin,
  adminFetch,
  createTenantWithAdminKey,
  customerGet,
  customerToken,
  expectError,
  insertAdminKey,
  operator,
  OPERATOR_SECRET,
  readAnswer,
} from "../../helpers/issuer.ts";

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const ADMIN_KEY = /^dlgk_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$/;

function tenantId(): string {
  return uid("op").toLowerCase();
}

async function tenantRow(id: string) {
  return env.DB.prepare("SELECT * FROM tenants WHERE id = ?").bind(id).first<Record<string, unknown>>();
}

async function hostsOf(id: string): Promise<string[]> {
  const { results } = await env.DB.prepare("SELECT host FROM tenant_hosts WHERE tenant_id = ? ORDER BY host")
    .bind(id)
    .all<{ host: string }>();
  return results.map((r) => r.host);
}

async function signingKeyRows(id: string) {
  const { results } = await env.DB.prepare("SELECT * FROM signing_keys WHERE tenant_id = ? ORDER BY rowid")
    .bind(id)
    .all<{ kid: string; alg: string; secret_enc: string | null; public_jwk: string | null; status: string }>();
  return results;
}

async function adminKeyRows(id: string) {
  const { results } = await env.DB.prepare("SELECT * FROM admin_keys WHERE tenant_id = ? ORDER BY rowid")
    .bind(id)
    .all<{ id: string; name: string; hash: string; revoked_at: number | null }>();
  return results;
}

/** A file in R2 for `tenant` and a signed token for it on `key`, downloaded through the gateway. */
async function downloadWith(tenant: TestTenant, key: Parameters<typeof signDownloadToken>[1]) {
  const file = await putFile(tenant, { size: 300 });
  const token = await signDownloadToken({ tenant: tenant.id, link: uid("l"), file: file.id }, key);
  const response = await gateway(tenant, `/downloads/${token}`);
  return { status: response.status, bytes: await bytesOf(response), expected: file.bytes };
}

describe("operator scope: authentication", () => {
  it("answers 403 forbidden for every operator route when OPERATOR_SECRET is not configured, and creates nothing", async () => {
    const id = tenantId();
    const create = await operator("POST", "/tenants", { json: { id, name: "X" }, operatorSecret: undefined });
    expectError(create, 403, "forbidden");
    expectError(await operator("GET", "/tenants", { operatorSecret: undefined }), 403, "forbidden");
    expectError(await operator("GET", `/tenants/${id}`, { operatorSecret: undefined }), 403, "forbidden");
    expect(await tenantRow(id)).toBeNull();
  });

  it("answers 401 without a bearer, 403 for a wrong secret and for a tenant's admin key", async () => {
    const id = tenantId();
    expectError(await operator("POST", "/tenants", { json: { id, name: "X" }, auth: null }), 401, "auth_required");
    expectError(
      await operator("POST", "/tenants", { json: { id, name: "X" }, auth: "Bearer not-the-secret" }),
      403,
      "forbidden",
    );
    const tenant = await createTenantWithAdminKey();
    expectError(
      await operator("POST", "/tenants", { json: { id, name: "X" }, auth: `Bearer ${tenant.adminKey}` }),
      403,
      "forbidden",
    );
    // A tenant's admin key never opens the operator routes.
    expectError(await admin(tenant, "GET", "/tenants"), 403, "forbidden");
    expect(await tenantRow(id)).toBeNull();
  });

  it("does not accept the operator secret as a tenant admin key", async () => {
    const tenant = await createTenantWithAdminKey();
    expectError(await admin(tenant, "GET", "/keys", { key: OPERATOR_SECRET }), 401, "auth_required");
  });
});

describe("POST /admin/v1/tenants", () => {
  it("creates the tenant, its hosts, a first admin key and an HS256 key k1, each secret shown once", async () => {
    const id = tenantId();
    const answer = await operator<{
      tenant: Record<string, unknown>;
      admin_key: string;
      signing_key: Record<string, unknown>;
    }>("POST", "/tenants", {
      json: {
        id,
        name: "Shop One",
        hosts: [`${id}.shop.test`, `Www.${id}.Shop.test`],
        origin_url: "https://origin.example",
        settings: { resume_window_seconds: 3600 },
        customer_secret: "customer-secret-0123456789",
      },
    });
    expect(answer.status).toBe(201);
    expect(answer.body).toEqual({
      tenant: {
        id,
        name: "Shop One",
        hosts: [`${id}.shop.test`, `www.${id}.shop.test`],
        origin_url: "https://origin.example",
        settings: { resume_window_seconds: 3600 },
        has_customer_secret: true,
        created_at: expect.stringMatching(ISO),
      },
      admin_key: expect.stringMatching(ADMIN_KEY),
      signing_key: {
        kid: "k1",
        alg: "HS256",
        status: "active",
        created_at: expect.stringMatching(ISO),
        retired_at: null,
        secret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      },
    });
    const { admin_key: adminKey, signing_key: signingKey } = answer.body;
    const secret = signingKey.secret as string;

    // D1: the rows, with secrets only encrypted or hashed.
    expect(await tenantRow(id)).toMatchObject({ name: "Shop One", origin_url: "https://origin.example" });
    expect(await hostsOf(id)).toEqual([`${id}.shop.test`, `www.${id}.shop.test`]);
    const keys = await signingKeyRows(id);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kid: "k1", alg: "HS256", status: "active", public_jwk: null });
    expect(keys[0]?.secret_enc).not.toContain(secret);
    const admins = await adminKeyRows(id);
    expect(admins).toHaveLength(1);
    expect(admins[0]?.hash).toBe(await sha256Hex(adminKey));
    expect(adminKey.startsWith(`${admins[0]?.id}_`)).toBe(true);
    expect(JSON.stringify(await tenantRow(id))).not.toContain("customer-secret-0123456789");

    // The credentials work: the admin key on the issuer API, k1 on downloads, the customer secret on listings.
    const tenant = { id, host: `${id}.shop.test`, key: { kid: "k1", secret }, adminKey };
    const keyList = await admin<{ data: { kid: string }[] }>(tenant, "GET", "/keys");
    expect(keyList.status).toBe(200);
    expect(keyList.body.data.map((k) => k.kid)).toEqual(["k1"]);
    const download = await downloadWith(tenant, { kid: "k1", secret });
    expect(download.status).toBe(200);
    expect(download.bytes).toEqual(download.expected);
    const listing = await customerGet(
      tenant,
      "/my/downloads",
      await customerToken({ customerSecret: "customer-secret-0123456789" }, "c-1"),
    );
    expect(await readAnswer(listing)).toMatchObject({ status: 200, body: { data: [] } });
  });

  it("defaults hosts, origin, settings and customer secret", async () => {
    const id = tenantId();
    const answer = await operator<{ tenant: Record<string, unknown> }>("POST", "/tenants", {
      json: { id, name: "Bare" },
    });
    expect(answer.status).toBe(201);
    expect(answer.body.tenant).toEqual({
      id,
      name: "Bare",
      hosts: [],
      origin_url: null,
      settings: {},
      has_customer_secret: false,
      created_at: expect.stringMatching(ISO),
    });
    expect(await tenantRow(id)).toMatchObject({ settings: "{}", customer_secret_enc: null, origin_url: null });
  });

  it("is visible at once to requests that looked the tenant up before it existed", async () => {
    const id = tenantId();
    const host = `${id}.late.test`;
    const before = await customerGet({ id, host, key: { kid: "k1", secret: "x" } }, `/api/${id}/my/downloads`);
    expect(before.status).toBe(404);
    const beforeHost = await customerGet({ id, host, key: { kid: "k1", secret: "x" } }, "/my/downloads");
    expect(beforeHost.status).toBe(404);
    const created = await operator("POST", "/tenants", {
      json: { id, name: "Late", hosts: [host], customer_secret: "late-secret-0123456789" },
    });
    expect(created.status).toBe(201);
    const token = await customerToken({ customerSecret: "late-secret-0123456789" }, "c-1");
    const tenant = { id, host, key: { kid: "k1", secret: "x" } };
    expect((await customerGet(tenant, `/api/${id}/my/downloads`, token)).status).toBe(200);
    expect((await customerGet(tenant, "/my/downloads", token)).status).toBe(200);
  });

  it.each([
    ["an id with capitals and '_'", { id: "Bad_Id", name: "X" }, "id"],
    ["an id longer than 40", { id: "a".repeat(41), name: "X" }, "id"],
    ["no name", { id: "ok-id" }, "name"],
    ["an empty name", { id: "ok-id", name: "" }, "name"],
    ["a host with a space", { id: "ok-id", name: "X", hosts: ["bad host"] }, "hosts.0"],
    ["a host with a port", { id: "ok-id", name: "X", hosts: ["shop.test:8787"] }, "hosts.0"],
    ["hosts not an array", { id: "ok-id", name: "X", hosts: "shop.test" }, "hosts"],
    ["an ftp origin", { id: "ok-id", name: "X", origin_url: "ftp://origin.example" }, "origin_url"],
    // The operator API would echo the password back, and every proxied request would carry it.
    ["an origin with user info", { id: "ok-id", name: "X", origin_url: "https://u:p@origin.example" }, "origin_url"],
    [
      "a store_url with user info",
      { id: "ok-id", name: "X", settings: { store_url: "https://admin:hunter2@shop.example" } },
      "settings.store_url",
    ],
    ["a short customer secret", { id: "ok-id", name: "X", customer_secret: "short" }, "customer_secret"],
    [
      "a negative resume window",
      { id: "ok-id", name: "X", settings: { resume_window_seconds: -1 } },
      "settings.resume_window_seconds",
    ],
    [
      "an unknown customer auth mode",
      { id: "ok-id", name: "X", settings: { customer_auth: { mode: "magic" } } },
      "settings.customer_auth.mode",
    ],
    [
      "an auth_url that is not a URL",
      { id: "ok-id", name: "X", settings: { customer_auth: { mode: "auth_url", url: "whoami" } } },
      "settings.customer_auth.url",
    ],
    // Plain http would hand the customers' cookies, or the keys that say who they are, to anyone on the path.
    [
      "an http auth_url",
      { id: "ok-id", name: "X", settings: { customer_auth: { mode: "auth_url", url: "http://shop.example/whoami" } } },
      "settings.customer_auth.url",
    ],
    [
      "an http auth_url on localhost",
      { id: "ok-id", name: "X", settings: { customer_auth: { mode: "auth_url", url: "http://localhost:9000/me" } } },
      "settings.customer_auth.url",
    ],
    [
      "an http jwks_url",
      {
        id: "ok-id",
        name: "X",
        settings: { customer_auth: { mode: "jwt", jwks_url: "http://shop.example/.well-known/jwks.json" } },
      },
      "settings.customer_auth.jwks_url",
    ],
  ])("refuses %s with 400 naming the field, and writes nothing", async (_label, body, path) => {
    const id = tenantId();
    const answer = await operator("POST", "/tenants", { json: { ...body, id: body.id === "ok-id" ? id : body.id } });
    expectError(answer, 400, "bad_request", [path]);
    expect(await tenantRow(id)).toBeNull();
  });

  it("refuses a body that is not JSON with 400 and a body over 1 MiB with 413", async () => {
    expectError(await operator("POST", "/tenants", { body: "{not json" }), 400, "bad_request", [""]);
    const id = tenantId();
    const big = JSON.stringify({ id, name: "x".repeat(1024 * 1024 + 10) });
    expectError(await operator("POST", "/tenants", { body: big }), 413, "payload_too_large");
    expect(await tenantRow(id)).toBeNull();
  });

  it("refuses a taken id and a host of another tenant, changing neither tenant", async () => {
    const first = tenantId();
    const host = `${first}.taken.test`;
    expect((await operator("POST", "/tenants", { json: { id: first, name: "First", hosts: [host] } })).status).toBe(
      201,
    );
    expectError(await operator("POST", "/tenants", { json: { id: first, name: "Again" } }), 400, "bad_request", ["id"]);
    expect(await tenantRow(first)).toMatchObject({ name: "First" });

    const second = tenantId();
    expectError(
      await operator("POST", "/tenants", { json: { id: second, name: "Second", hosts: [host.toUpperCase()] } }),
      400,
      "bad_request",
      ["hosts"],
    );
    expect(await tenantRow(second)).toBeNull();
    expect(await hostsOf(first)).toEqual([host]);
  });

  it("refuses the same host twice in one body (case-insensitively) with 400 naming hosts, as allowed_origins does", async () => {
    const id = tenantId();
    const answer = await operator("POST", "/tenants", {
      json: { id, name: "Dup", hosts: [`${id}.dup.test`, `${id.toUpperCase()}.DUP.test`] },
    });
    expectError(answer, 400, "bad_request", ["hosts"]);
    expect(await hostsOf(id)).toEqual([]);
    // The same on a PATCH, which changes nothing.
    expect((await operator("POST", "/tenants", { json: { id, name: "Dup", hosts: [`${id}.dup.test`] } })).status).toBe(
      201,
    );
    const patched = await operator("PATCH", `/tenants/${id}`, { json: { hosts: ["a.dup.test", "A.dup.test"] } });
    expectError(patched, 400, "bad_request", ["hosts"]);
    expect(await hostsOf(id)).toEqual([`${id}.dup.test`]);
  });
});

describe("GET /admin/v1/tenants and /tenants/:id", () => {
  it("lists tenants (sorted by id) and shows one, with no secret in either", async () => {
    const a = tenantId();
    const b = tenantId();
    const created = await operator<{ tenant: Record<string, unknown> }>("POST", "/tenants", {
      json: { id: b, name: "B", customer_secret: "bbbbbbbbbbbbbbbbbbbb" },
    });
    await operator("POST", "/tenants", { json: { id: a, name: "A" } });
    const list = await operator<{ data: { id: string }[] }>("GET", "/tenants");
    expect(list.status).toBe(200);
    const ids = list.body.data.map((t) => t.id);
    expect(ids).toEqual([...ids].sort());
    expect(ids).toEqual(expect.arrayContaining([a, b]));
    expect(list.body.data.find((t) => t.id === b)).toEqual(created.body.tenant);
    expect(JSON.stringify(list.body)).not.toContain("bbbbbbbbbbbbbbbbbbbb");

    const one = await operator("GET", `/tenants/${b}`);
    expect(one).toMatchObject({ status: 200, body: created.body.tenant });
  });

  it("answers 404 for an unknown tenant", async () => {
    expectError(await operator("GET", `/tenants/${tenantId()}`), 404, "not_found");
  });
});

describe("PATCH /admin/v1/tenants/:id", () => {
  it("renames, replaces hosts, merges settings, sets and clears the origin, sets the customer secret", async () => {
    const id = tenantId();
    const oldHost = `${id}.old.test`;
    const newHost = `${id}.new.test`;
    await operator("POST", "/tenants", {
      json: { id, name: "Old", hosts: [oldHost], settings: { resume_window_seconds: 60 } },
    });
    const patched = await operator<Record<string, unknown>>("PATCH", `/tenants/${id}`, {
      json: {
        name: "New",
        hosts: [newHost],
        origin_url: "https://origin.example",
        settings: { customer_auth: { mode: "jwt", cookie: "dlg_customer" } },
        customer_secret: "patched-secret-0123456789",
      },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toEqual({
      id,
      name: "New",
      hosts: [newHost],
      origin_url: "https://origin.example",
      settings: { resume_window_seconds: 60, customer_auth: { mode: "jwt", cookie: "dlg_customer" } },
      has_customer_secret: true,
      created_at: expect.stringMatching(ISO),
    });
    expect(await hostsOf(id)).toEqual([newHost]);
    expect(JSON.parse((await tenantRow(id))?.settings as string)).toEqual({
      resume_window_seconds: 60,
      customer_auth: { mode: "jwt", cookie: "dlg_customer" },
    });

    // The new host and the new customer secret (read from the named cookie) take effect at once.
    const token = await customerToken({ customerSecret: "patched-secret-0123456789" }, "c-1");
    const fake = { id, host: newHost, key: { kid: "k1", secret: "x" } };
    expect((await customerGet(fake, "/my/downloads", undefined, { Cookie: `dlg_customer=${token}` })).status).toBe(200);
    expect((await customerGet({ ...fake, host: oldHost }, "/my/downloads", token)).status).toBe(404);

    const cleared = await operator("PATCH", `/tenants/${id}`, { json: { origin_url: null } });
    expect(cleared).toMatchObject({ status: 200, body: { origin_url: null, name: "New", hosts: [newHost] } });
    expect(await tenantRow(id)).toMatchObject({ origin_url: null });
    // A PATCH that does not name hosts or settings leaves them as they were.
    expect(await hostsOf(id)).toEqual([newHost]);
    expect(JSON.parse((await tenantRow(id))?.settings as string)).toMatchObject({ resume_window_seconds: 60 });
  });

  it("removes a setting given as null (its default applies again) and replaces an object setting whole", async () => {
    const id = tenantId();
    await operator("POST", "/tenants", {
      json: {
        id,
        name: "Shop",
        settings: {
          webhook_url: "https://shop.example/hooks",
          sharing: { max_networks: 4, max_countries: 2, action: "block" },
          resume_window_seconds: 60,
        },
      },
    });
    const patched = await operator<{ settings: Record<string, unknown> }>("PATCH", `/tenants/${id}`, {
      json: { settings: { webhook_url: null, sharing: { max_networks: 9 } } },
    });
    expect(patched.status).toBe(200);
    // The object is replaced whole (max_countries and action gone, the schema's defaults filled in).
    expect(patched.body.settings).toEqual({
      resume_window_seconds: 60,
      sharing: { max_networks: 9, action: "flag", window_seconds: 604800 },
    });
    const off = await operator<{ settings: Record<string, unknown> }>("PATCH", `/tenants/${id}`, {
      json: { settings: { sharing: null } },
    });
    expect(off.body.settings).toEqual({ resume_window_seconds: 60 });
    expect(JSON.parse((await tenantRow(id))?.settings as string)).toEqual({ resume_window_seconds: 60 });
    // null is for removing; a misspelt setting is still refused, null or not.
    expectError(
      await operator("PATCH", `/tenants/${id}`, { json: { settings: { webhook: null } } }),
      400,
      "bad_request",
      ["settings.webhook"],
    );
  });

  it("applies concurrent PATCHes of different fields and settings all, losing none", async () => {
    const id = tenantId();
    await operator("POST", "/tenants", {
      json: { id, name: "A", settings: { store_name: "A", scanner_passes: 1, log_retention_days: 10 } },
    });
    const answers = await Promise.all([
      operator("PATCH", `/tenants/${id}`, { json: { settings: { store_name: "B" } } }),
      operator("PATCH", `/tenants/${id}`, { json: { settings: { scanner_passes: 7 } } }),
      operator("PATCH", `/tenants/${id}`, { json: { settings: { log_retention_days: 77 } } }),
      operator("PATCH", `/tenants/${id}`, { json: { name: "Renamed" } }),
      operator("PATCH", `/tenants/${id}`, { json: { origin_url: "https://origin.example" } }),
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    expect(await tenantRow(id)).toMatchObject({ name: "Renamed", origin_url: "https://origin.example" });
    expect(JSON.parse((await tenantRow(id))?.settings as string)).toEqual({
      store_name: "B",
      scanner_passes: 7,
      log_retention_days: 77,
    });
  });

  it("refuses bad fields with 400 and another tenant's host, changing nothing", async () => {
    const id = tenantId();
    const other = tenantId();
    await operator("POST", "/tenants", { json: { id, name: "Mine", hosts: [`${id}.test`] } });
    await operator("POST", "/tenants", { json: { id: other, name: "Other", hosts: [`${other}.test`] } });
    expectError(
      await operator("PATCH", `/tenants/${id}`, { json: { name: "", origin_url: "ftp://x.example" } }),
      400,
      "bad_request",
      ["name", "origin_url"],
    );
    expectError(await operator("PATCH", `/tenants/${id}`, { json: { hosts: [`${other}.test`] } }), 400, "bad_request", [
      "hosts",
    ]);
    expect(await tenantRow(id)).toMatchObject({ name: "Mine" });
    expect(await hostsOf(id)).toEqual([`${id}.test`]);
    expect(await hostsOf(other)).toEqual([`${other}.test`]);
  });

  it("answers 404 for an unknown tenant", async () => {
    expectError(await operator("PATCH", `/tenants/${tenantId()}`, { json: { name: "X" } }), 404, "not_found");
  });
});

describe("POST /admin/v1/tenants/:id/admin-keys", () => {
  it("issues a named admin key that works, stored only as its hash", async () => {
    const id = tenantId();
    await operator("POST", "/tenants", { json: { id, name: "Keys" } });
    const answer = await operator<{ id: string; key: string }>("POST", `/tenants/${id}/admin-keys`, {
      json: { name: "second" },
    });
    expect(answer.status).toBe(201);
    expect(answer.body).toEqual({
      id: expect.stringMatching(/^dlgk_[0-9a-f]{8}$/),
      name: "second",
      key: expect.stringMatching(ADMIN_KEY),
      created_at: expect.stringMatching(ISO),
      revoked_at: null,
    });
    const rows = await adminKeyRows(id);
    expect(rows.map((r) => r.name).sort()).toEqual(["first key", "second"]);
    expect(rows.find((r) => r.id === answer.body.id)?.hash).toBe(await sha256Hex(answer.body.key));
    const listed = await admin<{ data: { id: string }[] }>(
      { host: "x.test", adminKey: answer.body.key },
      "GET",
      "/admin-keys",
    );
    expect(listed.status).toBe(200);
    expect(listed.body.data.map((k) => k.id)).toContain(answer.body.id);
  });

  it("answers 404 for an unknown tenant and 400 for a name over 100 characters", async () => {
    const unknown = tenantId();
    expectError(await operator("POST", `/tenants/${unknown}/admin-keys`, { json: {} }), 404, "not_found");
    expect(await adminKeyRows(unknown)).toEqual([]);
    const id = tenantId();
    await operator("POST", "/tenants", { json: { id, name: "Keys" } });
    expectError(
      await operator("POST", `/tenants/${id}/admin-keys`, { json: { name: "n".repeat(101) } }),
      400,
      "bad_request",
      ["name"],
    );
    expect(await adminKeyRows(id)).toHaveLength(1);
  });
});

describe("admin key authentication", () => {
  it.each([
    ["no Authorization header", null],
    ["a Basic credential", "Basic dXNlcjpwYXNz"],
    ["a token that is not an admin key", "Bearer not-a-key"],
    ["a well-formed key nobody issued", `Bearer dlgk_00000000_${"A".repeat(43)}`],
  ])("answers 401 auth_required for %s", async (_label, authorization) => {
    const tenant = await createTenantWithAdminKey();
    const headers: Record<string, string> = authorization ? { Authorization: authorization } : {};
    const answer = await readAnswer(await adminFetch(tenant, "GET", "/keys", { key: null, headers }));
    expectError(answer, 401, "auth_required");
  });

  it("answers 404 for a path the issuer API does not have", async () => {
    const tenant = await createTenantWithAdminKey();
    expectError(await admin(tenant, "GET", "/nothing-here"), 404, "not_found");
  });

  it("answers 400, not 503, for an id that is not valid percent-encoding", async () => {
    const tenant = await createTenantWithAdminKey();
    expectError(await admin(tenant, "GET", "/files/%E0%A4%A"), 400, "bad_request");
    expectError(await admin(tenant, "GET", "/orders/100%"), 400, "bad_request");
  });
});

describe("/admin/v1/admin-keys", () => {
  it("creates, lists and revokes admin keys; a revoked key stops working at once", async () => {
    const tenant = await createTenantWithAdminKey();
    const created = await admin<{ id: string; key: string }>(tenant, "POST", "/admin-keys", { json: { name: "ci" } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^dlgk_[0-9a-f]{8}$/),
      name: "ci",
      created_at: expect.stringMatching(ISO),
      revoked_at: null,
      key: expect.stringMatching(ADMIN_KEY),
    });
    const rows = await adminKeyRows(tenant.id);
    expect(rows.find((r) => r.id === created.body.id)).toMatchObject({
      name: "ci",
      hash: await sha256Hex(created.body.key),
      revoked_at: null,
    });
    const ci = { host: tenant.host, adminKey: created.body.key };
    expect((await admin(ci, "GET", "/keys")).status).toBe(200);

    const unnamed = await admin<{ name: string }>(tenant, "POST", "/admin-keys");
    expect(unnamed).toMatchObject({ status: 201, body: { name: "" } });

    const list = await admin<{ data: Record<string, unknown>[] }>(tenant, "GET", "/admin-keys");
    expect(list.status).toBe(200);
    expect(list.body.data).toHaveLength(3);
    expect(list.body.data).toContainEqual({
      id: created.body.id,
      name: "ci",
      created_at: expect.stringMatching(ISO),
      revoked_at: null,
    });
    for (const k of list.body.data) expect(Object.keys(k).sort()).toEqual(["created_at", "id", "name", "revoked_at"]);

    const revoked = await admin(tenant, "DELETE", `/admin-keys/${created.body.id}`);
    expect(revoked).toMatchObject({
      status: 200,
      body: { id: created.body.id, name: "ci", revoked_at: expect.stringMatching(ISO) },
    });
    expect((await adminKeyRows(tenant.id)).find((r) => r.id === created.body.id)?.revoked_at).toEqual(
      expect.any(Number),
    );
    expectError(await admin(ci, "GET", "/keys"), 401, "auth_required");
    expectError(await admin(tenant, "DELETE", `/admin-keys/${created.body.id}`), 404, "not_found");
    // The tenant's other key is untouched.
    expect((await admin(tenant, "GET", "/keys")).status).toBe(200);
  });

  it("refuses a name over 100 characters and answers 404 for an unknown key id", async () => {
    const tenant = await createTenantWithAdminKey();
    expectError(await admin(tenant, "POST", "/admin-keys", { json: { name: "x".repeat(101) } }), 400, "bad_request", [
      "name",
    ]);
    expectError(await admin(tenant, "POST", "/admin-keys", { json: { name: 7 } }), 400, "bad_request", ["name"]);
    expect(await adminKeyRows(tenant.id)).toHaveLength(1);
    expectError(await admin(tenant, "DELETE", "/admin-keys/dlgk_00000000"), 404, "not_found");
  });

  it("keeps the store's last active admin key (409), and two revocations at once leave one", async () => {
    const tenant = await createTenantWithAdminKey();
    expectError(await admin(tenant, "DELETE", `/admin-keys/${tenant.adminKeyId}`), 409, "conflict");
    expect((await admin(tenant, "GET", "/keys")).status).toBe(200);
    const spare = await insertAdminKey(tenant.id, "spare");
    const both = await Promise.all([
      admin(tenant, "DELETE", `/admin-keys/${tenant.adminKeyId}`),
      admin({ host: tenant.host, adminKey: spare.key }, "DELETE", `/admin-keys/${spare.id}`),
    ]);
    expect(both.map((a) => a.status).sort()).toEqual([200, 409]);
    expect((await adminKeyRows(tenant.id)).filter((r) => r.revoked_at === null)).toHaveLength(1);
  });

  it("lets a tenant revoke the very key it is using", async () => {
    const tenant = await createTenantWithAdminKey();
    const spare = await insertAdminKey(tenant.id, "spare");
    expect((await admin(tenant, "DELETE", `/admin-keys/${tenant.adminKeyId}`)).status).toBe(200);
    expectError(await admin(tenant, "GET", "/keys"), 401, "auth_required");
    expect((await admin({ host: tenant.host, adminKey: spare.key }, "GET", "/keys")).status).toBe(200);
  });
});

describe("/admin/v1/keys", () => {
  it("creates an HS256 key whose secret (shown once) signs links that download", async () => {
    const tenant = await createTenantWithAdminKey();
    const created = await admin<Record<string, unknown>>(tenant, "POST", "/keys", {
      json: { alg: "HS256", kid: "2026-12" },
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      kid: "2026-12",
      alg: "HS256",
      status: "active",
      created_at: expect.stringMatching(ISO),
      retired_at: null,
      secret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    });
    const secret = created.body.secret as string;
    const rows = await signingKeyRows(tenant.id);
    expect(rows.map((r) => r.kid)).toEqual(["k1", "2026-12"]);
    expect(rows[1]?.secret_enc).not.toContain(secret);

    const download = await downloadWith(tenant, { kid: "2026-12", secret });
    expect(download.status).toBe(200);
    expect(download.bytes).toEqual(download.expected);

    const list = await admin<{ data: Record<string, unknown>[] }>(tenant, "GET", "/keys");
    expect(list.status).toBe(200);
    // Ordered by creation time (one-second resolution: both may share a second).
    expect(list.body.data.map((k) => k.kid).sort()).toEqual(["2026-12", "k1"]);
    for (const k of list.body.data) expect(k).not.toHaveProperty("secret");
  });

  it("names a key itself when no kid is given", async () => {
    const tenant = await createTenantWithAdminKey();
    const created = await admin<{ kid: string }>(tenant, "POST", "/keys", { json: { alg: "HS256" } });
    expect(created.status).toBe(201);
    expect(created.body.kid).toMatch(/^k[0-9a-z]+$/);
    expect((await signingKeyRows(tenant.id)).map((r) => r.kid)).toContain(created.body.kid);
  });

  it("registers an Ed25519 public key (no secret answered) whose private half signs links that download", async () => {
    const tenant = await createTenantWithAdminKey();
    const { publicKey, privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519" });
    const jwk = await exportJWK(publicKey);
    const created = await admin(tenant, "POST", "/keys", {
      json: { alg: "EdDSA", kid: "ed1", public_jwk: { kty: jwk.kty, crv: jwk.crv, x: jwk.x } },
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      kid: "ed1",
      alg: "EdDSA",
      status: "active",
      created_at: expect.stringMatching(ISO),
      retired_at: null,
    });
    const row = (await signingKeyRows(tenant.id)).find((r) => r.kid === "ed1");
    expect(row).toMatchObject({ alg: "EdDSA", secret_enc: null });
    expect(JSON.parse(row?.public_jwk as string)).toEqual({ kty: "OKP", crv: "Ed25519", x: jwk.x });
    const download = await downloadWith(tenant, { kid: "ed1", alg: "EdDSA", privateKey });
    expect(download.status).toBe(200);
  });

  it.each([
    ["an unsupported alg", { alg: "RS256" }, "alg"],
    ["no alg", { kid: "x" }, "alg"],
    ["a kid with spaces", { alg: "HS256", kid: "bad kid" }, "kid"],
    // As a path segment they never reach the key: it could not be retired.
    ["the kid '.'", { alg: "HS256", kid: "." }, "kid"],
    ["the kid '..'", { alg: "HS256", kid: ".." }, "kid"],
    ["an EdDSA key without public_jwk", { alg: "EdDSA", kid: "ed" }, "public_jwk"],
    [
      "an EdDSA key with a short x",
      { alg: "EdDSA", public_jwk: { kty: "OKP", crv: "Ed25519", x: "abc" } },
      "public_jwk.x",
    ],
    [
      // The identity point: R = identity, S = 0 would verify every token for it.
      "an EdDSA key anyone could sign for (a small-order point)",
      { alg: "EdDSA", public_jwk: { kty: "OKP", crv: "Ed25519", x: "AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" } },
      "public_jwk.x",
    ],
    [
      "an EdDSA key whose y is not reduced (p + 2)",
      { alg: "EdDSA", public_jwk: { kty: "OKP", crv: "Ed25519", x: "7________________________________________38" } },
      "public_jwk.x",
    ],
    [
      "an EdDSA key on another curve",
      { alg: "EdDSA", public_jwk: { kty: "OKP", crv: "X25519", x: "A".repeat(43) } },
      "public_jwk.crv",
    ],
  ])("refuses %s with 400 naming the field", async (_label, body, path) => {
    const tenant = await createTenantWithAdminKey();
    expectError(await admin(tenant, "POST", "/keys", { json: body }), 400, "bad_request", [path]);
    expect((await signingKeyRows(tenant.id)).map((r) => r.kid)).toEqual(["k1"]);
  });

  it("refuses a kid that exists already", async () => {
    const tenant = await createTenantWithAdminKey();
    expectError(await admin(tenant, "POST", "/keys", { json: { alg: "HS256", kid: "k1" } }), 400, "bad_request", [
      "kid",
    ]);
    const rows = await signingKeyRows(tenant.id);
    expect(rows).toHaveLength(1);
    // k1 still verifies with its original secret.
    expect((await downloadWith(tenant, tenant.key)).status).toBe(200);
  });

  it("retires a key: its links stop verifying at once, the others go on", async () => {
    const tenant = await createTenantWithAdminKey();
    const created = await admin<{ secret: string }>(tenant, "POST", "/keys", { json: { alg: "HS256", kid: "k2" } });
    const file = await putFile(tenant);
    const old = await signDownloadToken({ tenant: tenant.id, link: uid("l"), file: file.id }, tenant.key);
    const fresh = await signDownloadToken(
      { tenant: tenant.id, link: uid("l"), file: file.id },
      { kid: "k2", secret: created.body.secret },
    );
    expect((await gateway(tenant, `/downloads/${old}/info`)).status).toBe(200);

    const retired = await admin(tenant, "DELETE", "/keys/k1");
    expect(retired).toMatchObject({
      status: 200,
      body: { kid: "k1", alg: "HS256", status: "retired", retired_at: expect.stringMatching(ISO) },
    });
    expect(retired.body).not.toHaveProperty("secret");
    expect((await signingKeyRows(tenant.id)).find((r) => r.kid === "k1")?.status).toBe("retired");
    const refused = await readAnswer(await gateway(tenant, `/downloads/${old}`));
    expectError(refused, 403, "invalid_token");
    expect((await gateway(tenant, `/downloads/${fresh}`)).status).toBe(200);
    const list = await admin<{ data: { kid: string; status: string }[] }>(tenant, "GET", "/keys");
    expect(list.body.data.map((k) => [k.kid, k.status]).sort()).toEqual([
      ["k1", "retired"],
      ["k2", "active"],
    ]);
  });

  it("answers 404 when retiring an unknown kid", async () => {
    const tenant = await createTenantWithAdminKey();
    expectError(await admin(tenant, "DELETE", "/keys/nope"), 404, "not_found");
    expect((await signingKeyRows(tenant.id)).map((r) => r.status)).toEqual(["active"]);
  });
});
