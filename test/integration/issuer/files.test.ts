/**
 * `/admin/v1/files`: streamed upload, multipart upload, pull-through registration, read,
 * delete; and pull-through itself (src/files/pullThrough.ts) against a local origin (a
 * fetch handler standing in for the store's file server), directly and through the
 * download route.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { pullFromOrigin } from "../../../src/files/pullThrough.ts";
import { HttpError } from "../../../src/http/HttpError.ts";
import worker from "../../../src/index.ts";
import { linkStub } from "../../../src/links/linkStub.ts";
import { outboxEvents } from "../../helpers/deliveries.ts";
import { gatedDB } from "../../helpers/gatedD1.ts";
import { fileBytes, uid } from "../../helpers/fixtures.ts";
import {
  admin,
  adminDirect,
  adminFetch,
  bodyBytes,
  createTenantWithAdminKey,
  customerGet,
  customerToken,
  errorOf,
  expectError,
  fetchUrl,
  firstFile,
  orderBody,
  placeOrder,
  readAnswer,
  uploadFile,
  type IssuerTenant,
  type ListingEntry,
  type OrderView,
} from "../../helpers/issuer.ts";

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const MiB = 1024 * 1024;

afterEach(() => {
  vi.restoreAllMocks();
});

async function sha256(bytes: Uint8Array): Promise<string> {
  return [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))]
    .map((b) => b.toString(16).padStart(2, "0"))
    .join("");
}

async function fileRow(tenantId: string, fileId: string) {
  return env.DB.prepare("SELECT * FROM files WHERE tenant_id = ? AND id = ?").bind(tenantId, fileId).first<{
    name: string;
    size: number | null;
    mime_type: string;
    sha256: string | null;
    source: string;
    origin_url: string | null;
  }>();
}

async function r2Bytes(key: string): Promise<Uint8Array | null> {
  const object = await env.FILES.get(key);
  return object ? new Uint8Array(await object.arrayBuffer()) : null;
}

/** A request straight into the Worker (no runtime in between adding Content-Length). */
async function direct(tenant: IssuerTenant, method: string, path: string, init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  headers.set("Authorization", `Bearer ${tenant.adminKey}`);
  const ctx = createExecutionContext();
  const response = await worker.fetch(
    new Request(`https://${tenant.host}/admin/v1${path}`, { method, headers, body: init.body ?? null }),
    env,
    ctx,
  );
  const answer = await readAnswer(response);
  await waitOnExecutionContext(ctx);
  return answer;
}

function streamOf(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  });
}

describe("PUT /admin/v1/files/:fileId", () => {
  it("streams the body into R2 and records name, size, type and SHA-256", async () => {
    const tenant = await createTenantWithAdminKey();
    const bytes = fileBytes(4321, 3);
    const answer = await admin(tenant, "PUT", "/files/book-1", {
      body: bytes,
      headers: { "Content-Length": String(bytes.byteLength), "X-File-Name": "Mon%20livre%20%C3%A9t%C3%A9.pdf" },
    });
    expect(answer.status).toBe(201);
    expect(answer.body).toEqual({
      id: "book-1",
      name: "Mon livre été.pdf",
      size: 4321,
      mime_type: "application/pdf",
      sha256: await sha256(bytes),
      source: "r2",
      created_at: expect.stringMatching(ISO),
    });
    expect(await r2Bytes(`${tenant.id}/book-1`)).toEqual(bytes);
    const object = await env.FILES.head(`${tenant.id}/book-1`);
    expect(object?.httpMetadata?.contentType).toBe("application/pdf");
    expect(object?.customMetadata?.filename).toBe("Mon livre été.pdf");
    expect(await fileRow(tenant.id, "book-1")).toMatchObject({
      name: "Mon livre été.pdf",
      size: 4321,
      mime_type: "application/pdf",
      sha256: await sha256(bytes),
      source: "r2",
      origin_url: null,
    });
  });

  it("takes the name from ?name=, the type from Content-Type, and defaults the name to the id", async () => {
    const tenant = await createTenantWithAdminKey();
    const named = await admin(tenant, "PUT", "/files/ebook?name=novel.bin", {
      body: fileBytes(10),
      headers: { "Content-Type": "application/epub+zip" },
    });
    expect(named.body).toMatchObject({ name: "novel.bin", mime_type: "application/epub+zip" });
    const plain = await admin(tenant, "PUT", "/files/track-9", { body: fileBytes(10) });
    expect(plain.body).toMatchObject({ id: "track-9", name: "track-9", mime_type: "application/octet-stream" });
    const zip = await admin(tenant, "PUT", "/files/z?name=pack.zip", {
      body: fileBytes(10),
      headers: { "Content-Type": "application/octet-stream" },
    });
    expect(zip.body).toMatchObject({ mime_type: "application/zip" });
  });

  it("takes the type from the name when curl's default form type is all that was declared", async () => {
    const tenant = await createTenantWithAdminKey();
    const bytes = fileBytes(64, 2);
    const headers = { "Content-Length": "64", "Content-Type": "application/x-www-form-urlencoded" };
    const answer = await admin(tenant, "PUT", "/files/book?name=Book.pdf", { body: bytes, headers });
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({ name: "Book.pdf", mime_type: "application/pdf" });
  });

  it("strips path parts from the name", async () => {
    const tenant = await createTenantWithAdminKey();
    const answer = await admin(tenant, "PUT", "/files/evil", {
      body: fileBytes(10),
      headers: { "X-File-Name": "..%2F..%2Fetc%2Fpasswd" },
    });
    expect(answer.status).toBe(201);
    expect(answer.body.name).toBe("_.._etc_passwd");
    expect((await fileRow(tenant.id, "evil"))?.name).toBe("_.._etc_passwd");
  });

  it("replaces a file uploaded under the same id: new bytes, new hash, still one row", async () => {
    const tenant = await createTenantWithAdminKey();
    await uploadFile(tenant, { id: "same", size: 100, seed: 1 });
    const second = await uploadFile(tenant, { id: "same", size: 200, seed: 2 });
    expect(second.view).toMatchObject({ size: 200, sha256: await sha256(second.bytes) });
    expect(await r2Bytes(`${tenant.id}/same`)).toEqual(second.bytes);
    const count = await env.DB.prepare("SELECT COUNT(*) AS n FROM files WHERE tenant_id = ? AND id = 'same'")
      .bind(tenant.id)
      .first<{ n: number }>();
    expect(count?.n).toBe(1);
  });

  it("accepts an empty file", async () => {
    const tenant = await createTenantWithAdminKey();
    const answer = await admin(tenant, "PUT", "/files/empty", {
      body: new Uint8Array(0),
      headers: { "Content-Length": "0" },
    });
    expect(answer).toMatchObject({ status: 201, body: { size: 0, sha256: await sha256(new Uint8Array(0)) } });
  });

  it("refuses a body without Content-Length (400) and one over 100 MB (413), storing nothing", async () => {
    const tenant = await createTenantWithAdminKey();
    const noLength = await direct(tenant, "PUT", "/files/nolen", { body: streamOf(fileBytes(10)) });
    expectError(noLength, 400, "bad_request", ["Content-Length"]);
    const huge = await direct(tenant, "PUT", "/files/huge", {
      body: streamOf(fileBytes(10)),
      headers: { "Content-Length": String(100 * 1000 * 1000 + 1) },
    });
    expectError(huge, 413, "payload_too_large");
    expect(await env.FILES.head(`${tenant.id}/nolen`)).toBeNull();
    expect(await env.FILES.head(`${tenant.id}/huge`)).toBeNull();
    expect(await fileRow(tenant.id, "huge")).toBeNull();
  });

  it("refuses a body shorter than its Content-Length with 400, storing nothing", async () => {
    const tenant = await createTenantWithAdminKey();
    const short = await direct(tenant, "PUT", "/files/short", {
      body: streamOf(fileBytes(10)),
      headers: { "Content-Length": "20" },
    });
    expectError(short, 400, "bad_request", ["Content-Length"]);
    expect(await env.FILES.head(`${tenant.id}/short`)).toBeNull();
    expect(await fileRow(tenant.id, "short")).toBeNull();
  });

  it.each([
    ["a file id with a dot", "/files/bad.id", {}, "file_id"],
    ["a file id over 128 characters", `/files/${"a".repeat(129)}`, {}, "file_id"],
    ["an X-File-Name that is not valid percent-encoding", "/files/ok", { "X-File-Name": "%E0%A4%A" }, "X-File-Name"],
    ["a name over 255 characters", `/files/ok?name=${"n".repeat(256)}`, {}, "name"],
    // 86 CJK characters are 258 bytes of UTF-8: no file system saves that name.
    ["a name over 255 bytes of UTF-8", `/files/ok?name=${encodeURIComponent("書".repeat(86))}`, {}, "name"],
    [
      "an X-File-Name over 255 bytes of UTF-8",
      "/files/ok",
      { "X-File-Name": encodeURIComponent(`${"😀".repeat(64)}.pdf`) },
      "X-File-Name",
    ],
    ["a name given twice (?name= and X-File-Name)", "/files/ok?name=a.pdf", { "X-File-Name": "b.pdf" }, "name"],
    // curl -F: the body is a form around the file, not the file.
    [
      "a form upload (multipart/form-data)",
      "/files/ok",
      { "Content-Type": "multipart/form-data; boundary=------x" },
      "Content-Type",
    ],
  ])("refuses %s with 400 naming it, storing nothing", async (_label, path, headers, field) => {
    const tenant = await createTenantWithAdminKey();
    const answer = await admin(tenant, "PUT", path, { body: fileBytes(10), headers });
    expectError(answer, 400, "bad_request", [field]);
    const listed = await env.FILES.list({ prefix: `${tenant.id}/` });
    expect(listed.objects).toEqual([]);
  });

  it("answers 401 without an admin key and stores nothing", async () => {
    const tenant = await createTenantWithAdminKey();
    const answer = await readAnswer(await adminFetch(tenant, "PUT", "/files/anon", { key: null, body: fileBytes(10) }));
    expectError(answer, 401, "auth_required");
    expect(await env.FILES.head(`${tenant.id}/anon`)).toBeNull();
    expect(await fileRow(tenant.id, "anon")).toBeNull();
  });
});

describe("GET and DELETE /admin/v1/files/:fileId", () => {
  it("shows a file exactly as the upload answered it, and 404 for an unknown id", async () => {
    const tenant = await createTenantWithAdminKey();
    const file = await uploadFile(tenant, { name: "guide.pdf" });
    expect(await admin(tenant, "GET", `/files/${file.id}`)).toMatchObject({ status: 200, body: file.view });
    expectError(await admin(tenant, "GET", "/files/nope"), 404, "not_found");
  });

  it("deletes the bytes and the row; links to the file then answer 404 and count nothing", async () => {
    const tenant = await createTenantWithAdminKey();
    const file = await uploadFile(tenant);
    const order = await placeOrder(tenant, orderBody([file.id]));
    const entry = firstFile(order);
    const deleted = await adminFetch(tenant, "DELETE", `/files/${file.id}`);
    expect(deleted.status).toBe(204);
    expect(await deleted.text()).toBe("");
    expect(await env.FILES.head(`${tenant.id}/${file.id}`)).toBeNull();
    expect(await fileRow(tenant.id, file.id)).toBeNull();
    expectError(await admin(tenant, "GET", `/files/${file.id}`), 404, "not_found");
    expectError(await admin(tenant, "DELETE", `/files/${file.id}`), 404, "not_found");

    const download = await fetchUrl(entry.download_url as string);
    expect(await errorOf(download)).toEqual({ status: 404, error: "not_found" });
    const stub = linkStub(env, tenant.id, entry.link_id);
    expect((await stub.snapshot()).count).toBe(0);
    // The log says what the customer got: an error, not an answer without a body.
    expect(await outboxEvents(stub)).toMatchObject([{ status: 404, error: "not_found", reason: null, counted: false }]);
  });

  it("lists a deleted file's links as removed, without a URL, until a file of that id is uploaded again", async () => {
    const tenant = await createTenantWithAdminKey({ settings: { store_name: "Tiny Press" } });
    const file = await uploadFile(tenant, { name: "guide.pdf" });
    const order = await placeOrder(tenant, orderBody([file.id], { customer_id: "cust-9" }));
    const { link_id: linkId } = firstFile(order);
    expect((await adminFetch(tenant, "DELETE", `/files/${file.id}`)).status).toBe(204);

    // The store's view of the order and of the link.
    const stored = await admin<OrderView>(tenant, "GET", `/orders/${order.order_number}`);
    expect(firstFile(stored.body)).toMatchObject({ status: "removed", download_url: null });
    expect((await admin(tenant, "GET", `/links/${linkId}`)).body).toMatchObject({ status: "removed" });
    // The customer's listing: gone by default, like expired files; there with the reason on request.
    const token = await customerToken(tenant, "cust-9");
    const listed = async (query = "") =>
      (await readAnswer<{ data: ListingEntry[] }>(await customerGet(tenant, `/my/downloads${query}`, token))).body.data;
    expect(await listed()).toEqual([]);
    const all = await listed("?include_expired=true");
    expect(all.flatMap((entry) => entry.files)).toMatchObject([{ id: file.id, status: "removed", download_url: null }]);
    // The hosted page says why there is no button.
    const page = await fetchUrl(`https://${tenant.host}/o/${order.access_key}`, { headers: { Accept: "text/html" } });
    const text = await page.text();
    expect(text).toContain("The store has removed this file");
    expect(text).not.toContain('class="button"');

    // Uploaded again under its id, the same links work again with the new bytes.
    const again = await uploadFile(tenant, { id: file.id, name: "guide.pdf", seed: 5 });
    const relisted = (await listed()).flatMap((entry) => entry.files);
    expect(relisted).toMatchObject([{ id: file.id, status: "available" }]);
    const download = await fetchUrl(relisted[0]?.download_url as string);
    expect(download.status).toBe(200);
    expect(await bodyBytes(download)).toEqual(again.bytes);
  });
});

it("says a name over 255 characters is too long once, not also as too many bytes", async () => {
  const tenant = await createTenantWithAdminKey();
  const answer = await admin<{ details: { path: string }[] }>(tenant, "PUT", `/files/ok?name=${"n".repeat(256)}`, {
    body: fileBytes(10),
  });
  expect(answer.status).toBe(400);
  expect(answer.body.details.map((d) => d.path)).toEqual(["name"]);
});

describe("multipart upload", () => {
  it("refuses to start an upload typed as a form, starting nothing", async () => {
    const tenant = await createTenantWithAdminKey();
    const answer = await admin(tenant, "POST", `/files/${uid("form")}/uploads?name=a.pdf`, {
      headers: { "Content-Type": "multipart/form-data; boundary=x" },
    });
    expectError(answer, 400, "bad_request", ["Content-Type"]);
    expect((await env.FILES.list({ prefix: `${tenant.id}/` })).objects).toEqual([]);
  });

  it("refuses a part sent as a form (curl -F), which would store the form around the bytes", async () => {
    const tenant = await createTenantWithAdminKey();
    const fileId = uid("formpart");
    const started = await admin<{ upload_id: string }>(tenant, "POST", `/files/${fileId}/uploads?name=a.txt`);
    const form = new FormData();
    form.append("file", new Blob([fileBytes(64)]), "a.txt");
    const request = new Request("https://x.test/", { method: "PUT", body: form });
    const body = new Uint8Array(await request.arrayBuffer());
    const answer = await admin(tenant, "PUT", `/files/${fileId}/uploads/${started.body.upload_id}/parts/1`, {
      body,
      headers: { "Content-Type": request.headers.get("Content-Type") ?? "", "Content-Length": String(body.length) },
    });
    expectError(answer, 400, "bad_request", ["Content-Type"]);
  });

  it("uploads a file larger than one part; the completed file downloads whole", async () => {
    const tenant = await createTenantWithAdminKey();
    const fileId = uid("big");
    const part1 = fileBytes(5 * MiB, 21);
    const part2 = fileBytes(1234, 22);
    const whole = new Uint8Array(part1.byteLength + part2.byteLength);
    whole.set(part1);
    whole.set(part2, part1.byteLength);

    const started = await admin<{ upload_id: string }>(tenant, "POST", `/files/${fileId}/uploads?name=course.zip`);
    expect(started.status).toBe(201);
    expect(started.body).toEqual({
      upload_id: expect.any(String),
      file_id: fileId,
      name: "course.zip",
      mime_type: "application/zip",
    });
    const uploadId = started.body.upload_id;
    const parts = [];
    for (const [n, bytes] of [
      [1, part1],
      [2, part2],
    ] as const) {
      const answer = await admin<{ part_number: number; etag: string }>(
        tenant,
        "PUT",
        `/files/${fileId}/uploads/${encodeURIComponent(uploadId)}/parts/${n}`,
        { body: bytes, headers: { "Content-Length": String(bytes.byteLength) } },
      );
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ part_number: n, etag: expect.any(String) });
      parts.push(answer.body);
    }
    // Nothing is visible before completion.
    expect(await fileRow(tenant.id, fileId)).toBeNull();

    const completePath = `/files/${fileId}/uploads/${encodeURIComponent(uploadId)}/complete`;
    // A part listed twice is refused by name (R2 would answer only "internal error"), and the upload stays open.
    const twice = await admin(tenant, "POST", completePath, { json: { parts: [parts[0], parts[0], parts[1]] } });
    expectError(twice, 400, "bad_request", ["parts.1.part_number"]);
    expect(await fileRow(tenant.id, fileId)).toBeNull();

    const completed = await admin(tenant, "POST", completePath, { json: { parts } });
    expect(completed.status).toBe(201);
    expect(completed.body).toEqual({
      id: fileId,
      name: "course.zip",
      size: whole.byteLength,
      mime_type: "application/zip",
      sha256: await sha256(whole),
      source: "r2",
      created_at: expect.stringMatching(ISO),
    });
    expect(await fileRow(tenant.id, fileId)).toMatchObject({ size: whole.byteLength, sha256: await sha256(whole) });

    // A retried complete (its first answer lost) answers the same file, not "no such upload".
    const retried = await admin(tenant, "POST", completePath, { json: { parts } });
    expect(retried.status).toBe(201);
    expect(retried.body).toEqual(completed.body);
    // Another upload of the same file id cannot pass for it.
    const other = await admin<{ upload_id: string }>(tenant, "POST", `/files/${fileId}/uploads`);
    const otherPath = `/files/${fileId}/uploads/${encodeURIComponent(other.body.upload_id)}/complete`;
    expectError(await admin(tenant, "POST", otherPath, { json: { parts } }), 400, "bad_request", ["upload"]);

    const order = await placeOrder(tenant, orderBody([fileId]));
    const response = await fetchUrl(firstFile(order).download_url as string);
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Length")).toBe(String(whole.byteLength));
    expect(await sha256(await bodyBytes(response))).toBe(await sha256(whole));
  });

  it("aborts an upload: 204, and it can no longer take parts or complete", async () => {
    const tenant = await createTenantWithAdminKey();
    const fileId = uid("ab");
    const started = await admin<{ upload_id: string }>(tenant, "POST", `/files/${fileId}/uploads`);
    const base = `/files/${fileId}/uploads/${encodeURIComponent(started.body.upload_id)}`;
    const part = await admin<{ part_number: number; etag: string }>(tenant, "PUT", `${base}/parts/1`, {
      body: fileBytes(100),
    });
    expect(part.status).toBe(200);
    const aborted = await adminFetch(tenant, "DELETE", base);
    expect(aborted.status).toBe(204);
    expectError(await admin(tenant, "PUT", `${base}/parts/2`, { body: fileBytes(100) }), 400, "bad_request", [
      "upload",
    ]);
    expectError(await admin(tenant, "POST", `${base}/complete`, { json: { parts: [part.body] } }), 400, "bad_request", [
      "upload",
    ]);
    expect(await fileRow(tenant.id, fileId)).toBeNull();
    expect(await env.FILES.head(`${tenant.id}/${fileId}`)).toBeNull();
  });

  it("refuses an upload id started for another file, another store, or altered, before R2 is asked", async () => {
    const [tenant, other] = [await createTenantWithAdminKey(), await createTenantWithAdminKey()];
    const fileId = uid("mine");
    const started = await admin<{ upload_id: string }>(tenant, "POST", `/files/${fileId}/uploads`);
    const id = started.body.upload_id;
    const part = { body: fileBytes(10), headers: { "Content-Length": "10" } };
    const resumed = vi.spyOn(env.FILES, "resumeMultipartUpload");
    const altered = `${id.slice(0, -2)}${id.endsWith("AA") ? "BB" : "AA"}`;
    for (const [who, path] of [
      [other, `/files/${fileId}/uploads/${encodeURIComponent(id)}/parts/1`],
      [tenant, `/files/${uid("another")}/uploads/${encodeURIComponent(id)}/parts/1`],
      [tenant, `/files/${fileId}/uploads/${encodeURIComponent(altered)}/parts/1`],
      [tenant, `/files/${fileId}/uploads/${encodeURIComponent(id.slice(0, id.lastIndexOf(".")))}/parts/1`],
    ] as const) {
      expectError(await admin(who, "PUT", path, part), 400, "bad_request", ["upload"]);
    }
    expectError(
      await admin(other, "DELETE", `/files/${fileId}/uploads/${encodeURIComponent(id)}`),
      400,
      "bad_request",
      ["upload"],
    );
    expect(resumed).not.toHaveBeenCalled();
    // The owner's upload is untouched.
    expect(
      (await admin(tenant, "PUT", `/files/${fileId}/uploads/${encodeURIComponent(id)}/parts/1`, part)).status,
    ).toBe(200);
  });

  it("answers R2's own failure of a multipart call 503 unavailable, not a 400 for the caller", async () => {
    const tenant = await createTenantWithAdminKey();
    const fileId = uid("flaky");
    const started = await admin<{ upload_id: string }>(tenant, "POST", `/files/${fileId}/uploads`);
    const failing = {
      complete: () =>
        Promise.reject(
          new Error("completeMultipartUpload: We encountered an internal error. Please try again. (10001)"),
        ),
    } as unknown as R2MultipartUpload;
    vi.spyOn(env.FILES, "resumeMultipartUpload").mockReturnValue(failing);
    const path = `/files/${fileId}/uploads/${encodeURIComponent(started.body.upload_id)}/complete`;
    const answer = await admin(tenant, "POST", path, { json: { parts: [{ part_number: 1, etag: "e" }] } });
    expectError(answer, 503, "unavailable");
    expect(await fileRow(tenant.id, fileId)).toBeNull();
  });

  it("refuses an unknown upload id, a wrong etag and bad part numbers with 400", async () => {
    const tenant = await createTenantWithAdminKey();
    const fileId = uid("bad");
    expectError(
      await admin(tenant, "PUT", `/files/${fileId}/uploads/not-an-upload/parts/1`, { body: fileBytes(10) }),
      400,
      "bad_request",
      ["upload"],
    );
    const started = await admin<{ upload_id: string }>(tenant, "POST", `/files/${fileId}/uploads`);
    const base = `/files/${fileId}/uploads/${encodeURIComponent(started.body.upload_id)}`;
    for (const n of ["0", "10001", "x", "1.5"]) {
      expectError(await admin(tenant, "PUT", `${base}/parts/${n}`, { body: fileBytes(10) }), 400, "bad_request", [
        "part_number",
      ]);
    }
    const noLength = await direct(tenant, "PUT", `${base}/parts/1`, { body: streamOf(fileBytes(10)) });
    expectError(noLength, 400, "bad_request", ["Content-Length"]);
    await admin(tenant, "PUT", `${base}/parts/1`, { body: fileBytes(10) });
    expectError(
      await admin(tenant, "POST", `${base}/complete`, { json: { parts: [{ part_number: 1, etag: "wrong" }] } }),
      400,
      "bad_request",
      ["upload"],
    );
    expectError(await admin(tenant, "POST", `${base}/complete`, { json: { parts: [] } }), 400, "bad_request", [
      "parts",
    ]);
    expectError(
      await admin(tenant, "POST", `${base}/complete`, { json: { parts: [{ part_number: 0, etag: "" }] } }),
      400,
      "bad_request",
      ["parts.0.part_number", "parts.0.etag"],
    );
    expect(await fileRow(tenant.id, fileId)).toBeNull();
  });
});

/**
 * A local origin: the Worker's outbound fetches are answered by `handler`; the URLs asked
 * are recorded. A redirect is followed here when the request asks for `redirect: "follow"`,
 * as the runtime's fetch would, wherever it points.
 */
function localOrigin(handler: (request: Request) => Response | Promise<Response>): {
  urls: string[];
  agents: string[];
} {
  const seen = { urls: [] as string[], agents: [] as string[] };
  const answer = async (request: Request, hops: number): Promise<Response> => {
    seen.urls.push(request.url);
    seen.agents.push(request.headers.get("User-Agent") ?? "");
    const response = await handler(request);
    const location = response.headers.get("Location");
    if (request.redirect !== "follow" || !location || response.status < 300 || response.status > 399 || hops >= 20)
      return response;
    return answer(new Request(new URL(location, request.url), request), hops + 1);
  };
  vi.spyOn(globalThis, "fetch").mockImplementation((input, init) => answer(new Request(input, init), 0));
  return seen;
}

/** A redirect to `location` (absolute, or relative to the request's URL). */
function redirect(location: string, status = 302): Response {
  return new Response(null, { status, headers: { Location: location } });
}

function originFile(bytes: Uint8Array, headers: Record<string, string> = {}): Response {
  return new Response(bytes, { headers: { "Content-Length": String(bytes.byteLength), ...headers } });
}

async function registerOriginFile(tenant: IssuerTenant, body: Record<string, unknown> = {}) {
  const fileId = uid("pull");
  const sourceUrl = `https://files.origin.example/private/${fileId}/Font%20Pack.zip`;
  const answer = await admin(tenant, "POST", `/files/${fileId}`, { json: { source_url: sourceUrl, ...body } });
  expect(answer.status).toBe(201);
  return { fileId, sourceUrl, view: answer.body };
}

describe("POST /admin/v1/files/:fileId (pull-through registration)", () => {
  it("registers an https origin file without fetching it; the origin URL is never in an answer", async () => {
    const tenant = await createTenantWithAdminKey();
    const origin = localOrigin(() => new Response("unexpected", { status: 500 }));
    const { fileId, sourceUrl, view } = await registerOriginFile(tenant);
    expect(view).toEqual({
      id: fileId,
      name: "Font Pack.zip",
      size: null,
      mime_type: "application/zip",
      sha256: null,
      source: "url",
      created_at: expect.stringMatching(ISO),
    });
    expect(await fileRow(tenant.id, fileId)).toMatchObject({ source: "url", origin_url: sourceUrl, size: null });
    expect(origin.urls).toEqual([]);
    expect(await env.FILES.head(`${tenant.id}/${fileId}`)).toBeNull();
    const shown = await admin(tenant, "GET", `/files/${fileId}`);
    expect(JSON.stringify(shown.body)).not.toContain("origin.example");
  });

  it("takes name and type from the body when given", async () => {
    const tenant = await createTenantWithAdminKey();
    const { view } = await registerOriginFile(tenant, { name: "Fonts.zip", mime_type: "application/x-fonts" });
    expect(view).toMatchObject({ name: "Fonts.zip", mime_type: "application/x-fonts" });
  });

  it("names a file whose URL ends in malformed percent-encoding after the raw segment, not a 503", async () => {
    const tenant = await createTenantWithAdminKey();
    const answer = await admin(tenant, "POST", "/files/odd", {
      json: { source_url: "https://files.origin.example/dl/100%25-off%E0%A4%A" },
    });
    expect(answer.status).toBe(201);
    expect(answer.body.name).toBe("100%25-off%E0%A4%A");
    expect(await fileRow(tenant.id, "odd")).toMatchObject({ source: "url", name: "100%25-off%E0%A4%A" });
  });

  it.each([
    ["an http URL", { source_url: "http://files.origin.example/a.zip" }, "source_url"],
    ["a URL with user info", { source_url: "https://user:secret@files.origin.example/a.zip" }, "source_url"],
    ["a URL that is not one", { source_url: "font.zip" }, "source_url"],
    ["no source_url", { name: "a.zip" }, "source_url"],
    ["an empty name", { source_url: "https://files.origin.example/a.zip", name: "" }, "name"],
  ])("refuses %s with 400 naming the field, writing nothing", async (_label, body, field) => {
    const tenant = await createTenantWithAdminKey();
    const fileId = uid("reg");
    expectError(await admin(tenant, "POST", `/files/${fileId}`, { json: body }), 400, "bad_request", [field]);
    expect(await fileRow(tenant.id, fileId)).toBeNull();
  });

  it("refuses a JSON body over 1 MiB with 413", async () => {
    const tenant = await createTenantWithAdminKey();
    const big = JSON.stringify({ source_url: "https://files.origin.example/a.zip", name: "x".repeat(MiB) });
    expectError(
      await admin(tenant, "POST", "/files/big-json", { body: big, headers: { "Content-Type": "application/json" } }),
      413,
      "payload_too_large",
    );
    expect(await fileRow(tenant.id, "big-json")).toBeNull();
  });
});

describe("pull-through: pullFromOrigin", () => {
  it("fetches the origin file once into R2 and records its size", async () => {
    const tenant = await createTenantWithAdminKey();
    const bytes = fileBytes(2048, 5);
    const origin = localOrigin(() => originFile(bytes, { "Content-Type": "text/plain" }));
    const { fileId, sourceUrl } = await registerOriginFile(tenant);
    const metadata = await pullFromOrigin(env, tenant.id, fileId);
    expect(metadata).toMatchObject({
      key: `${tenant.id}/${fileId}`,
      size: 2048,
      contentType: "application/zip",
      fileName: "Font Pack.zip",
    });
    expect(origin.urls).toEqual([sourceUrl]);
    expect(origin.agents).toEqual(["dlgate-pull-through"]);
    expect(await r2Bytes(`${tenant.id}/${fileId}`)).toEqual(bytes);
    expect((await fileRow(tenant.id, fileId))?.size).toBe(2048);
  });

  it("shares one origin fetch between concurrent first downloads", async () => {
    const tenant = await createTenantWithAdminKey();
    const bytes = fileBytes(500);
    const origin = localOrigin(() => originFile(bytes));
    const { fileId } = await registerOriginFile(tenant);
    const results = await Promise.all([1, 2, 3].map(() => pullFromOrigin(env, tenant.id, fileId)));
    expect(results.map((r) => r?.size)).toEqual([500, 500, 500]);
    expect(origin.urls).toHaveLength(1);
  });

  it.each([
    ["a 503", () => new Response("down", { status: 503 })],
    ["a 500", () => new Response("boom", { status: 500 })],
    ["a 404", () => new Response("gone", { status: 404 })],
    ["no Content-Length", () => new Response(streamOf(fileBytes(10)))],
    [
      "a network failure",
      () => {
        throw new TypeError("connection refused");
      },
    ],
  ])("answers 502 origin_error for %s and stores nothing", async (_label, handler) => {
    const tenant = await createTenantWithAdminKey();
    localOrigin(handler);
    const { fileId } = await registerOriginFile(tenant);
    const failure = await pullFromOrigin(env, tenant.id, fileId).then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(HttpError);
    expect(failure).toMatchObject({ code: "origin_error", status: 502 });
    expect((failure as Error).message).not.toContain("origin.example");
    expect(await env.FILES.head(`${tenant.id}/${fileId}`)).toBeNull();
    expect((await fileRow(tenant.id, fileId))?.size).toBeNull();
  });

  it("answers null for a file that is not a pull-through file, without fetching", async () => {
    const tenant = await createTenantWithAdminKey();
    const origin = localOrigin(() => originFile(fileBytes(1)));
    const file = await uploadFile(tenant);
    expect(await pullFromOrigin(env, tenant.id, file.id)).toBeNull();
    expect(await pullFromOrigin(env, tenant.id, "never-registered")).toBeNull();
    expect(origin.urls).toEqual([]);
  });
});

describe("pull-through through the download route", () => {
  it("serves the first download from the origin (counted once), later ones from R2", async () => {
    const tenant = await createTenantWithAdminKey();
    const bytes = fileBytes(3000, 9);
    const origin = localOrigin(() => originFile(bytes));
    const { fileId } = await registerOriginFile(tenant);
    const order = await placeOrder(tenant, orderBody([fileId], {}, { download_limit: 5 }));
    const entry = firstFile(order);
    expect(JSON.stringify(order)).not.toContain("origin.example");

    const first = await fetchUrl(entry.download_url as string);
    expect(first.status).toBe(200);
    expect(first.headers.get("Content-Length")).toBe("3000");
    expect(first.headers.get("Content-Disposition")).toContain("Font%20Pack.zip");
    expect(await bodyBytes(first)).toEqual(bytes);
    const second = await fetchUrl(entry.download_url as string);
    expect(await bodyBytes(second)).toEqual(bytes);
    expect(origin.urls).toHaveLength(1);
    expect((await linkStub(env, tenant.id, entry.link_id).snapshot()).count).toBe(2);
    expect(await r2Bytes(`${tenant.id}/${fileId}`)).toEqual(bytes);

    // Customers' listings never carry the origin URL either.
    const token = await customerToken(tenant, "cust-1");
    const listing = await customerGet(tenant, "/my/downloads", token);
    expect(listing.status).toBe(200);
    expect(await listing.text()).not.toContain("origin.example");
  });

  it("registering a new URL over a stored file serves the new URL's bytes, not the old ones", async () => {
    const tenant = await createTenantWithAdminKey();
    const uploaded = await uploadFile(tenant, { size: 500, seed: 3 });
    const fresh = fileBytes(700, 4);
    const origin = localOrigin(() => originFile(fresh));
    const sourceUrl = "https://files.origin.example/v2/Fonts.zip";
    const answer = await admin(tenant, "POST", `/files/${uploaded.id}`, { json: { source_url: sourceUrl } });
    expect(answer.status).toBe(201);
    expect(await env.FILES.head(`${tenant.id}/${uploaded.id}`)).toBeNull();

    const entry = firstFile(await placeOrder(tenant, orderBody([uploaded.id])));
    const download = await fetchUrl(entry.download_url as string);
    expect(download.status).toBe(200);
    expect(await bodyBytes(download)).toEqual(fresh);
    expect(origin.urls).toEqual([sourceUrl]);
    expect(await r2Bytes(`${tenant.id}/${uploaded.id}`)).toEqual(fresh);
  });

  it("follows https redirects, relative or absolute, and serves the file they lead to", async () => {
    const tenant = await createTenantWithAdminKey();
    const bytes = fileBytes(1200, 6);
    const { fileId, sourceUrl } = await registerOriginFile(tenant);
    const origin = localOrigin((request) => {
      if (request.url === sourceUrl) return redirect("https://cdn.origin.example/signed/pack.zip?sig=abc", 301);
      if (request.url.startsWith("https://cdn.origin.example/signed/")) return redirect("/final/pack.zip", 307);
      return originFile(bytes);
    });
    const entry = firstFile(await placeOrder(tenant, orderBody([fileId], {}, { download_limit: 3 })));

    const response = await fetchUrl(entry.download_url as string);
    expect(response.status).toBe(200);
    expect(await bodyBytes(response)).toEqual(bytes);
    expect(origin.urls).toEqual([
      sourceUrl,
      "https://cdn.origin.example/signed/pack.zip?sig=abc",
      "https://cdn.origin.example/final/pack.zip",
    ]);
    expect(await r2Bytes(`${tenant.id}/${fileId}`)).toEqual(bytes);
    expect((await linkStub(env, tenant.id, entry.link_id).snapshot()).count).toBe(1);
  });

  it.each([
    ["plain http", "http://cdn.origin.example/pack.zip", "http:"],
    ["a data: URL", "data:application/zip;base64,UEsDBA==", "data:"],
  ])(
    "refuses a redirect to %s: 502 origin_error, nothing stored, nothing counted, the log says why",
    async (_label, target, scheme) => {
      const tenant = await createTenantWithAdminKey();
      const { fileId, sourceUrl } = await registerOriginFile(tenant);
      const origin = localOrigin((request) =>
        request.url === sourceUrl ? redirect(target) : originFile(fileBytes(64, 2)),
      );
      const warnings = vi.spyOn(console, "warn").mockImplementation(() => {});
      const entry = firstFile(await placeOrder(tenant, orderBody([fileId], {}, { download_limit: 1 })));

      const response = await fetchUrl(entry.download_url as string);
      const body = await response.text();
      expect(response.status).toBe(502);
      expect(JSON.parse(body)).toMatchObject({ error: "origin_error" });
      expect(body).not.toContain("origin.example");
      expect(origin.urls).toEqual([sourceUrl]);
      expect(await env.FILES.head(`${tenant.id}/${fileId}`)).toBeNull();
      expect((await linkStub(env, tenant.id, entry.link_id).snapshot()).count).toBe(0);
      expect(warnings.mock.calls.map((call) => String(call[0]))).toContainEqual(
        expect.stringContaining(`redirected to a ${scheme} URL`),
      );
    },
  );

  it("gives up after 5 redirects with 502 origin_error", async () => {
    const tenant = await createTenantWithAdminKey();
    const { fileId } = await registerOriginFile(tenant);
    const origin = localOrigin((request) => {
      const hop = Number(new URL(request.url).searchParams.get("hop") ?? "0");
      return hop < 6 ? redirect(`https://files.origin.example/loop?hop=${hop + 1}`) : originFile(fileBytes(8));
    });
    const failure = await pullFromOrigin(env, tenant.id, fileId).then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({ code: "origin_error", status: 502 });
    expect(origin.urls).toHaveLength(6);
    expect(await env.FILES.head(`${tenant.id}/${fileId}`)).toBeNull();
  });

  it("answers 502 origin_error when the origin fails with a 5xx, and counts nothing", async () => {
    const tenant = await createTenantWithAdminKey();
    const origin = localOrigin(() => new Response("maintenance", { status: 503 }));
    const { fileId } = await registerOriginFile(tenant);
    const order = await placeOrder(tenant, orderBody([fileId], {}, { download_limit: 1 }));
    const entry = firstFile(order);

    const response = await fetchUrl(entry.download_url as string);
    const body = await response.text();
    expect(response.status).toBe(502);
    expect(JSON.parse(body)).toMatchObject({ error: "origin_error" });
    expect(body).not.toContain("origin.example");
    expect(origin.urls).toHaveLength(1);
    expect((await linkStub(env, tenant.id, entry.link_id).snapshot()).count).toBe(0);
    expect(await env.FILES.head(`${tenant.id}/${fileId}`)).toBeNull();

    // The limit of 1 is intact: once the origin is back, the download goes through.
    vi.restoreAllMocks();
    localOrigin(() => originFile(fileBytes(10)));
    const retry = await fetchUrl(entry.download_url as string);
    expect(retry.status).toBe(200);
    await retry.arrayBuffer();
    expect((await linkStub(env, tenant.id, entry.link_id).snapshot()).count).toBe(1);
  });
});

/**
 * An origin whose answer waits until `release()`: `asked` resolves once the pull has asked
 * it, so a test can change the file exactly while the origin is being read.
 */
function heldOrigin(bytesFor: (request: Request) => Uint8Array) {
  let release!: () => void;
  let asked!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const wasAsked = new Promise<void>((resolve) => (asked = resolve));
  const seen = localOrigin(async (request) => {
    asked();
    await gate;
    return originFile(bytesFor(request));
  });
  return { seen, asked: wasAsked, release };
}

describe("pull-through while the file changes (src/files/pullThrough.ts)", () => {
  it("keeps an upload that lands while the origin is read: the older source's bytes never overwrite it", async () => {
    const tenant = await createTenantWithAdminKey();
    const origin = heldOrigin(() => fileBytes(600, 1));
    const { fileId } = await registerOriginFile(tenant);
    const pulling = pullFromOrigin(env, tenant.id, fileId);
    await origin.asked;
    const uploaded = await uploadFile(tenant, { id: fileId, size: 900, seed: 2 });
    origin.release();

    expect(await pulling).toMatchObject({ size: 900 });
    expect(await r2Bytes(`${tenant.id}/${fileId}`)).toEqual(uploaded.bytes);
    expect(await fileRow(tenant.id, fileId)).toMatchObject({ source: "r2", size: 900, origin_url: null });
    const entry = firstFile(await placeOrder(tenant, orderBody([fileId])));
    expect(await bodyBytes(await fetchUrl(entry.download_url as string))).toEqual(uploaded.bytes);
  });

  it("serves the new URL's bytes when the file is registered again while the old URL is read", async () => {
    const tenant = await createTenantWithAdminKey();
    const oldBytes = fileBytes(600, 1);
    const newBytes = fileBytes(700, 2);
    const { fileId, sourceUrl } = await registerOriginFile(tenant);
    const newUrl = `https://files.origin.example/v2/${fileId}.zip`;
    const origin = heldOrigin((request) => (request.url === newUrl ? newBytes : oldBytes));
    const pulling = pullFromOrigin(env, tenant.id, fileId);
    await origin.asked;
    expect((await admin(tenant, "POST", `/files/${fileId}`, { json: { source_url: newUrl } })).status).toBe(201);
    origin.release();

    expect(await pulling).toMatchObject({ size: 700 });
    expect(origin.seen.urls).toEqual([sourceUrl, newUrl]);
    expect(await r2Bytes(`${tenant.id}/${fileId}`)).toEqual(newBytes);
    expect(await fileRow(tenant.id, fileId)).toMatchObject({ source: "url", origin_url: newUrl, size: 700 });
    const entry = firstFile(await placeOrder(tenant, orderBody([fileId])));
    expect(await bodyBytes(await fetchUrl(entry.download_url as string))).toEqual(newBytes);
  });

  it("stores nothing when the file is deleted while the origin is read", async () => {
    const tenant = await createTenantWithAdminKey();
    const origin = heldOrigin(() => fileBytes(600, 1));
    const { fileId } = await registerOriginFile(tenant);
    const pulling = pullFromOrigin(env, tenant.id, fileId);
    await origin.asked;
    expect((await admin(tenant, "DELETE", `/files/${fileId}`)).status).toBe(204);
    origin.release();

    expect(await pulling).toBeNull();
    expect(await env.FILES.head(`${tenant.id}/${fileId}`)).toBeNull();
    expect(await fileRow(tenant.id, fileId)).toBeNull();
  });

  it("drops what it pulled from a URL this isolate still had cached after another isolate registered a new one", async () => {
    const tenant = await createTenantWithAdminKey();
    const oldBytes = fileBytes(600, 1);
    const newBytes = fileBytes(700, 2);
    const { fileId, sourceUrl } = await registerOriginFile(tenant);
    const newUrl = `https://files.origin.example/v2/${fileId}.zip`;
    const origin = localOrigin((request) => originFile(request.url === newUrl ? newBytes : oldBytes));
    // A first pull caches the source in this isolate; the bytes then go, as a registration elsewhere drops them.
    await pullFromOrigin(env, tenant.id, fileId);
    await env.FILES.delete(`${tenant.id}/${fileId}`);
    await env.DB.prepare(
      "UPDATE files SET origin_url = ?, size = NULL, generation = generation + 1 WHERE tenant_id = ? AND id = ?",
    )
      .bind(newUrl, tenant.id, fileId)
      .run();

    expect(await pullFromOrigin(env, tenant.id, fileId)).toMatchObject({ size: 700 });
    expect(origin.urls).toEqual([sourceUrl, sourceUrl, newUrl]);
    expect(await r2Bytes(`${tenant.id}/${fileId}`)).toEqual(newBytes);
    expect((await fileRow(tenant.id, fileId))?.size).toBe(700);
  });
  it("stores nothing under a new registration when the old URL's pull ends between its two R2 deletes", async () => {
    const tenant = await createTenantWithAdminKey();
    const oldBytes = fileBytes(600, 1);
    const newBytes = fileBytes(700, 2);
    const { fileId } = await registerOriginFile(tenant);
    const newUrl = `https://files.origin.example/v2/${fileId}.zip`;
    const origin = heldOrigin((request) => (request.url === newUrl ? newBytes : oldBytes));
    const pulling = pullFromOrigin(env, tenant.id, fileId);
    await origin.asked;
    // The registration has dropped R2's object; its row is not written yet when the pull ends.
    const gated = gatedDB(env.DB, /^insert into "files"/i, "before");
    const registering = adminDirect(
      tenant,
      "POST",
      `/files/${fileId}`,
      { json: { source_url: newUrl } },
      { ...env, DB: gated.db },
    );
    await gated.atGate;
    origin.release();
    await pulling;
    gated.release();
    expect((await registering).status).toBe(201);

    const entry = firstFile(await placeOrder(tenant, orderBody([fileId])));
    expect(await bodyBytes(await fetchUrl(entry.download_url as string))).toEqual(newBytes);
  });

  it("leaves a deleted file deleted when a pull ends between the delete's R2 and D1 steps", async () => {
    const tenant = await createTenantWithAdminKey();
    const { fileId } = await registerOriginFile(tenant);
    const entry = firstFile(await placeOrder(tenant, orderBody([fileId])));
    const origin = heldOrigin(() => fileBytes(600, 1));
    const pulling = pullFromOrigin(env, tenant.id, fileId);
    await origin.asked;
    const gated = gatedDB(env.DB, /^delete from "files"/i, "before");
    const deleting = adminDirect(tenant, "DELETE", `/files/${fileId}`, {}, { ...env, DB: gated.db });
    await gated.atGate;
    origin.release();
    await pulling;
    gated.release();
    expect((await deleting).status).toBe(204);

    expect(await env.FILES.head(`${tenant.id}/${fileId}`)).toBeNull();
    const answer = await fetchUrl(entry.download_url as string);
    await answer.arrayBuffer();
    expect(answer.status).toBe(404);
  });

  it("never deletes an upload that lands while a superseded pull cleans up after itself", async () => {
    const tenant = await createTenantWithAdminKey();
    const { fileId } = await registerOriginFile(tenant);
    const newUrl = `https://files.origin.example/v2/${fileId}.zip`;
    const origin = heldOrigin(() => fileBytes(600, 1));
    // The pull's size check fails (registered again); the upload lands right after it.
    const gated = gatedDB(env.DB, /^update "files" set "size"/i, "after");
    const pulling = pullFromOrigin({ ...env, DB: gated.db }, tenant.id, fileId);
    await origin.asked;
    expect((await admin(tenant, "POST", `/files/${fileId}`, { json: { source_url: newUrl } })).status).toBe(201);
    origin.release();
    await gated.atGate;
    const uploaded = await uploadFile(tenant, { id: fileId, size: 900, seed: 2 });
    gated.release();

    expect(await pulling).toMatchObject({ size: 900 });
    expect(await r2Bytes(`${tenant.id}/${fileId}`)).toEqual(uploaded.bytes);
    const entry = firstFile(await placeOrder(tenant, orderBody([fileId])));
    expect(await bodyBytes(await fetchUrl(entry.download_url as string))).toEqual(uploaded.bytes);
  });

  it("does not serve what a pull of an earlier registration stored: it goes, and the current URL is pulled", async () => {
    const tenant = await createTenantWithAdminKey();
    const oldBytes = fileBytes(600, 1);
    const newBytes = fileBytes(700, 2);
    const { fileId } = await registerOriginFile(tenant);
    const earlier = (await fileRow(tenant.id, fileId)) as unknown as { generation: number };
    const newUrl = `https://files.origin.example/v2/${fileId}.zip`;
    expect((await admin(tenant, "POST", `/files/${fileId}`, { json: { source_url: newUrl } })).status).toBe(201);
    const origin = heldOrigin(() => newBytes);
    const pulling = pullFromOrigin(env, tenant.id, fileId);
    await origin.asked;
    // Another isolate's pull of the old URL, started before the registration, stores now.
    await env.FILES.put(`${tenant.id}/${fileId}`, oldBytes, {
      onlyIf: { etagDoesNotMatch: "*" },
      customMetadata: { filename: "Font Pack.zip", pulled_generation: String(earlier.generation) },
    });
    origin.release();

    expect(await pulling).toMatchObject({ size: 700 });
    expect(await r2Bytes(`${tenant.id}/${fileId}`)).toEqual(newBytes);
  });

  it("pulls the new version when the same URL is registered again while the old one is read", async () => {
    const tenant = await createTenantWithAdminKey();
    const v1 = fileBytes(600, 1);
    const v2 = fileBytes(700, 2);
    let published = v1;
    const { fileId, sourceUrl } = await registerOriginFile(tenant);
    let release!: () => void;
    let asked!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const wasAsked = new Promise<void>((resolve) => (asked = resolve));
    localOrigin(async () => {
      const bytes = published; // what the store's server has when the request arrives
      asked();
      await gate;
      return originFile(bytes);
    });
    const pulling = pullFromOrigin(env, tenant.id, fileId);
    await wasAsked;
    published = v2;
    expect((await admin(tenant, "POST", `/files/${fileId}`, { json: { source_url: sourceUrl } })).status).toBe(201);
    release();

    expect(await pulling).toMatchObject({ size: 700 });
    const entry = firstFile(await placeOrder(tenant, orderBody([fileId])));
    expect(await bodyBytes(await fetchUrl(entry.download_url as string))).toEqual(v2);
  });
});
