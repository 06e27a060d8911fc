/**
 * docs/CONTRACT.md §6 through the Worker's fetch. After every request the count is read twice:
 * from `/downloads/:token/info` and straight from the link's Durable Object.
 */
import { describe, expect, it } from "vitest";
import {
  counts,
  gateway,
  gatewayRaw,
  type TenantOptions,
  tenantFileLink,
  type LinkSetup,
} from "../helpers/fixtures.ts";
import type { LinkGrant } from "../../src/sdk/sign.ts";

const SIZE = 1000;

type Setup = LinkSetup;

const setup = (grant: Partial<LinkGrant> = {}, options: TenantOptions = {}): Promise<Setup> =>
  tenantFileLink({ size: SIZE, filename: "album.zip" }, grant, options);

/** One request on the link; the body is read in full. */
async function request(s: Setup, init: RequestInit = {}) {
  const response = await gateway(s.tenant, `/downloads/${s.link.token}`, init);
  const body = new Uint8Array(await response.arrayBuffer());
  return { status: response.status, headers: response.headers, body };
}

function expectCount(s: Setup, expected: number) {
  return expect(counts(s.tenant, s.link)).resolves.toEqual({ info: expected, durable: expected });
}

function errorCode(body: Uint8Array): unknown {
  return (JSON.parse(new TextDecoder().decode(body)) as { error?: unknown }).error;
}

describe("rule 1: a GET answered 200, or 206 from byte 0, counts one download", () => {
  it("counts a full GET answered 200 once and delivers every byte", async () => {
    const s = await setup();
    const res = await request(s);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(s.file.bytes);
    await expectCount(s, 1);
  });

  it("counts a GET answered 206 from byte 0", async () => {
    const s = await setup();
    const res = await request(s, { headers: { Range: "bytes=0-99" } });
    expect(res.status).toBe(206);
    expect(res.headers.get("Content-Range")).toBe(`bytes 0-99/${SIZE}`);
    expect(res.body).toEqual(s.file.bytes.slice(0, 100));
    await expectCount(s, 1);
  });

  it("counts each of three full GETs", async () => {
    const s = await setup({ limit: 5 });
    for (let i = 0; i < 3; i++) expect((await request(s)).status).toBe(200);
    await expectCount(s, 3);
  });
});

describe("rule 2: HEAD, 304, 412, 416, errors and prefetches never count", () => {
  it("does not count a HEAD, which gets the headers and no body", async () => {
    const s = await setup({ limit: 1 });
    for (let i = 0; i < 3; i++) {
      const res = await request(s, { method: "HEAD" });
      expect(res.status).toBe(200);
      expect(res.headers.get("Content-Length")).toBe(String(SIZE));
      expect(res.body.byteLength).toBe(0);
    }
    await expectCount(s, 0);
    // The single allowed download is still there after the HEADs.
    expect((await request(s)).status).toBe(200);
    await expectCount(s, 1);
  });

  it("does not count a HEAD with a Range", async () => {
    const s = await setup();
    const res = await request(s, { method: "HEAD", headers: { Range: "bytes=0-9" } });
    expect(res.status).toBe(206);
    expect(res.headers.get("Content-Range")).toBe(`bytes 0-9/${SIZE}`);
    expect(res.body.byteLength).toBe(0);
    await expectCount(s, 0);
  });

  it("answers If-None-Match with the current ETag with 304, no body, and no count", async () => {
    const s = await setup();
    const etag = (await request(s, { method: "HEAD" })).headers.get("ETag") ?? "";
    expect(etag).not.toBe("");
    const res = await request(s, { headers: { "If-None-Match": etag } });
    expect(res.status).toBe(304);
    expect(res.headers.get("ETag")).toBe(etag);
    expect(res.body.byteLength).toBe(0);
    await expectCount(s, 0);
  });

  it("answers If-None-Match: * with 304 and no count", async () => {
    const s = await setup();
    expect((await request(s, { headers: { "If-None-Match": "*" } })).status).toBe(304);
    await expectCount(s, 0);
  });

  it("answers If-None-Match with another ETag with a counted 200", async () => {
    const s = await setup();
    const res = await request(s, { headers: { "If-None-Match": '"something-else"' } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(s.file.bytes);
    await expectCount(s, 1);
  });

  it("answers If-Modified-Since equal to Last-Modified with 304 and no count", async () => {
    const s = await setup();
    const lastModified = (await request(s, { method: "HEAD" })).headers.get("Last-Modified") ?? "";
    const res = await request(s, { headers: { "If-Modified-Since": lastModified } });
    expect(res.status).toBe(304);
    expect(res.body.byteLength).toBe(0);
    await expectCount(s, 0);
  });

  it("answers If-Modified-Since before the upload with a counted 200", async () => {
    const s = await setup();
    const res = await request(s, { headers: { "If-Modified-Since": "Sat, 01 Jan 2000 00:00:00 GMT" } });
    expect(res.status).toBe(200);
    await expectCount(s, 1);
  });

  it("answers If-Match with another ETag with 412 precondition_failed and no count", async () => {
    const s = await setup();
    const res = await request(s, { headers: { "If-Match": '"not-this-one"' } });
    expect(res.status).toBe(412);
    expect(errorCode(res.body)).toBe("precondition_failed");
    await expectCount(s, 0);
  });

  it("answers If-Match with the current ETag with a counted 200", async () => {
    const s = await setup();
    const etag = (await request(s, { method: "HEAD" })).headers.get("ETag") ?? "";
    const res = await request(s, { headers: { "If-Match": etag } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(s.file.bytes);
    await expectCount(s, 1);
  });

  it("answers If-Unmodified-Since in the past with 412 and no count", async () => {
    const s = await setup();
    const res = await request(s, { headers: { "If-Unmodified-Since": "Sat, 01 Jan 2000 00:00:00 GMT" } });
    expect(res.status).toBe(412);
    expect(errorCode(res.body)).toBe("precondition_failed");
    await expectCount(s, 0);
  });

  it("answers an unsatisfiable range with 416 and no count", async () => {
    const s = await setup();
    const res = await request(s, { headers: { Range: `bytes=${SIZE + 10}-` } });
    expect(res.status).toBe(416);
    expect(res.headers.get("Content-Range")).toBe(`bytes */${SIZE}`);
    expect(errorCode(res.body)).toBe("range_not_satisfiable");
    await expectCount(s, 0);
  });

  it("does not count refusals on an exhausted link", async () => {
    const s = await setup({ limit: 1 });
    expect((await request(s)).status).toBe(200);
    for (let i = 0; i < 3; i++) {
      const res = await request(s);
      expect(res.status).toBe(403);
      expect(errorCode(res.body)).toBe("limit_reached");
    }
    await expectCount(s, 1);
  });
  // Prefetches and prerenders: test/integration/prefetch.test.ts.
});

describe("rule 3: a 206 after byte 0 is a free resume only inside the resume window", () => {
  it("serves a resume after a counted download without counting, even past the limit", async () => {
    const s = await setup({ limit: 1 });
    expect((await request(s)).status).toBe(200);
    await expectCount(s, 1);
    for (let i = 0; i < 2; i++) {
      const res = await request(s, { headers: { Range: "bytes=100-" } });
      expect(res.status).toBe(206);
      expect(res.headers.get("Content-Range")).toBe(`bytes 100-${SIZE - 1}/${SIZE}`);
      expect(res.body).toEqual(s.file.bytes.slice(100));
    }
    await expectCount(s, 1);
  });

  it("serves a resume after a counted partial download from byte 0 without counting", async () => {
    const s = await setup({ limit: 1 });
    expect((await request(s, { headers: { Range: "bytes=0-499" } })).status).toBe(206);
    const res = await request(s, { headers: { Range: "bytes=500-" } });
    expect(res.status).toBe(206);
    expect(res.body).toEqual(s.file.bytes.slice(500));
    await expectCount(s, 1);
  });

  it("still refuses a new full download at the limit after free resumes", async () => {
    const s = await setup({ limit: 1 });
    await request(s);
    await request(s, { headers: { Range: "bytes=100-" } });
    const res = await request(s);
    expect(res.status).toBe(403);
    expect(errorCode(res.body)).toBe("limit_reached");
    await expectCount(s, 1);
  });

  it("refuses a range from byte 0 at the limit: it is a new download, not a resume", async () => {
    const s = await setup({ limit: 1 });
    await request(s);
    const res = await request(s, { headers: { Range: "bytes=0-99" } });
    expect(res.status).toBe(403);
    expect(errorCode(res.body)).toBe("limit_reached");
    await expectCount(s, 1);
  });

  it("counts a range after byte 0 on a link with no earlier counted download", async () => {
    const s = await setup({ limit: 2 });
    const res = await request(s, { headers: { Range: "bytes=500-" } });
    expect(res.status).toBe(206);
    expect(res.body).toEqual(s.file.bytes.slice(500));
    await expectCount(s, 1);
  });

  it("counts a suffix range on a link with no earlier counted download", async () => {
    const s = await setup();
    const res = await request(s, { headers: { Range: "bytes=-100" } });
    expect(res.status).toBe(206);
    expect(res.headers.get("Content-Range")).toBe(`bytes ${SIZE - 100}-${SIZE - 1}/${SIZE}`);
    await expectCount(s, 1);
  });

  it("does not count a HEAD-only history as a download to resume", async () => {
    const s = await setup({ limit: 1 });
    await request(s, { method: "HEAD" });
    const res = await request(s, { headers: { Range: "bytes=100-" } });
    expect(res.status).toBe(206);
    await expectCount(s, 1);
    const again = await request(s, { headers: { Range: "bytes=200-" } });
    expect(again.status).toBe(206);
    await expectCount(s, 1);
  });

  it("counts a resume as a new download when the tenant's resume window is 0", async () => {
    const s = await setup({ limit: 2 }, { settings: { resume_window_seconds: 0 } });
    expect((await request(s)).status).toBe(200);
    const res = await request(s, { headers: { Range: "bytes=100-" } });
    expect(res.status).toBe(206);
    expect(res.body).toEqual(s.file.bytes.slice(100));
    await expectCount(s, 2);
  });

  it("refuses a resume outside the window at the limit: ranges never bypass a limit", async () => {
    const s = await setup({ limit: 1 }, { settings: { resume_window_seconds: 0 } });
    expect((await request(s)).status).toBe(200);
    const res = await request(s, { headers: { Range: "bytes=100-" } });
    expect(res.status).toBe(403);
    expect(errorCode(res.body)).toBe("limit_reached");
    await expectCount(s, 1);
  });

  it("frees a resume inside a 1 s window and charges one once the window has passed", async () => {
    const s = await setup({ limit: 3 }, { settings: { resume_window_seconds: 1 } });
    expect((await request(s)).status).toBe(200);
    expect((await request(s, { headers: { Range: "bytes=100-" } })).status).toBe(206);
    await expectCount(s, 1);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await request(s, { headers: { Range: "bytes=200-" } })).status).toBe(206);
    await expectCount(s, 2);
  });
});

describe("If-Range", () => {
  async function afterOneDownload(): Promise<Setup & { etag: string; lastModified: string }> {
    const s = await setup({ limit: 2 });
    const first = await request(s);
    expect(first.status).toBe(200);
    return { ...s, etag: first.headers.get("ETag") ?? "", lastModified: first.headers.get("Last-Modified") ?? "" };
  }

  it("serves the range as a free resume when If-Range carries the current ETag", async () => {
    const s = await afterOneDownload();
    const res = await request(s, { headers: { Range: "bytes=100-", "If-Range": s.etag } });
    expect(res.status).toBe(206);
    expect(res.body).toEqual(s.file.bytes.slice(100));
    await expectCount(s, 1);
  });

  it("serves the range when If-Range carries the exact Last-Modified date", async () => {
    const s = await afterOneDownload();
    const res = await request(s, { headers: { Range: "bytes=100-", "If-Range": s.lastModified } });
    expect(res.status).toBe(206);
    await expectCount(s, 1);
  });

  it("serves the whole file, counted, when If-Range carries another ETag", async () => {
    const s = await afterOneDownload();
    const res = await request(s, { headers: { Range: "bytes=100-", "If-Range": '"old-version"' } });
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Range")).toBeNull();
    expect(res.body).toEqual(s.file.bytes);
    await expectCount(s, 2);
  });

  it("refuses a non-matching If-Range at the limit, since it would be a new full download", async () => {
    const s = await afterOneDownload();
    await request(s);
    const res = await request(s, { headers: { Range: "bytes=100-", "If-Range": '"old-version"' } });
    expect(res.status).toBe(403);
    expect(errorCode(res.body)).toBe("limit_reached");
    await expectCount(s, 2);
  });
});

describe("multi-range and malformed Range headers get the whole file, counted", () => {
  for (const range of ["bytes=0-9,20-29", "bytes=abc", "items=0-10", "bytes=50-10", "bytes=--5"]) {
    it(`answers Range: ${range} with a counted full 200`, async () => {
      const s = await setup();
      const res = await request(s, { headers: { Range: range } });
      expect(res.status).toBe(200);
      expect(res.headers.get("Content-Range")).toBeNull();
      expect(res.headers.get("Content-Length")).toBe(String(SIZE));
      expect(res.body).toEqual(s.file.bytes);
      await expectCount(s, 1);
    });
  }
});

describe("rules 3 and 6: a resume belongs to the device that took the counted download", () => {
  const otherDevice = { "User-Agent": "someone-else/1", "CF-Connecting-IP": "198.51.100.77" };

  it("refuses Range: bytes=1- from another device after the one download of a limit-1 link", async () => {
    const s = await setup({ limit: 1 });
    expect((await request(s)).status).toBe(200);
    const attempts: Record<string, string>[] = [
      { Range: "bytes=1-", ...otherDevice },
      // Same address, another browser: another device.
      { Range: "bytes=1-", "User-Agent": "someone-else/1" },
      // Same browser, another network (/24): another device.
      { Range: "bytes=1-", "CF-Connecting-IP": "198.51.100.77" },
    ];
    for (const headers of attempts) {
      const res = await request(s, { headers });
      expect(res.status).toBe(403);
      expect(errorCode(res.body)).toBe("limit_reached");
    }
    await expectCount(s, 1);
  });

  it("counts a range from another device as a new download while downloads remain", async () => {
    const s = await setup({ limit: 2 });
    expect((await request(s)).status).toBe(200);
    const res = await request(s, { headers: { Range: "bytes=100-", ...otherDevice } });
    expect(res.status).toBe(206);
    expect(res.body).toEqual(s.file.bytes.slice(100));
    await expectCount(s, 2);
    // That device's own next range is its free resume.
    expect((await request(s, { headers: { Range: "bytes=500-", ...otherDevice } })).status).toBe(206);
    await expectCount(s, 2);
  });

  it("keeps the resume free for the same device on another network, by its dlg_device cookie", async () => {
    const s = await setup({ limit: 1 });
    const first = await gateway(s.tenant, `/downloads/${s.link.token}`);
    const cookie = /dlg_device=[^;]+/.exec(first.headers.get("Set-Cookie") ?? "")?.[0] ?? "";
    expect(cookie).not.toBe("");
    await first.arrayBuffer();
    const res = await request(s, { headers: { Range: "bytes=100-", Cookie: cookie, ...otherDevice } });
    expect(res.status).toBe(206);
    expect(res.body).toEqual(s.file.bytes.slice(100));
    await expectCount(s, 1);
  });

  it("gives two stores two different device ids for the same browser and network", async () => {
    const first = await setup({ limit: 3 });
    const second = await setup({ limit: 3 });
    const cookieOf = async (s: Setup) => {
      const response = await gateway(s.tenant, `/downloads/${s.link.token}`);
      await response.arrayBuffer();
      return /dlg_device=([^;]+)/.exec(response.headers.get("Set-Cookie") ?? "")?.[1];
    };
    const [a, b] = [await cookieOf(first), await cookieOf(second)];
    expect(a).toMatch(/^[\w-]{22}$/);
    expect(b).toMatch(/^[\w-]{22}$/);
    expect(a).not.toBe(b);
  });

  it("scopes the device cookie to the store's /api/<tenant>/ prefix on a shared host", async () => {
    const s = await setup({ limit: 3 });
    const url = `https://gateway.example/api/${s.tenant.id}/downloads/${s.link.token}`;
    const response = await gatewayRaw(url, { headers: { "CF-Connecting-IP": "203.0.113.10" } });
    await response.arrayBuffer();
    expect(response.status).toBe(200);
    expect(response.headers.get("Set-Cookie")).toMatch(new RegExp(`^dlg_device=[\\w-]+; Path=/api/${s.tenant.id}/;`));
    const own = await gateway(s.tenant, `/downloads/${s.link.token}`, { headers: { "User-Agent": "other" } });
    await own.arrayBuffer();
    expect(own.headers.get("Set-Cookie")).toContain("; Path=/;");
  });

  it("gives devices 3–12 of a dev:2 link no bytes for Range: bytes=100-", async () => {
    const s = await setup({ devices: 2 });
    expect((await request(s, { headers: { "User-Agent": "device-1" } })).status).toBe(200);
    // Device 2's range is its first download: counted, and it takes the second device slot.
    const second = await request(s, { headers: { Range: "bytes=100-", "User-Agent": "device-2" } });
    expect(second.status).toBe(206);
    await expectCount(s, 2);
    for (let device = 3; device <= 12; device++) {
      const res = await request(s, { headers: { Range: "bytes=100-", "User-Agent": `device-${device}` } });
      expect(res.status).toBe(403);
      expect(res.body.byteLength).toBeLessThan(500);
      expect(errorCode(res.body)).toBe("device_limit_reached");
    }
    // The two known devices still resume for free.
    for (const device of [1, 2]) {
      const known = await request(s, { headers: { Range: "bytes=300-", "User-Agent": `device-${device}` } });
      expect(known.status).toBe(206);
    }
    await expectCount(s, 2);
    expect((await s.link.stub.snapshot()).deviceCount).toBe(2);
  });
});
