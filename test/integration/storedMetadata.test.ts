/**
 * Stored data that lies (issue 8 item 4): a media type with CR/LF stored before the admin
 * API validated it (in R2 metadata or in D1 for a pull-through file) must never break a
 * download, and any failure after the count was taken gives the download back
 * (docs/CONTRACT.md §6 rule 4).
 */
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Env } from "../../src/env.ts";
import {
  bytesOf,
  createTenant,
  fileBytes,
  gateway,
  gatewayWith,
  signLink,
  uid,
  type StoredFile,
  type TestTenant,
} from "../helpers/fixtures.ts";
import { admin, createTenantWithAdminKey } from "../helpers/issuer.ts";

afterEach(() => vi.restoreAllMocks());

const INJECTED = "text/html\r\nSet-Cookie: session=stolen\r\nX-Injected: 1";

/** A file whose R2 metadata holds a media type no header may carry. */
async function fileWithBrokenType(tenant: TestTenant, contentType = INJECTED): Promise<StoredFile> {
  const id = uid("f");
  const bytes = fileBytes(1500, 3);
  await env.FILES.put(`${tenant.id}/${id}`, bytes, {
    httpMetadata: { contentType },
    customMetadata: { filename: "Handbook.pdf" },
  });
  return { id, bytes };
}

describe("a stored media type with CR/LF", () => {
  it("serves every download of a limit-2 link with the type from the extension, then refuses the third", async () => {
    const tenant = await createTenant();
    const file = await fileWithBrokenType(tenant);
    const link = await signLink(tenant, file, { limit: 2 });
    for (const expectedCount of [1, 2]) {
      const response = await gateway(tenant, `/downloads/${link.token}`);
      expect(response.status).toBe(200);
      expect(response.headers.get("Content-Type")).toBe("application/pdf");
      expect(response.headers.get("Set-Cookie") ?? "").not.toContain("stolen");
      expect(response.headers.get("X-Injected")).toBeNull();
      expect(await bytesOf(response)).toEqual(file.bytes);
      expect((await link.stub.snapshot()).count).toBe(expectedCount);
    }
    const third = await gateway(tenant, `/downloads/${link.token}`);
    expect(third.status).toBe(403);
    expect(await third.json()).toMatchObject({ error: "limit_reached" });
  });

  it("answers HEAD and /info with the fallback type too, counting nothing", async () => {
    const tenant = await createTenant();
    const file = await fileWithBrokenType(tenant, "application/pdf\u0000");
    const link = await signLink(tenant, file, { limit: 2 });
    const head = await gateway(tenant, `/downloads/${link.token}`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("Content-Type")).toBe("application/pdf");
    const info = await gateway(tenant, `/downloads/${link.token}/info`);
    expect(await info.json()).toMatchObject({ mime_type: "application/pdf", download_count: 0 });
    expect((await link.stub.snapshot()).count).toBe(0);
  });

  it("keeps a valid stored type as it is", async () => {
    const tenant = await createTenant();
    const file = await fileWithBrokenType(tenant, "application/x-handbook; version=2");
    const link = await signLink(tenant, file);
    const response = await gateway(tenant, `/downloads/${link.token}`);
    expect(response.headers.get("Content-Type")).toBe("application/x-handbook; version=2");
    await response.arrayBuffer();
  });

  it("pulls a pull-through file whose D1 type has CR/LF and serves it with the extension's type", async () => {
    const tenant = await createTenantWithAdminKey();
    const fileId = uid("pull");
    const registered = await admin(tenant, "POST", `/files/${fileId}`, {
      json: { source_url: `https://files.origin.example/${fileId}/notes.pdf` },
    });
    expect(registered.status).toBe(201);
    // As a row written before the admin API validated types would hold it.
    await env.DB.prepare("UPDATE files SET mime_type = ? WHERE tenant_id = ? AND id = ?")
      .bind(INJECTED, tenant.id, fileId)
      .run();
    const bytes = fileBytes(800, 8);
    vi.spyOn(globalThis, "fetch").mockImplementation(
      async () => new Response(bytes, { headers: { "Content-Length": String(bytes.byteLength) } }),
    );
    const link = await signLink(tenant, { id: fileId, bytes }, { limit: 2 });
    const response = await gateway(tenant, `/downloads/${link.token}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("application/pdf");
    expect(await bytesOf(response)).toEqual(bytes);
    expect((await link.stub.snapshot()).count).toBe(1);
    expect((await env.FILES.head(`${tenant.id}/${fileId}`))?.httpMetadata?.contentType).toBe("application/pdf");
  });
});

/** The real R2 binding, except that a body read hands back an object whose body cannot be taken. */
function filesWithBrokenBody(): R2Bucket {
  const broken = {
    head: (key: string) => env.FILES.head(key),
    get: async (key: string, options?: R2GetOptions) => {
      const object = await env.FILES.get(key, options);
      if (!object || !("body" in object)) return object;
      void object.body.cancel();
      return {
        key: object.key,
        etag: object.etag,
        httpEtag: object.httpEtag,
        size: object.size,
        get body(): ReadableStream {
          throw new Error("the R2 body stream failed (test double)");
        },
      };
    },
  };
  // A structural stand-in: serving calls only head and get.
  return broken as unknown as R2Bucket;
}

describe("a failure after the count was taken", () => {
  it("gives the download back: a limit-1 link still serves its one download afterwards", async () => {
    const tenant = await createTenant();
    const file = await fileWithBrokenType(tenant, "application/pdf");
    const link = await signLink(tenant, file, { limit: 1 });
    const bindings: Env = { ...env, FILES: filesWithBrokenBody() };
    const failed = await gatewayWith(tenant, `/downloads/${link.token}`, bindings);
    expect(failed.status).toBe(503);
    expect(JSON.parse(new TextDecoder().decode(failed.body))).toMatchObject({ error: "unavailable" });
    expect((await link.stub.snapshot()).count).toBe(0);

    const served = await gateway(tenant, `/downloads/${link.token}`);
    expect(served.status).toBe(200);
    expect(await bytesOf(served)).toEqual(file.bytes);
    expect((await link.stub.snapshot()).count).toBe(1);
  });
});
