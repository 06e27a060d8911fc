/**
 * docs/CONTRACT.md §5 through the Worker's fetch: the headers and bytes of 200, 206 and HEAD.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  bytesOf,
  createTenant,
  gateway,
  putFile,
  signLink,
  type StoredFile,
  type TestLink,
  type TestTenant,
} from "../helpers/fixtures.ts";
import type { LinkGrant } from "../../src/sdk/sign.ts";

const SIZE = 1000;

async function setup(
  fileOptions: Parameters<typeof putFile>[1] = {},
  grant: Partial<LinkGrant> = {},
): Promise<{ tenant: TestTenant; file: StoredFile; link: TestLink }> {
  const tenant = await createTenant();
  const file = await putFile(tenant, { size: SIZE, ...fileOptions });
  const link = await signLink(tenant, file, grant);
  return { tenant, file, link };
}

function headerMap(headers: Headers): [string, string][] {
  return [...headers].sort(([a], [b]) => a.localeCompare(b));
}

/** The `filename` and `filename*` parameters of a Content-Disposition value. */
function dispositionNames(value: string | null): { plain: string; extended: string } {
  const plain = /filename="([^"]*)"/.exec(value ?? "")?.[1];
  const extended = /filename\*=UTF-8''([^;\s]+)/.exec(value ?? "")?.[1];
  if (plain === undefined || extended === undefined) throw new Error(`no file name in ${value}`);
  return { plain, extended: decodeURIComponent(extended) };
}

describe("HEAD and GET carry identical headers", () => {
  it("gives a HEAD exactly the headers of the full GET, and counts only the GET", async () => {
    const { tenant, link } = await setup({ filename: "manual.pdf" });
    const head = await gateway(tenant, `/downloads/${link.token}`, { method: "HEAD" });
    const get = await gateway(tenant, `/downloads/${link.token}`);
    expect(get.status).toBe(200);
    expect(head.status).toBe(200);
    expect(headerMap(head.headers)).toEqual(headerMap(get.headers));
    expect((await bytesOf(head)).byteLength).toBe(0);
    expect((await bytesOf(get)).byteLength).toBe(SIZE);
    expect((await link.stub.snapshot()).count).toBe(1);
  });

  it("gives a ranged HEAD exactly the headers of the ranged GET", async () => {
    const { tenant, link } = await setup({ filename: "manual.pdf" });
    const init = { headers: { Range: "bytes=10-19" } };
    const head = await gateway(tenant, `/downloads/${link.token}`, { ...init, method: "HEAD" });
    const get = await gateway(tenant, `/downloads/${link.token}`, init);
    expect(get.status).toBe(206);
    expect(head.status).toBe(206);
    expect(headerMap(head.headers)).toEqual(headerMap(get.headers));
    expect((await bytesOf(get)).byteLength).toBe(10);
    // The GET is the link's first download (a range after byte 0 with nothing to resume), the HEAD is free.
    expect((await link.stub.snapshot()).count).toBe(1);
  });
});

describe("206 answers", () => {
  for (const [range, start, end] of [
    ["bytes=10-19", 10, 19],
    ["bytes=0-0", 0, 0],
    ["bytes=990-5000", 990, 999],
    ["bytes=-5", 995, 999],
    ["bytes=-5000", 0, 999],
    ["bytes=999-", 999, 999],
  ] as const) {
    it(`answers Range: ${range} with exactly bytes ${start}-${end}/${SIZE}`, async () => {
      const { tenant, file, link } = await setup();
      const response = await gateway(tenant, `/downloads/${link.token}`, { headers: { Range: range } });
      expect(response.status).toBe(206);
      expect(response.headers.get("Content-Range")).toBe(`bytes ${start}-${end}/${SIZE}`);
      expect(response.headers.get("Content-Length")).toBe(String(end - start + 1));
      expect(await bytesOf(response)).toEqual(file.bytes.slice(start, end + 1));
      // Only a range from byte 0 or a first download counts; every case here is a first download.
      expect((await link.stub.snapshot()).count).toBe(1);
    });
  }
});

describe("file headers", () => {
  it("sends Content-Length, Accept-Ranges, a strong ETag and Last-Modified from R2", async () => {
    const { tenant, file, link } = await setup();
    const response = await gateway(tenant, `/downloads/${link.token}`);
    await bytesOf(response);
    const object = await env.FILES.head(`${tenant.id}/${file.id}`);
    expect(response.headers.get("Content-Length")).toBe(String(SIZE));
    expect(response.headers.get("Accept-Ranges")).toBe("bytes");
    const etag = response.headers.get("ETag") ?? "";
    expect(etag).toMatch(/^"[^"]+"$/);
    expect(etag).toBe(object?.httpEtag);
    expect(response.headers.get("Last-Modified")).toBe(object?.uploaded.toUTCString());
  });

  it("forbids caching, transforming (compression), sniffing and referrers on a download", async () => {
    const { tenant, link } = await setup();
    // HEAD and a range first: neither is counted, and each must carry the same headers.
    for (const init of [{ method: "HEAD" }, { headers: { Range: "bytes=0-9" } }]) {
      const answer = await gateway(tenant, `/downloads/${link.token}`, init);
      await bytesOf(answer);
      expect(answer.headers.get("Cache-Control")).toBe("private, no-store, no-transform");
    }
    const response = await gateway(tenant, `/downloads/${link.token}`);
    await bytesOf(response);
    expect(response.headers.get("Cache-Control")).toBe("private, no-store, no-transform");
    expect(response.headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect(response.headers.get("Referrer-Policy")).toBe("no-referrer");
  });

  it("presents a unicode stored name with an ASCII fallback and an RFC 5987 filename*", async () => {
    const name = "Résumé — café ☕.pdf";
    const { tenant, link } = await setup({ filename: name });
    const response = await gateway(tenant, `/downloads/${link.token}`);
    await bytesOf(response);
    expect(response.headers.get("Content-Disposition")).toBe(
      `attachment; filename="Resume _ cafe _.pdf"; filename*=UTF-8''R%C3%A9sum%C3%A9%20%E2%80%94%20caf%C3%A9%20%E2%98%95.pdf`,
    );
    expect(dispositionNames(response.headers.get("Content-Disposition")).extended).toBe(name);
    expect(response.headers.get("Content-Type")).toBe("application/pdf");
  });

  it("presents the token's fn claim instead of the stored name", async () => {
    const { tenant, link } = await setup({ filename: "stored-name.zip" }, { filename: "Übung 1 (Lösung).mp3" });
    const response = await gateway(tenant, `/downloads/${link.token}`);
    await bytesOf(response);
    const disposition = response.headers.get("Content-Disposition");
    expect(disposition).toBe(
      `attachment; filename="Ubung 1 (Losung).mp3"; filename*=UTF-8''%C3%9Cbung%201%20%28L%C3%B6sung%29.mp3`,
    );
    expect(disposition).not.toContain("stored-name");
    expect(response.headers.get("Content-Type")).toBe("audio/mpeg");
  });

  it("never lets quotes or path separators of a name reach the plain filename", async () => {
    const { tenant, link } = await setup({ filename: '../evil "name".txt' });
    const response = await gateway(tenant, `/downloads/${link.token}`);
    await bytesOf(response);
    const { plain, extended } = dispositionNames(response.headers.get("Content-Disposition"));
    expect(plain).not.toMatch(/["/\\]/);
    expect(extended).not.toMatch(/[/\\]/);
    expect(plain.endsWith(".txt")).toBe(true);
  });

  it("falls back to the file id as the name when neither fn nor a stored name exists", async () => {
    const { tenant, file, link } = await setup();
    const response = await gateway(tenant, `/downloads/${link.token}`);
    await bytesOf(response);
    expect(dispositionNames(response.headers.get("Content-Disposition"))).toEqual({
      plain: file.id,
      extended: file.id,
    });
  });

  it("uses the stored Content-Type over the extension", async () => {
    const { tenant, link } = await setup({ filename: "book.pdf", contentType: "application/x-custom-book" });
    const response = await gateway(tenant, `/downloads/${link.token}`);
    await bytesOf(response);
    expect(response.headers.get("Content-Type")).toBe("application/x-custom-book");
  });

  for (const [name, type] of [
    ["novel.epub", "application/epub+zip"],
    ["archive.ZIP", "application/zip"],
    ["clip.mp4", "video/mp4"],
    ["photo.jpg", "image/jpeg"],
    ["sheet.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"],
    ["README", "application/octet-stream"],
    ["data.unknownext", "application/octet-stream"],
  ] as const) {
    it(`derives Content-Type ${type} for a stored file named ${name} without a type`, async () => {
      const { tenant, link } = await setup({ filename: name });
      const response = await gateway(tenant, `/downloads/${link.token}`);
      await bytesOf(response);
      expect(response.headers.get("Content-Type")).toBe(type);
    });
  }

  it("gives curl the real UTF-8 name in the plain filename, which is what curl -OJ writes", async () => {
    const name = "Résumé ☕.pdf";
    const { tenant, link } = await setup({ filename: name });
    const response = await gateway(tenant, `/downloads/${link.token}`, { headers: { "User-Agent": "curl/8.5.0" } });
    await bytesOf(response);
    // workerd sends the header bytes as UTF-8 and reads them back as such.
    expect(dispositionNames(response.headers.get("Content-Disposition"))).toEqual({ plain: name, extended: name });
  });

  it("sends Content-Length on a zero-byte file", async () => {
    const tenant = await createTenant();
    const file = await putFile(tenant, { size: 0, filename: "empty.txt" });
    const link = await signLink(tenant, file);
    const response = await gateway(tenant, `/downloads/${link.token}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Length")).toBe("0");
    expect((await bytesOf(response)).byteLength).toBe(0);
    expect((await link.stub.snapshot()).count).toBe(1);
  });
});
