/**
 * `GET /downloads/:token/info` (docs/CONTRACT.md §4): the exact shape, 200 for links that can no
 * longer download, never a count, and the store's overrides reflected.
 */
import { describe, expect, it } from "vitest";
import {
  bytesOf,
  createTenant,
  drain,
  gateway,
  info,
  nowSeconds,
  putFile,
  signLink,
  type StoredFile,
  type TestLink,
  type TestTenant,
} from "../helpers/fixtures.ts";
import type { LinkGrant } from "../../src/sdk/sign.ts";

const INFO_KEYS = [
  "download_count",
  "download_limit",
  "expires_at",
  "file_name",
  "file_size",
  "is_expired",
  "is_limit_reached",
  "mime_type",
  "remaining_downloads",
  "revoked",
  "status",
];

async function setup(
  grant: Partial<LinkGrant> = {},
): Promise<{ tenant: TestTenant; file: StoredFile; link: TestLink }> {
  const tenant = await createTenant();
  const file = await putFile(tenant, { size: 4321, filename: "Guide.pdf" });
  const link = await signLink(tenant, file, grant);
  return { tenant, file, link };
}

async function download(tenant: TestTenant, link: TestLink): Promise<number> {
  return (await drain(await gateway(tenant, `/downloads/${link.token}`))).status;
}

describe("/info shape", () => {
  it("answers exactly the eleven documented keys with their values for a limited, expiring link", async () => {
    const exp = nowSeconds() + 3600;
    const { tenant, link } = await setup({ limit: 3, expires: exp });
    expect(await download(tenant, link)).toBe(200);
    const response = await gateway(tenant, `/downloads/${link.token}/info`);
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect(response.headers.get("Cache-Control")).toBe("private, no-store");
    const body: Record<string, unknown> = await response.json();
    expect(Object.keys(body).sort()).toEqual(INFO_KEYS);
    expect(body).toEqual({
      file_name: "Guide.pdf",
      file_size: 4321,
      mime_type: "application/pdf",
      download_count: 1,
      download_limit: 3,
      remaining_downloads: 2,
      expires_at: new Date(exp * 1000).toISOString(),
      is_expired: false,
      is_limit_reached: false,
      revoked: false,
      status: "available",
    });
  });

  it("answers null limit, remaining and expiry for an unlimited link without exp", async () => {
    const { tenant, link } = await setup();
    const body = await info(tenant, link.token);
    expect(body).toMatchObject({ download_limit: null, remaining_downloads: null, expires_at: null });
    expect(body.is_expired).toBe(false);
    expect(body.is_limit_reached).toBe(false);
    expect(Object.keys(body).sort()).toEqual(INFO_KEYS);
  });

  it("presents the fn claim as file_name and derives mime_type from it", async () => {
    const { tenant, link } = await setup({ filename: "Lied ♫.mp3" });
    expect(await info(tenant, link.token)).toMatchObject({ file_name: "Lied ♫.mp3", mime_type: "audio/mpeg" });
  });

  it("is also served under /api/<tenant>/ on any host", async () => {
    const { tenant, link } = await setup({ limit: 2 });
    const other = { ...tenant, host: "unrelated-host.test" };
    const response = await gateway(other, `/api/${tenant.id}/downloads/${link.token}/info`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ download_count: 0, download_limit: 2 });
  });

  it("answers a token that fails verification with the error, not with info", async () => {
    const { tenant, link } = await setup();
    const response = await gateway(tenant, `/downloads/${link.token}x/info`);
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: "invalid_token" });
  });
});

describe("/info on links that cannot download", () => {
  it("answers 200 with is_expired for an expired link that itself answers 410", async () => {
    const exp = nowSeconds() - 3600;
    const { tenant, link } = await setup({ expires: exp });
    expect(await download(tenant, link)).toBe(410);
    expect(await info(tenant, link.token)).toMatchObject({
      is_expired: true,
      expires_at: new Date(exp * 1000).toISOString(),
      download_count: 0,
    });
  });

  it("answers 200 with is_limit_reached and 0 remaining for an exhausted link", async () => {
    const { tenant, link } = await setup({ limit: 1 });
    expect(await download(tenant, link)).toBe(200);
    expect(await download(tenant, link)).toBe(403);
    expect(await info(tenant, link.token)).toMatchObject({
      download_count: 1,
      download_limit: 1,
      remaining_downloads: 0,
      is_limit_reached: true,
    });
  });

  it("answers 200 with revoked for a revoked link", async () => {
    const { tenant, link } = await setup();
    await link.stub.setRevoked(true);
    expect(await download(tenant, link)).toBe(410);
    expect(await info(tenant, link.token)).toMatchObject({ revoked: true, download_count: 0 });
  });
});

describe("/info never counts", () => {
  it("leaves the count at 0 and logs no event after repeated calls", async () => {
    const { tenant, link } = await setup({ limit: 1 });
    for (let i = 0; i < 5; i++) expect((await info(tenant, link.token)).download_count).toBe(0);
    expect((await link.stub.snapshot()).count).toBe(0);
    expect(await link.stub.pendingEvents()).toBe(0);
    expect(await download(tenant, link)).toBe(200);
  });
});

describe("/info reflects the store's overrides held by the Durable Object", () => {
  it("reports a new limit from setLimit and lets an exhausted link download again", async () => {
    const { tenant, link } = await setup({ limit: 1 });
    expect(await download(tenant, link)).toBe(200);
    await link.stub.change({ limitOverride: 3 }, null);
    expect(await info(tenant, link.token)).toMatchObject({
      download_limit: 3,
      remaining_downloads: 2,
      is_limit_reached: false,
    });
    expect(await download(tenant, link)).toBe(200);
    expect((await link.stub.snapshot()).count).toBe(2);
  });

  it("turns an unlimited link into a limited one with setLimit, and back with setLimit(null)", async () => {
    const { tenant, link } = await setup();
    await link.stub.change({ limitOverride: 1 }, null);
    expect(await download(tenant, link)).toBe(200);
    expect(await download(tenant, link)).toBe(403);
    expect(await info(tenant, link.token)).toMatchObject({ download_limit: 1, is_limit_reached: true });
    await link.stub.change({ limitOverride: null }, null);
    expect(await info(tenant, link.token)).toMatchObject({ download_limit: null, remaining_downloads: null });
    expect(await download(tenant, link)).toBe(200);
  });

  it("adds addDownloads to the limit in force", async () => {
    const { tenant, link } = await setup({ limit: 1 });
    expect(await download(tenant, link)).toBe(200);
    expect((await link.stub.change({ addDownloads: 2 })).ok).toBe(true);
    expect(await info(tenant, link.token)).toMatchObject({ download_limit: 3, remaining_downloads: 2 });
    expect(await download(tenant, link)).toBe(200);
    expect(await download(tenant, link)).toBe(200);
    expect(await download(tenant, link)).toBe(403);
    expect(await info(tenant, link.token)).toMatchObject({ download_count: 3, is_limit_reached: true });
  });

  it("extends an expired link with setExpiry so it downloads again, and setExpiry(null) restores the claim", async () => {
    const { tenant, file, link } = await setup({ expires: nowSeconds() - 3600 });
    expect(await download(tenant, link)).toBe(410);
    const newExpiry = nowSeconds() + 7200;
    await link.stub.change({ expiresAtOverride: newExpiry }, null);
    expect(await info(tenant, link.token)).toMatchObject({
      is_expired: false,
      expires_at: new Date(newExpiry * 1000).toISOString(),
    });
    const response = await gateway(tenant, `/downloads/${link.token}`);
    expect(response.status).toBe(200);
    expect(await bytesOf(response)).toEqual(file.bytes);
    expect((await link.stub.snapshot()).count).toBe(1);
    await link.stub.change({ expiresAtOverride: null }, null);
    expect(await info(tenant, link.token)).toMatchObject({ is_expired: true });
    expect(await download(tenant, link)).toBe(410);
  });

  it("expires a still-valid link early with a past setExpiry", async () => {
    const { tenant, link } = await setup({ expires: nowSeconds() + 3600 });
    await link.stub.change({ expiresAtOverride: nowSeconds() - 3600 }, null);
    expect(await info(tenant, link.token)).toMatchObject({ is_expired: true });
    expect(await download(tenant, link)).toBe(410);
  });

  it("starts the count over with reset, keeping the overrides", async () => {
    const { tenant, link } = await setup({ limit: 1 });
    // The token's limit, as the issuer API passes it before the object has seen a token.
    expect((await link.stub.change({ addDownloads: 1 }, 1)).ok).toBe(true);
    expect(await download(tenant, link)).toBe(200);
    expect(await download(tenant, link)).toBe(200);
    expect(await download(tenant, link)).toBe(403);
    await link.stub.reset();
    expect(await info(tenant, link.token)).toMatchObject({
      download_count: 0,
      download_limit: 2,
      remaining_downloads: 2,
      is_limit_reached: false,
    });
    expect(await download(tenant, link)).toBe(200);
    expect((await link.stub.snapshot()).count).toBe(1);
  });

  it.each([
    ["an unpaid order's link", "pending", 403],
    ["a held order's or blocked link", "suspended", 403],
    ["a revoked link", "revoked", 410],
  ])("says what %s would meet in status (%s), as the download answers %i", async (_label, status, answer) => {
    const { tenant, link } = await setup();
    if (status === "pending") await link.stub.setPending(true);
    if (status === "suspended") await link.stub.change({ suspended: true }, null);
    if (status === "revoked") await link.stub.setRevoked(true);
    expect(await info(tenant, link.token)).toMatchObject({ status });
    expect(await download(tenant, link)).toBe(answer);
  });

  it("says not_yet_valid for a token whose nbf is ahead, as the download answers 403 not_yet_valid", async () => {
    const { tenant, link } = await setup({ notBefore: Math.floor(Date.now() / 1000) + 3600 });
    expect(await info(tenant, link.token)).toMatchObject({ status: "not_yet_valid", is_expired: false });
    expect(await download(tenant, link)).toBe(403);
    expect((await link.stub.snapshot()).count).toBe(0);
  });

  it("reports revoked false again after setRevoked(false), and downloads work again", async () => {
    const { tenant, link } = await setup();
    await link.stub.setRevoked(true);
    expect(await download(tenant, link)).toBe(410);
    await link.stub.setRevoked(false);
    expect(await info(tenant, link.token)).toMatchObject({ revoked: false });
    expect(await download(tenant, link)).toBe(200);
  });
});
