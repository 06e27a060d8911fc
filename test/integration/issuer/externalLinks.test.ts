/**
 * Links a store signed itself, without the issuer API (docs/CONTRACT.md §9): once the
 * gateway has seen such a link, `/admin/v1/links/:id` and its `/reset`, `/url` and
 * `/events` work for it, answered from its Durable Object and the download log. Before
 * that the id is unknown (404), and asking about it creates no Durable Object.
 */
import { listDurableObjectIds, runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { gatewayWith, signLink, uid, type TestLink } from "../../helpers/fixtures.ts";
import {
  admin,
  createTenantWithAdminKey,
  expectError,
  fetchUrl,
  firstFile,
  orderBody,
  placeOrder,
  tokenOf,
  uploadFile,
  type IssuerTenant,
} from "../../helpers/issuer.ts";

const EXPIRES = Math.floor(Date.UTC(2031, 0, 1) / 1000);

interface Setup {
  tenant: IssuerTenant;
  fileId: string;
  link: TestLink;
}

/** A tenant, an uploaded file, and a link signed with the tenant's key outside the issuer API. */
async function storeSignedLink(): Promise<Setup> {
  const tenant = await createTenantWithAdminKey();
  const file = await uploadFile(tenant, { name: "course.zip", size: 600 });
  const link = await signLink(tenant, file, {
    link: uid("ext"),
    limit: 2,
    expires: EXPIRES,
    ips: ["203.0.113.0/24"],
    devices: 3,
    customer: "cust-77",
    order: "W-1001",
    filename: "Course.zip",
  });
  return { tenant, fileId: file.id, link };
}

/**
 * A download through the Worker that returns once its log event is in D1: the link's
 * alarm confirms its outbox against D1 and writes what the batched write has not yet.
 */
async function download(s: Setup, token = s.link.token): Promise<number> {
  const { status } = await gatewayWith(s.tenant, `/downloads/${token}`, env);
  await runDurableObjectAlarm(s.link.stub);
  return status;
}

async function objectExists(tenantId: string, linkId: string): Promise<boolean> {
  const id = env.DOWNLOAD_LINK.idFromName(`${tenantId}/${linkId}`).toString();
  return (await listDurableObjectIds(env.DOWNLOAD_LINK)).some((known) => known.toString() === id);
}

describe("a link signed by the store, before the gateway saw it", () => {
  it("is unknown on every link route, and asking creates no Durable Object", async () => {
    const s = await storeSignedLink();
    const path = `/links/${s.link.linkId}`;
    expectError(await admin(s.tenant, "GET", path), 404, "not_found");
    expectError(await admin(s.tenant, "PATCH", path, { json: { revoked: true } }), 404, "not_found");
    expectError(await admin(s.tenant, "POST", `${path}/reset`), 404, "not_found");
    expectError(await admin(s.tenant, "POST", `${path}/url`), 404, "not_found");
    expectError(await admin(s.tenant, "GET", `${path}/events`), 404, "not_found");
    expect(await objectExists(s.tenant.id, s.link.linkId)).toBe(false);
  });
});

describe("a link signed by the store, once seen", () => {
  it("is available without a file name of its own (the file is not looked up for it)", async () => {
    const tenant = await createTenantWithAdminKey();
    const file = await uploadFile(tenant, { size: 300 });
    const link = await signLink(tenant, file, { link: uid("ext"), limit: 2 });
    const s = { tenant, fileId: file.id, link };
    expect(await download(s)).toBe(200);
    expect((await admin(tenant, "GET", `/links/${link.linkId}`)).body).toMatchObject({ status: "available" });
  });

  it("answers its state and its token's grant from its Durable Object", async () => {
    const s = await storeSignedLink();
    expect(await download(s)).toBe(200);
    const answer = await admin(s.tenant, "GET", `/links/${s.link.linkId}`);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      id: s.link.linkId,
      order_number: "W-1001",
      file_id: s.fileId,
      customer_id: "cust-77",
      status: "available",
      download_count: 1,
      download_limit: 2,
      remaining_downloads: 1,
      expires_at: "2031-01-01T00:00:00.000Z",
      revoked: false,
      ip_restriction: ["203.0.113.0/24"],
      device_limit: 3,
      devices_used: 1,
      grant: { download_limit: 2, expires_at: "2031-01-01T00:00:00.000Z" },
    });
  });

  it("takes overrides that the next download obeys, and resets", async () => {
    const s = await storeSignedLink();
    expect(await download(s)).toBe(200);
    expect(await download(s)).toBe(200);
    expect(await download(s)).toBe(403);

    const patched = await admin(s.tenant, "PATCH", `/links/${s.link.linkId}`, { json: { add_downloads: 1 } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ download_limit: 3, remaining_downloads: 1 });
    expect(await download(s)).toBe(200);
    expect((await s.link.stub.snapshot()).count).toBe(3);

    const reset = await admin(s.tenant, "POST", `/links/${s.link.linkId}/reset`);
    expect(reset.body).toMatchObject({ download_count: 0, remaining_downloads: 3 });
    expect((await s.link.stub.snapshot()).count).toBe(0);

    await admin(s.tenant, "PATCH", `/links/${s.link.linkId}`, { json: { revoked: true } });
    const refused = await gatewayWith(s.tenant, `/downloads/${s.link.token}`, env);
    expect(refused.status).toBe(410);
    expect((await s.link.stub.snapshot()).count).toBe(0);
  });

  it("takes extra downloads only while its newest token carries a limit", async () => {
    const s = await storeSignedLink();
    const file = { id: s.fileId, bytes: new Uint8Array() };
    const unlimited = await signLink(s.tenant, file, { link: s.link.linkId, expires: EXPIRES });
    expect(await download(s, unlimited.token)).toBe(200);
    const path = `/links/${s.link.linkId}`;
    const refused = await admin(s.tenant, "PATCH", path, { json: { add_downloads: 2 } });
    expectError(refused, 400, "bad_request", ["add_downloads"]);
    expect(JSON.stringify(refused.body)).toContain("the link has no download limit");
    expect((await s.link.stub.snapshot()).extraDownloads).toBe(0);
    // The newest token has a limit again: the object reads it, not what the Worker saw before.
    expect(await download(s)).toBe(200);
    const added = await admin(s.tenant, "PATCH", path, { json: { add_downloads: 2 } });
    expect(added.status).toBe(200);
    expect(added.body).toMatchObject({ download_limit: 4 });
  });

  it("mints a fresh URL with the very same restrictions, which counts on the same link", async () => {
    const s = await storeSignedLink();
    expect(await download(s)).toBe(200);
    const answer = await admin<{ link_id: string; download_url: string }>(
      s.tenant,
      "POST",
      `/links/${s.link.linkId}/url`,
    );
    expect(answer.status).toBe(200);
    expect(answer.body.link_id).toBe(s.link.linkId);
    const fresh = tokenOf(answer.body.download_url);
    expect(fresh.header).toMatchObject({ alg: "HS256", kid: "k1" });
    const original = tokenOf(`https://x/downloads/${s.link.token}`).claims;
    const { iat: _fresh, ...freshClaims } = fresh.claims;
    const { iat: _original, ...originalClaims } = original;
    expect(freshClaims).toEqual(originalClaims);

    const response = await fetchUrl(answer.body.download_url);
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    expect((await s.link.stub.snapshot()).count).toBe(2);
  });

  it("refuses a fresh URL for a revoked link with 410 revoked", async () => {
    const s = await storeSignedLink();
    expect(await download(s)).toBe(200);
    await admin(s.tenant, "PATCH", `/links/${s.link.linkId}`, { json: { revoked: true } });
    expectError(await admin(s.tenant, "POST", `/links/${s.link.linkId}/url`), 410, "revoked");
    await admin(s.tenant, "PATCH", `/links/${s.link.linkId}`, { json: { revoked: false } });
    expect((await admin(s.tenant, "POST", `/links/${s.link.linkId}/url`)).status).toBe(200);
  });

  it("lists its download log", async () => {
    const s = await storeSignedLink();
    expect(await download(s)).toBe(200);
    expect(await gatewayWith(s.tenant, `/downloads/${s.link.token}`, env, { method: "HEAD" })).toMatchObject({
      status: 200,
    });
    await runDurableObjectAlarm(s.link.stub);
    const events = await admin<{ data: { status: number; counted: boolean }[] }>(
      s.tenant,
      "GET",
      `/links/${s.link.linkId}/events`,
    );
    expect(events.status).toBe(200);
    expect(events.body.data.map((e) => [e.status, e.counted])).toEqual([
      [200, false],
      [200, true],
    ]);
  });

  it("stays invisible to another tenant using the same link id", async () => {
    const s = await storeSignedLink();
    expect(await download(s)).toBe(200);
    const other = await createTenantWithAdminKey();
    expectError(await admin(other, "GET", `/links/${s.link.linkId}`), 404, "not_found");
    expect(await objectExists(other.id, s.link.linkId)).toBe(false);
  });
});

describe("POST /links/:id/url on an issuer link", () => {
  it("answers 410 revoked for a revoked link and for a canceled order's link", async () => {
    const tenant = await createTenantWithAdminKey();
    const file = await uploadFile(tenant);
    const order = await placeOrder(tenant, orderBody([file.id]));
    const entry = firstFile(order);
    await admin(tenant, "PATCH", `/links/${entry.link_id}`, { json: { revoked: true } });
    expectError(await admin(tenant, "POST", `/links/${entry.link_id}/url`), 410, "revoked");

    const second = await placeOrder(tenant, orderBody([file.id]));
    await admin(tenant, "POST", `/orders/${second.order_number}/cancel`);
    expectError(await admin(tenant, "POST", `/links/${firstFile(second).link_id}/url`), 410, "revoked");
  });
});
