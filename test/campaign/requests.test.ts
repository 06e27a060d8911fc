/**
 * Campaign, requests: garbage and edge values in the headers a download client sends
 * (Range, If-*, CF-Connecting-IP, Accept) and in paths (encoded slashes and dots, unicode,
 * very long). Never a 5xx, every error in the docs/CONTRACT.md §7 shape, byte-exact bodies, and
 * no count without bytes: after any sequence, the link's count is exactly the number of
 * GET answers that delivered a body and were not a resume.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import {
  createTenant,
  gateway,
  putFile,
  signLink,
  uid,
  type StoredFile,
  type TestTenant,
} from "../helpers/fixtures.ts";
import { answer, check } from "./campaign.ts";

const SIZE = 200;
let shop: TestTenant;
let other: TestTenant;
let file: StoredFile;
let etag = "";
let lastModified = "";

beforeAll(async () => {
  shop = await createTenant();
  other = await createTenant();
  file = await putFile(shop, { size: SIZE, filename: "album.zip" });
  const probe = await gateway(shop, `/downloads/${(await signLink(shop, file)).token}`, { method: "HEAD" });
  etag = probe.headers.get("ETag") ?? "";
  lastModified = probe.headers.get("Last-Modified") ?? "";
  expect(etag).toMatch(/^"[^"]+"$/);
});

/** Visible ASCII and spaces only: a header value a client can actually send. */
const headerText = fc.string({ maxLength: 40 }).map((s) => s.replace(/[^\x20-\x7e]/g, "").trim());
const position = fc.integer({ min: 0, max: SIZE + 20 });

const range = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  { weight: 3, arbitrary: fc.tuple(position, position).map(([a, b]) => `bytes=${a}-${b}`) },
  { weight: 2, arbitrary: position.map((a) => `bytes=${a}-`) },
  { weight: 2, arbitrary: position.map((n) => `bytes=-${n}`) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      "bytes=0-0",
      "bytes=-0",
      `bytes=${SIZE}-`,
      `bytes=${SIZE - 1}-`,
      "bytes=0-18446744073709551616",
      "bytes=99999999999999999999-",
      "bytes=-99999999999999999999",
      "bytes=1e3-",
      "bytes=0x10-",
      "bytes= 0-1",
      "bytes=0-1,2-3",
      "bytes=0-1, 5-",
      "bytes=-",
      "bytes=",
      "items=0-1",
      "bytes=5-1",
      "BYTES=0-1",
      "bytes=00-01",
      "bytes=+1-2",
      "bytes=1.5-2",
      "bytes=1-2-3",
      "bytes==1-2",
    ),
  },
  { weight: 1, arbitrary: headerText },
);

const httpDate = fc.constantFrom(
  "Thu, 01 Jan 1970 00:00:00 GMT",
  "Fri, 31 Dec 9999 23:59:59 GMT",
  "Sat, 13 Sep 275760 00:00:00 GMT",
  "Tue, 30 Feb 2021 00:00:00 GMT",
  "2030-01-01T00:00:00Z",
  "0",
  "-1",
  "1e308",
  "yesterday",
  "",
);
/** Validators built from the file's own ETag and Last-Modified, or garbage. */
const validator = (kind: "etag" | "date" | "any") =>
  fc
    .oneof(
      // Mostly absent, as from a real client: five preconditions at once rarely leave a body to count.
      { weight: 12, arbitrary: fc.constant(undefined) },
      fc
        .constantFrom("etag", "weak", "star", "list", "unquoted", "other")
        .map((v) =>
          v === "etag"
            ? etag
            : v === "weak"
              ? `W/${etag}`
              : v === "star"
                ? "*"
                : v === "list"
                  ? `"nope", ${etag}`
                  : v === "unquoted"
                    ? etag.replace(/"/g, "")
                    : '"0123"',
        ),
      fc.constantFrom("exact", "before", "after").map((v) => {
        const ms = Date.parse(lastModified) + (v === "before" ? -1000 : v === "after" ? 1000 : 0);
        return new Date(ms).toUTCString();
      }),
      httpDate,
      headerText,
    )
    .filter((value) => kind === "any" || value === undefined || kind === "etag" || !value.startsWith('"'));

const clientIp = fc.constantFrom(
  undefined,
  "203.0.113.10",
  "203.0.113.99",
  "2001:db8::1",
  "",
  "garbage",
  "999.1.1.1",
  "203.0.113.010",
  "::ffff:203.0.113.10",
  "1.2.3.4, 5.6.7.8",
  "[::1]",
  "a".repeat(500),
);

const request = fc.record({
  method: fc.constantFrom("GET", "GET", "GET", "HEAD"),
  range,
  ifRange: validator("any"),
  ifNoneMatch: validator("etag"),
  ifMatch: validator("etag"),
  ifModifiedSince: validator("date"),
  ifUnmodifiedSince: validator("date"),
  ip: clientIp,
  accept: fc.constantFrom(undefined, "text/html", "*/*", "application/json"),
});
type ClientRequest = typeof request extends fc.Arbitrary<infer R> ? R : never;

function headersOf(r: ClientRequest, device: string): Headers {
  // The device is pinned by its cookie (docs/CONTRACT.md §6 rule 6), whatever CF-Connecting-IP says.
  const headers = new Headers({ Cookie: `dlg_device=${device}`, "User-Agent": "campaign/1" });
  const set = (name: string, value: string | undefined) => value !== undefined && headers.set(name, value);
  set("Range", r.range);
  set("If-Range", r.ifRange);
  set("If-None-Match", r.ifNoneMatch);
  set("If-Match", r.ifMatch);
  set("If-Modified-Since", r.ifModifiedSince);
  set("If-Unmodified-Since", r.ifUnmodifiedSince);
  set("Accept", r.accept);
  headers.set("CF-Connecting-IP", r.ip ?? "203.0.113.10");
  if (r.ip === undefined) headers.delete("CF-Connecting-IP");
  return headers;
}

describe("campaign: download headers", () => {
  it("any sequence of requests: byte-exact answers, never past the limit, and no count without bytes", async () => {
    await check(
      "requests: header sequences",
      fc.record({
        limit: fc.constantFrom(1, 2, 3, undefined),
        ips: fc.constantFrom<string[] | undefined>(undefined, ["203.0.113.0/24"]),
        requests: fc.array(request, { minLength: 1, maxLength: 6 }),
      }),
      async ({ limit, ips, requests }) => {
        const link = await signLink(shop, file, { limit, ips });
        const device = uid("device")
          .replace(/[^A-Za-z0-9_-]/g, "")
          .padEnd(16, "x");
        let counted = 0;
        for (const r of requests) {
          const response = await gateway(shop, `/downloads/${link.token}`, {
            method: r.method,
            headers: headersOf(r, device),
          });
          const result = await answer("requests: header sequences", response, r.method);
          const trace = { request: r, status: result.status, error: result.error?.error, counted, limit };
          let start: number | null = null;
          if (result.status === 200) {
            expect(result.headers.get("Content-Length"), JSON.stringify(trace)).toBe(String(SIZE));
            expect(result.body).toEqual(r.method === "GET" ? file.bytes : new Uint8Array());
            start = 0;
          } else if (result.status === 206) {
            const match = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(result.headers.get("Content-Range") ?? "");
            expect(match, JSON.stringify(trace)).not.toBeNull();
            const [a, b, total] = [Number(match?.[1]), Number(match?.[2]), Number(match?.[3])];
            expect([total, a <= b, b < SIZE]).toEqual([SIZE, true, true]);
            expect(result.headers.get("Content-Length")).toBe(String(b - a + 1));
            expect(result.body).toEqual(r.method === "GET" ? file.bytes.slice(a, b + 1) : new Uint8Array());
            start = a;
          } else {
            expect([304, 403, 412, 416], JSON.stringify(trace)).toContain(result.status);
            // A HEAD error has no body to name its code, a browser's is an HTML page.
            if (result.status === 403 && result.error) {
              expect(["limit_reached", "ip_not_allowed"], JSON.stringify(trace)).toContain(result.error?.error);
            }
            if (result.error?.error === "limit_reached") {
              expect(limit !== undefined && counted >= limit, JSON.stringify(trace)).toBe(true);
            }
          }
          // Rule 1 and 3: a GET that delivered a body counts, unless it is a resume (a 206 past
          // byte 0 by a device that already has a counted download in the window).
          if (start !== null && r.method === "GET") {
            const resume = start > 0 && counted > 0;
            if (!resume) {
              counted += 1;
              expect(limit === undefined || counted <= limit, JSON.stringify(trace)).toBe(true);
            }
          }
        }
        const state = await answer("requests: header sequences", await gateway(shop, `/downloads/${link.token}/info`));
        const info = JSON.parse(new TextDecoder().decode(state.body)) as { download_count: number };
        expect({ requests, count: info.download_count }).toEqual({ requests, count: counted });
      },
      25,
    );
  });
});

describe("campaign: paths", () => {
  it("no path or method answers a 5xx or a malformed error, and only the download route counts", async () => {
    const link = await signLink(shop, file);
    const segment = fc.oneof(
      fc.constantFrom(
        "downloads",
        "downloads",
        "info",
        "api",
        "my",
        "orders",
        "admin",
        "v1",
        "links",
        "files",
        "healthz",
        "openapi.json",
        "__bench",
        link.token,
        link.token,
        shop.id,
        other.id,
        "",
        ".",
        "..",
        "%2e",
        "%2E%2E",
        "%2f",
        "%5c",
        "%00",
        "%ff",
        "%",
        "%zz",
        "é",
        "%C3%A9",
        "\u202e",
        "😀",
        ";",
        "a;b=c",
        "x".repeat(2000),
      ),
      headerText.map((s) => encodeURIComponent(s)),
    );
    let delivered = 0;
    await check(
      "requests: paths",
      fc.record({
        segments: fc.array(segment, { minLength: 0, maxLength: 6 }),
        query: fc.constantFrom(
          "",
          "?",
          "?a=1",
          "?include_expired=true&include_expired=false",
          `?x=${"y".repeat(3000)}`,
        ),
        method: fc.constantFrom("GET", "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"),
        host: fc.constantFrom("shop", "other"),
      }),
      async ({ segments, query, method, host }) => {
        const path = `/${segments.join("/")}${query}`;
        const response = await gateway(host === "shop" ? shop : other, path, {
          method,
          body: method === "POST" || method === "PUT" || method === "PATCH" ? "{}" : undefined,
        });
        const result = await answer("requests: paths", response, method);
        if (method === "GET" && result.status === 200 && result.headers.has("Content-Disposition")) delivered += 1;
      },
      80,
    );
    const state: { download_count: number } = await (await gateway(shop, `/downloads/${link.token}/info`)).json();
    expect(state.download_count).toBe(delivered);
  });
});

describe("campaign: stored metadata", () => {
  // Issue 8 §4: a stored Content-Type with CR/LF once made every download a 503 that still
  // used up the download; any failure after the count is taken gives it back.
  it("any stored Content-Type downloads without a 5xx, and a failure counts nothing", async () => {
    await check(
      "requests: stored content types",
      fc.constantFrom(
        "text/plain\r\nX-Injected: 1",
        "a\u0000b",
        "application/pdf\n",
        "täxt/plain",
        "x".repeat(5000),
        " ",
      ),
      async (contentType) => {
        const stored = await putFile(shop, { size: 50, contentType, filename: "f.pdf" });
        const link = await signLink(shop, stored, { limit: 2 });
        const result = await answer("requests: stored content types", await gateway(shop, `/downloads/${link.token}`));
        const state = JSON.parse(
          new TextDecoder().decode(
            (await answer("requests: stored content types", await gateway(shop, `/downloads/${link.token}/info`))).body,
          ),
        ) as { download_count: number };
        expect({ contentType, count: state.download_count }).toEqual({
          contentType,
          count: result.status === 200 ? 1 : 0,
        });
      },
      6,
    );
  });
});
