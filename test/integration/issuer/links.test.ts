/**
 * `/admin/v1/links/:id`: read, overrides through the link's Durable Object (limit, extra
 * downloads, expiry, revocation), reset, a fresh URL, and the download log. Every change
 * must hold on the very next download and be mirrored into D1 at once.
 */
import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { linkStub } from "../../../src/links/linkStub.ts";
import {
  admin,
  bodyBytes,
  createTenantWithAdminKey,
  errorOf,
  expectError,
  fetchUrl,
  firstFile,
  linkRow,
  orderBody,
  placeOrder,
  tokenOf,
  uploadFile,
  type FileEntry,
  type IssuerTenant,
} from "../../helpers/issuer.ts";

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

interface Setup {
  tenant: IssuerTenant;
  entry: FileEntry;
  url: string;
  orderNumber: string;
  bytes: Uint8Array;
}

async function setup(grant: Record<string, unknown> = {}, overrides: Record<string, unknown> = {}): Promise<Setup> {
  const tenant = await createTenantWithAdminKey();
  const file = await uploadFile(tenant, { name: "album.zip", size: 800 });
  const order = await placeOrder(tenant, orderBody([file.id], overrides, grant));
  const entry = firstFile(order);
  return { tenant, entry, url: entry.download_url as string, orderNumber: order.order_number, bytes: file.bytes };
}

async function download(url: string, init: RequestInit = {}): Promise<number> {
  const response = await fetchUrl(url, init);
  await response.arrayBuffer();
  return response.status;
}

function durable(s: Setup) {
  return linkStub(env, s.tenant.id, s.entry.link_id).snapshot();
}

describe("GET /admin/v1/links/:linkId", () => {
  it("answers the link's live state from its Durable Object over the D1 grant", async () => {
    const s = await setup({
      download_limit: 3,
      expires_at: "2031-01-01T00:00:00Z",
      ip_restriction: ["203.0.113.0/24", "2001:db8::/32"],
      device_limit: 2,
    });
    expect(await download(s.url)).toBe(200);
    const answer = await admin(s.tenant, "GET", `/links/${s.entry.link_id}`);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      id: s.entry.link_id,
      order_number: s.orderNumber,
      item_id: expect.stringMatching(/^i_/),
      file_id: s.entry.id,
      customer_id: "cust-1",
      status: "available",
      download_count: 1,
      download_limit: 3,
      remaining_downloads: 2,
      expires_at: "2031-01-01T00:00:00.000Z",
      is_expired: false,
      revoked: false,
      suspended: false,
      flagged: null,
      ip_restriction: ["203.0.113.0/24", "2001:db8::/32"],
      device_limit: 2,
      allowed_countries: null,
      blocked_countries: null,
      devices_used: 1,
      require_login: false,
      last_download_at: expect.stringMatching(ISO),
      grant: { download_limit: 3, expires_at: "2031-01-01T00:00:00.000Z" },
      suppressed: { preview: 0, scanner: 0, prefetch: 0, confirmation: 0 },
    });
  });

  it("shows an unused unlimited link with nulls", async () => {
    const s = await setup();
    const answer = await admin(s.tenant, "GET", `/links/${s.entry.link_id}`);
    expect(answer.body).toMatchObject({
      download_count: 0,
      download_limit: null,
      remaining_downloads: null,
      expires_at: null,
      ip_restriction: null,
      device_limit: null,
      devices_used: 0,
      last_download_at: null,
      grant: { download_limit: null, expires_at: null },
    });
  });

  it("answers 404 for an unknown link on every link route", async () => {
    const s = await setup();
    expectError(await admin(s.tenant, "GET", "/links/l_nope"), 404, "not_found");
    expectError(await admin(s.tenant, "PATCH", "/links/l_nope", { json: { revoked: true } }), 404, "not_found");
    expectError(await admin(s.tenant, "POST", "/links/l_nope/reset"), 404, "not_found");
    expectError(await admin(s.tenant, "POST", "/links/l_nope/url"), 404, "not_found");
    expectError(await admin(s.tenant, "GET", "/links/l_nope/events"), 404, "not_found");
    // The unknown id's Durable Object was never given any state.
    expect((await linkStub(env, s.tenant.id, "l_nope").snapshot()).revoked).toBe(false);
  });
});

describe("PATCH /admin/v1/links/:linkId", () => {
  it("replaces the limit (the next download obeys it) and goes back to the grant with null", async () => {
    const s = await setup({ download_limit: 1 });
    expect(await download(s.url)).toBe(200);
    expect(await errorOf(await fetchUrl(s.url))).toEqual({ status: 403, error: "limit_reached" });

    const raised = await admin(s.tenant, "PATCH", `/links/${s.entry.link_id}`, { json: { download_limit: 3 } });
    expect(raised).toMatchObject({
      status: 200,
      body: { download_limit: 3, remaining_downloads: 2, status: "available", grant: { download_limit: 1 } },
    });
    expect(await linkRow(s.tenant.id, s.entry.link_id)).toMatchObject({ limit_override: 3, download_limit: 1 });
    expect((await durable(s)).limitOverride).toBe(3);
    expect(await download(s.url)).toBe(200);
    expect(await download(s.url)).toBe(200);
    expect(await errorOf(await fetchUrl(s.url))).toEqual({ status: 403, error: "limit_reached" });

    const back = await admin(s.tenant, "PATCH", `/links/${s.entry.link_id}`, { json: { download_limit: null } });
    expect(back.body).toMatchObject({ download_limit: 1, remaining_downloads: 0, status: "exhausted" });
    expect(await linkRow(s.tenant.id, s.entry.link_id)).toMatchObject({ limit_override: null, download_count: 3 });
  });

  it("adds downloads on top of the limit", async () => {
    const s = await setup({ download_limit: 1 });
    expect(await download(s.url)).toBe(200);
    expect(await download(s.url)).toBe(403);
    const answer = await admin(s.tenant, "PATCH", `/links/${s.entry.link_id}`, { json: { add_downloads: 2 } });
    expect(answer.body).toMatchObject({ download_limit: 3, remaining_downloads: 2, download_count: 1 });
    expect(await linkRow(s.tenant.id, s.entry.link_id)).toMatchObject({ extra_downloads: 2 });
    expect(await download(s.url)).toBe(200);
    expect(await download(s.url)).toBe(200);
    expect(await download(s.url)).toBe(403);
    expect((await durable(s)).count).toBe(3);
  });

  it("refuses extra downloads on a link without a limit, storing nothing that could surface later", async () => {
    const s = await setup();
    const path = `/links/${s.entry.link_id}`;
    const before = (await admin(s.tenant, "GET", path)).body;
    const refused = await admin(s.tenant, "PATCH", path, {
      json: { add_downloads: 2, expires_at: "2031-01-01T00:00:00Z" },
    });
    expectError(refused, 400, "bad_request", ["add_downloads"]);
    expect(JSON.stringify(refused.body)).toContain("the link has no download limit; set download_limit instead");
    expect((await admin(s.tenant, "GET", path)).body).toEqual(before);
    expect(await durable(s)).toMatchObject({ extraDownloads: 0, expiresAtOverride: null });
    expect(await linkRow(s.tenant.id, s.entry.link_id)).toMatchObject({ extra_downloads: 0 });
    // A limit set afterwards is exactly that limit; with one in the same change, extra downloads add to it.
    const limited = await admin(s.tenant, "PATCH", path, { json: { download_limit: 1 } });
    expect(limited.body).toMatchObject({ download_limit: 1 });
    const both = await admin(s.tenant, "PATCH", path, { json: { download_limit: 3, add_downloads: 2 } });
    expect(both.body).toMatchObject({ download_limit: 5 });
  });

  it("drops the extra downloads with the limit they added to, so none stays hidden", async () => {
    const s = await setup();
    const path = `/links/${s.entry.link_id}`;
    expect(
      (await admin(s.tenant, "PATCH", path, { json: { download_limit: 5, add_downloads: 2 } })).body,
    ).toMatchObject({ download_limit: 7 });
    // Back to the grant, which has no limit: the extra downloads go with the override.
    const unlimited = await admin(s.tenant, "PATCH", path, { json: { download_limit: null } });
    expect(unlimited.body).toMatchObject({ download_limit: null, remaining_downloads: null });
    expect(await durable(s)).toMatchObject({ limitOverride: null, extraDownloads: 0 });
    expect(await linkRow(s.tenant.id, s.entry.link_id)).toMatchObject({ extra_downloads: 0 });
    expect((await admin(s.tenant, "PATCH", path, { json: { download_limit: 1 } })).body).toMatchObject({
      download_limit: 1,
    });
  });

  it("drops extra downloads an unlimited link's object kept from before, when a limit is set", async () => {
    const s = await setup();
    const stub = linkStub(env, s.tenant.id, s.entry.link_id);
    // As an object could hold them from before the rule: added against a limit it never had.
    expect((await stub.change({ addDownloads: 2 }, 5)).ok).toBe(true);
    expect((await stub.snapshot()).extraDownloads).toBe(2);
    const limited = await admin(s.tenant, "PATCH", `/links/${s.entry.link_id}`, { json: { download_limit: 1 } });
    expect(limited.body).toMatchObject({ download_limit: 1 });
    expect(await durable(s)).toMatchObject({ limitOverride: 1, extraDownloads: 0 });
    expect(await linkRow(s.tenant.id, s.entry.link_id)).toMatchObject({ extra_downloads: 0 });
  });

  it("checks extra downloads against the limit as the link's object holds it, under concurrent changes", async () => {
    const links = await Promise.all(Array.from({ length: 4 }, () => setup({}, {})));
    const races = await Promise.all(
      links.map(async (s) => {
        const path = `/links/${s.entry.link_id}`;
        await admin(s.tenant, "PATCH", path, { json: { download_limit: 5 } });
        const [drop, add] = await Promise.all([
          admin(s.tenant, "PATCH", path, { json: { download_limit: null } }),
          admin(s.tenant, "PATCH", path, { json: { add_downloads: 2 } }),
        ]);
        const after = await durable(s);
        const relimited = await admin<{ download_limit: number }>(s.tenant, "PATCH", path, {
          json: { download_limit: 1 },
        });
        return { drop: drop.status, add: add.status, after, relimited: relimited.body.download_limit };
      }),
    );
    for (const race of races) {
      expect(race.drop).toBe(200);
      // Added first, then dropped with the limit; or refused, the limit gone already. Never kept.
      expect([200, 400]).toContain(race.add);
      expect(race.after).toMatchObject({ limitOverride: null, extraDownloads: 0 });
      expect(race.relimited).toBe(1);
    }
  });

  it("moves the expiry: a past date closes the link (410 expired), null restores the grant", async () => {
    const s = await setup();
    const past = new Date(Date.now() - 3600_000);
    past.setMilliseconds(0);
    const closed = await admin(s.tenant, "PATCH", `/links/${s.entry.link_id}`, {
      json: { expires_at: past.toISOString() },
    });
    expect(closed.body).toMatchObject({ status: "expired", is_expired: true, expires_at: past.toISOString() });
    expect(await linkRow(s.tenant.id, s.entry.link_id)).toMatchObject({ expires_at_override: past.getTime() / 1000 });
    expect(await errorOf(await fetchUrl(s.url))).toEqual({ status: 410, error: "expired" });

    const reopened = await admin(s.tenant, "PATCH", `/links/${s.entry.link_id}`, { json: { expires_at: null } });
    expect(reopened.body).toMatchObject({ status: "available", is_expired: false, expires_at: null });
    expect(await download(s.url)).toBe(200);
    expect((await durable(s)).count).toBe(1);
  });

  it("revokes (410 revoked, nothing counted) and restores a link", async () => {
    const s = await setup();
    const revoked = await admin(s.tenant, "PATCH", `/links/${s.entry.link_id}`, { json: { revoked: true } });
    expect(revoked.body).toMatchObject({ revoked: true, status: "revoked" });
    expect(await linkRow(s.tenant.id, s.entry.link_id)).toMatchObject({ revoked: 1 });
    expect(await errorOf(await fetchUrl(s.url))).toEqual({ status: 410, error: "revoked" });
    expect((await durable(s)).count).toBe(0);

    const restored = await admin(s.tenant, "PATCH", `/links/${s.entry.link_id}`, { json: { revoked: false } });
    expect(restored.body).toMatchObject({ revoked: false, status: "available" });
    expect(await linkRow(s.tenant.id, s.entry.link_id)).toMatchObject({ revoked: 0 });
    const response = await fetchUrl(s.url);
    expect(response.status).toBe(200);
    expect(await bodyBytes(response)).toEqual(s.bytes);
  });

  it("applies several changes in one request", async () => {
    const s = await setup({ download_limit: 2 });
    const answer = await admin(s.tenant, "PATCH", `/links/${s.entry.link_id}`, {
      json: { download_limit: 5, add_downloads: 1, expires_at: "2032-02-02T00:00:00Z" },
    });
    expect(answer.body).toMatchObject({
      download_limit: 6,
      remaining_downloads: 6,
      expires_at: "2032-02-02T00:00:00.000Z",
    });
    expect(await durable(s)).toMatchObject({
      limitOverride: 5,
      extraDownloads: 1,
      expiresAtOverride: Date.parse("2032-02-02T00:00:00Z") / 1000,
    });
  });

  it.each([
    ["an empty body", {}, [""]],
    ["a download_limit of 0", { download_limit: 0 }, ["download_limit"]],
    ["a download_limit that is text", { download_limit: "3" }, ["download_limit"]],
    ["add_downloads of 0", { add_downloads: 0 }, ["add_downloads"]],
    ["add_downloads over a million", { add_downloads: 1_000_001 }, ["add_downloads"]],
    ["an expires_at that is no date", { expires_at: "soon" }, ["expires_at"]],
    ["revoked that is no boolean", { revoked: "yes" }, ["revoked"]],
  ])("refuses %s with 400 naming the field, changing nothing", async (_label, body, paths) => {
    const s = await setup({ download_limit: 2 });
    const before = await durable(s);
    expectError(await admin(s.tenant, "PATCH", `/links/${s.entry.link_id}`, { json: body }), 400, "bad_request", paths);
    expect(await durable(s)).toEqual(before);
    expect(await linkRow(s.tenant.id, s.entry.link_id)).toMatchObject({ count_version: 0, limit_override: null });
  });

  it("refuses a body that is not JSON (400) and one over 1 MiB (413)", async () => {
    const s = await setup();
    const path = `/links/${s.entry.link_id}`;
    expectError(await admin(s.tenant, "PATCH", path, { body: "revoked=true" }), 400, "bad_request", [""]);
    expectError(
      await admin(s.tenant, "PATCH", path, { body: JSON.stringify({ revoked: true, pad: "x".repeat(1024 * 1024) }) }),
      413,
      "payload_too_large",
    );
    expect((await durable(s)).revoked).toBe(false);
  });
});

describe("POST /admin/v1/links/:linkId/reset", () => {
  it("starts the count and devices over, keeping overrides; D1 follows at once", async () => {
    const s = await setup({ download_limit: 2 });
    await admin(s.tenant, "PATCH", `/links/${s.entry.link_id}`, { json: { add_downloads: 1 } });
    for (let i = 0; i < 3; i++) expect(await download(s.url)).toBe(200);
    expect(await download(s.url)).toBe(403);
    const answer = await admin(s.tenant, "POST", `/links/${s.entry.link_id}/reset`);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      download_count: 0,
      devices_used: 0,
      download_limit: 3,
      remaining_downloads: 3,
      last_download_at: null,
      status: "available",
    });
    expect(await durable(s)).toMatchObject({ count: 0, extraDownloads: 1 });
    expect(await linkRow(s.tenant.id, s.entry.link_id)).toMatchObject({ download_count: 0, extra_downloads: 1 });
    expect(await download(s.url)).toBe(200);
  });
});

describe("POST /admin/v1/links/:linkId/url", () => {
  it("answers a freshly signed URL for the same link, which downloads and counts on that link", async () => {
    const s = await setup({ download_limit: 2 });
    const answer = await admin<{ link_id: string; download_url: string }>(
      s.tenant,
      "POST",
      `/links/${s.entry.link_id}/url`,
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      link_id: s.entry.link_id,
      download_url: expect.stringMatching(new RegExp(`^https://${s.tenant.host}/api/${s.tenant.id}/downloads/`)),
    });
    expect(tokenOf(answer.body.download_url).claims).toMatchObject({
      lid: s.entry.link_id,
      fid: s.entry.id,
      lim: 2,
      sub: "cust-1",
      ord: s.orderNumber,
      fn: "album.zip",
    });
    expect(await download(answer.body.download_url)).toBe(200);
    expect(await download(s.url)).toBe(200);
    expect(await download(answer.body.download_url)).toBe(403);
    expect((await durable(s)).count).toBe(2);
  });
});

describe("GET /admin/v1/links/:linkId/events", () => {
  it("pages through the download log newest first", async () => {
    const s = await setup({ download_limit: 2 });
    expect(await download(s.url, { headers: { "User-Agent": "first/1" } })).toBe(200);
    expect(await download(s.url, { headers: { "User-Agent": "second/1", Range: "bytes=0-99" } })).toBe(206);
    expect(await download(s.url, { headers: { "User-Agent": "third/1" } })).toBe(403);
    // The batched write may or may not have reached D1 yet; the link's alarm confirms the
    // outbox and writes whatever is missing, so after it every event is in D1 exactly once.
    await runDurableObjectAlarm(linkStub(env, s.tenant.id, s.entry.link_id));

    const all = await admin<{ data: Record<string, unknown>[]; next_cursor: string | null }>(
      s.tenant,
      "GET",
      `/links/${s.entry.link_id}/events`,
    );
    expect(all.status).toBe(200);
    expect(all.body.next_cursor).toBeNull();
    expect(all.body.data.map((e) => e.user_agent)).toEqual(["third/1", "second/1", "first/1"]);
    expect(all.body.data[0]).toEqual({
      id: expect.any(String),
      at: expect.stringMatching(ISO),
      ip: "203.0.113.10",
      user_agent: "third/1",
      country: null,
      range: null,
      status: 403,
      bytes: 0,
      bytes_sent: 0,
      outcome: null,
      counted: false,
      reason: null,
      device: expect.any(String),
      error: "limit_reached",
    });
    expect(all.body.data[1]).toMatchObject({
      range: "bytes=0-99",
      status: 206,
      bytes: 100,
      counted: true,
      error: null,
    });
    expect(all.body.data[2]).toMatchObject({ status: 200, bytes: 800, counted: true });

    const page1 = await admin<{ data: { id: string }[]; next_cursor: string }>(
      s.tenant,
      "GET",
      `/links/${s.entry.link_id}/events?limit=2`,
    );
    expect(page1.body.data.map((e) => e.id)).toEqual(all.body.data.slice(0, 2).map((e) => e.id));
    expect(page1.body.next_cursor).toMatch(/^\d+_[A-Za-z0-9-]+$/);
    const page2 = await admin<{ data: { id: string }[]; next_cursor: string | null }>(
      s.tenant,
      "GET",
      `/links/${s.entry.link_id}/events?limit=2&cursor=${page1.body.next_cursor}`,
    );
    expect(page2.body.data.map((e) => e.id)).toEqual([all.body.data[2]?.id]);
    expect(page2.body.next_cursor).toBeNull();
  });

  it.each([
    ["limit=0", "limit"],
    ["limit=501", "limit"],
    ["limit=ten", "limit"],
    ["cursor=not-a-cursor", "cursor"],
  ])("refuses ?%s with 400 naming it", async (query, field) => {
    const s = await setup();
    expectError(await admin(s.tenant, "GET", `/links/${s.entry.link_id}/events?${query}`), 400, "bad_request", [field]);
  });
});
