/**
 * docs/CONTRACT.md §7 "No input makes the gateway answer 500", and §5/§6 as a model: random
 * tokens, paths and headers through the Worker's fetch, checked by properties.
 */
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { base64url } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import {
  createTenant,
  gateway,
  gatewayRaw,
  putFile,
  sign,
  signLink,
  type StoredFile,
  type TestTenant,
} from "../helpers/fixtures.ts";

const SIZE = 1200;

let tenant: TestTenant;
let file: StoredFile;
let validToken: string;
let etag: string;
let lastModified: string;

beforeAll(async () => {
  tenant = await createTenant();
  file = await putFile(tenant, { size: SIZE, filename: "model.bin" });
  validToken = await sign(tenant, file);
  const object = await env.FILES.head(`${tenant.id}/${file.id}`);
  if (!object) throw new Error("the test file is missing");
  etag = object.httpEtag;
  lastModified = object.uploaded.toUTCString();
});

/** Printable ASCII: what a client can put in a header value. */
const headerText = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) });
const base64urlText = fc.string({
  unit: fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
  maxLength: 200,
});

/** Strings shaped like tokens: random text, mangled real tokens, hand-forged headers. */
const tokenLike = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 300 }),
  headerText,
  fc.tuple(base64urlText, base64urlText, base64urlText).map((parts) => parts.join(".")),
  fc.tuple(fc.nat(), fc.constantFrom(..."Aa0-_.%~")).map(([at, c]) => {
    const token = validToken;
    const i = at % token.length;
    return token.slice(0, i) + c + token.slice(i + 1);
  }),
  fc.nat().map((n) => validToken.slice(0, n % validToken.length)),
  fc
    .tuple(fc.jsonValue(), fc.jsonValue(), base64urlText)
    .map(
      ([header, payload, signature]) =>
        `${base64url.encode(JSON.stringify(header) ?? "null")}.${base64url.encode(JSON.stringify(payload) ?? "null")}.${signature}`,
    ),
  fc
    .record({
      alg: fc.constantFrom("HS256", "HS512", "none", "EdDSA", "RS256", ""),
      kid: fc.oneof(fc.string(), fc.constant("k1")),
    })
    .map(
      (header) =>
        `${base64url.encode(JSON.stringify(header))}.${base64url.encode(JSON.stringify({ iss: tenant.id, lid: "x", fid: file.id }))}.${validToken.split(".")[2]}`,
    ),
);

function encodePath(text: string): string | null {
  try {
    return encodeURIComponent(text);
  } catch {
    return null; // lone surrogates cannot be a URL
  }
}

/** docs/CONTRACT.md §7: `{error, message}`, plus `details` for bad_request. */
function expectErrorBody(text: string): void {
  const body: Record<string, unknown> = JSON.parse(text);
  expect(body).toMatchObject({ error: expect.stringMatching(/^[a-z_]+$/), message: expect.any(String) });
  for (const key of Object.keys(body)) expect(["error", "message", "details"]).toContain(key);
}

async function statusAndBody(response: Response): Promise<{ status: number; body: string }> {
  return { status: response.status, body: await response.text() };
}

describe("no input makes the gateway answer 5xx", () => {
  it("answers any token-like string under /downloads/ with a JSON error below 500", async () => {
    await fc.assert(
      fc.asyncProperty(tokenLike, fc.constantFrom("", "/info"), async (token, suffix) => {
        const encoded = encodePath(token);
        fc.pre(encoded !== null && encoded.length > 0);
        const { status, body } = await statusAndBody(await gateway(tenant, `/downloads/${encoded}${suffix}`));
        expect(status).toBeLessThan(500);
        if (status >= 400) expectErrorBody(body);
      }),
      { numRuns: 200 },
    );
  });

  it("answers any path, method and host below 500", async () => {
    const prefix = fc.constantFrom(
      "",
      "/downloads/",
      `/api/${tenant?.id ?? "x"}/downloads/`,
      "/api/",
      "/my/",
      "/orders/",
    );
    await fc.assert(
      fc.asyncProperty(
        prefix,
        fc.webPath(),
        fc.constantFrom("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"),
        fc.oneof(fc.constant(tenant.host), fc.domain()),
        async (start, path, method, host) => {
          const url = `https://${host}${start === "" ? path || "/" : start + path.replace(/^\//, "")}`;
          const response = await gatewayRaw(url, { method, headers: { "CF-Connecting-IP": "203.0.113.10" } });
          const body = await response.text();
          expect(response.status).toBeLessThan(500);
          if (response.status >= 400 && method !== "HEAD") expectErrorBody(body);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("answers a valid token with any garbage in every header below 500", async () => {
    const names = [
      "Range",
      "If-Range",
      "If-Match",
      "If-None-Match",
      "If-Modified-Since",
      "If-Unmodified-Since",
      "Accept",
      "Cookie",
      "CF-Connecting-IP",
      "User-Agent",
      "Sec-Purpose",
      "Purpose",
      "Host",
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.constantFrom(...names), headerText, { maxKeys: 6 }),
        fc.constantFrom("GET", "HEAD"),
        async (headers, method) => {
          const link = await signLink(tenant, file);
          const response = await gateway(tenant, `/downloads/${link.token}`, { method, headers });
          await response.arrayBuffer();
          expect(response.status).toBeLessThan(500);
        },
      ),
      { numRuns: 100 },
    );
  });
});

/** Header values whose meaning the model knows. */
function requestArbitrary() {
  const n = fc.nat(SIZE + 100);
  const range = fc.oneof(
    fc.tuple(n, n).map(([a, b]) => `bytes=${a}-${b}`),
    n.map((a) => `bytes=${a}-`),
    n.map((k) => `bytes=-${k}`),
    fc.constantFrom("bytes=0-0,5-9", "bytes=", "bytes=-", "bytes=abc", "bits=0-1", "bytes=99999999999999999999-"),
    headerText,
  );
  const dates = () =>
    fc.constantFrom(lastModified, "Sat, 01 Jan 2000 00:00:00 GMT", "Fri, 01 Jan 2100 00:00:00 GMT", "not a date");
  const tags = () => fc.constantFrom(etag, `W/${etag}`, '"other"', "*", `"other", ${etag}`, "garbage");
  return fc.record(
    {
      method: fc.constantFrom("GET", "GET", "HEAD"),
      Range: range,
      "If-Range": fc.oneof(tags(), dates()),
      "If-Match": tags(),
      "If-None-Match": tags(),
      "If-Modified-Since": dates(),
      "If-Unmodified-Since": dates(),
      purpose: fc.constantFrom(
        ["Sec-Purpose", "prefetch", true] as const,
        ["Sec-Purpose", "prefetch;prerender", true] as const,
        ["Purpose", "Prefetch", true] as const,
        ["Sec-Purpose", "prerender", true] as const,
        ["Purpose", "noprefetch", false] as const,
      ),
    },
    { requiredKeys: ["method"] },
  );
}

describe("the served bytes and the count follow docs/CONTRACT.md §5–6 for any header combination", () => {
  it("delivers exactly what the status promises and counts exactly the downloads rule 1 and 3 name", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(requestArbitrary(), { minLength: 1, maxLength: 5 }), async (requests) => {
        const link = await signLink(tenant, file);
        let expected = 0;
        for (const { method, purpose, ...conditional } of requests) {
          const headers = new Headers(conditional);
          if (purpose) headers.set(purpose[0], purpose[1]);
          const prefetch = purpose?.[2] === true;
          const response = await gateway(tenant, `/downloads/${link.token}`, { method, headers });
          const body = new Uint8Array(await response.arrayBuffer());
          if (prefetch) {
            // docs/CONTRACT.md §5: 503 and no file bytes, whatever else the request asks.
            expect(response.status).toBe(503);
            expect(body.byteLength).toBeLessThan(SIZE);
            continue;
          }
          expect([200, 206, 304, 412, 416]).toContain(response.status);

          const sendsBody = method === "GET" && !prefetch;
          if (response.status === 200) {
            expect(response.headers.get("Content-Length")).toBe(String(SIZE));
            expect(body).toEqual(sendsBody ? file.bytes : new Uint8Array());
            if (sendsBody) expected += 1;
          } else if (response.status === 206) {
            const match = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(response.headers.get("Content-Range") ?? "");
            expect(match).not.toBeNull();
            const [start, end, total] = [Number(match?.[1]), Number(match?.[2]), Number(match?.[3])];
            expect(total).toBe(SIZE);
            expect(response.headers.get("Content-Length")).toBe(String(end - start + 1));
            expect(body).toEqual(sendsBody ? file.bytes.slice(start, end + 1) : new Uint8Array());
            // From byte 0 it is a new download; later it is a free resume only after a counted one.
            if (sendsBody && (start === 0 || expected === 0)) expected += 1;
          } else if (response.status === 304) {
            expect(body.byteLength).toBe(0);
            expect(response.headers.get("ETag")).toBe(etag);
          } else {
            const code = response.status === 412 ? "precondition_failed" : "range_not_satisfiable";
            if (method === "GET") expect(JSON.parse(new TextDecoder().decode(body))).toMatchObject({ error: code });
            else expect(body.byteLength).toBe(0);
            if (response.status === 416) expect(response.headers.get("Content-Range")).toBe(`bytes */${SIZE}`);
          }
        }
        expect((await link.stub.snapshot()).count).toBe(expected);
        const info: { download_count?: unknown } = await (
          await gateway(tenant, `/downloads/${link.token}/info`)
        ).json();
        expect(info.download_count).toBe(expected);
      }),
      { numRuns: 80 },
    );
  });
});
