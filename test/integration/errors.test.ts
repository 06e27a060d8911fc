/**
 * docs/CONTRACT.md §7 through the Worker's fetch: every error the download path can produce,
 * as JSON by default and as an HTML page for a browser, and never a 500.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { base64url } from "jose";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../../src/index.ts";
import { linkStub } from "../../src/links/linkStub.ts";
import { forgetTenant } from "../../src/tenants/resolveTenant.ts";
import {
  brokenD1,
  createTenant,
  customerBearer,
  drain,
  fileBytes,
  flushOutboxes,
  gateway,
  gatewayRaw,
  nowSeconds,
  putFile,
  sign,
  signClaims,
  signLink,
  uid,
  type StoredFile,
  type TestLink,
  type TestTenant,
} from "../helpers/fixtures.ts";

const CUSTOMER_SECRET = "storefront-customer-secret-0123456789";
const ORIGIN_URL = "https://files.origin-store.test/private/bucket/file.bin";

/** A file the tenant registered by origin URL only: nothing in R2 until its first download. */
async function pullThroughFile(tenant: TestTenant, name = "Pulled.pdf"): Promise<StoredFile> {
  const id = uid("pull");
  await env.DB.prepare(
    "INSERT INTO files (tenant_id, id, name, mime_type, source, origin_url) VALUES (?, ?, ?, 'application/pdf', 'url', ?)",
  )
    .bind(tenant.id, id, name, ORIGIN_URL)
    .run();
  return { id, bytes: fileBytes(777, 3) };
}

/** What Firefox and Chrome send when following a link. */
const BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8";

type Flavour = "json" | "html";

interface ErrorCase {
  name: string;
  status: number;
  code: string;
  /** Produces the failing answer; `accept` is the Accept header to send. */
  run: (accept: string | null) => Promise<{ response: Response; link?: TestLink; countAfter?: number }>;
  /** Extra header checks for this error. */
  headers?: Record<string, string | RegExp>;
}

function withAccept(accept: string | null, headers: Record<string, string> = {}): HeadersInit {
  return accept === null ? headers : { ...headers, Accept: accept };
}

/** A compact JWS assembled by hand, for headers no JWT library would produce. */
function forge(header: unknown, payload: unknown, signature: string): string {
  const encode = (value: unknown) => base64url.encode(JSON.stringify(value));
  return `${encode(header)}.${encode(payload)}.${signature}`;
}

/**
 * A link whose token is correctly HS256-signed with the tenant's k1 secret over `headerText`
 * exactly as given (a header with a repeated key, which no JSON encoder writes).
 */
async function signedWithRawHeader(tenant: TestTenant, headerText: string, file: StoredFile): Promise<TestLink> {
  const linkId = uid("l");
  const encode = (text: string) => base64url.encode(new TextEncoder().encode(text));
  const input = `${encode(headerText)}.${encode(JSON.stringify({ iss: tenant.id, lid: linkId, fid: file.id }))}`;
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(tenant.key.secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const signature = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(input));
  return {
    token: `${input}.${base64url.encode(new Uint8Array(signature))}`,
    linkId,
    stub: linkStub(env, tenant.id, linkId),
  };
}

async function expectErrorAnswer(response: Response, status: number, code: string, flavour: Flavour): Promise<void> {
  expect(response.status).toBe(status);
  const text = await response.text();
  if (flavour === "json") {
    expect(response.headers.get("Content-Type")).toMatch(/^application\/json/);
    const body: unknown = JSON.parse(text);
    expect(body).toEqual({ error: code, message: expect.stringMatching(/\w+/) });
  } else {
    expect(response.headers.get("Content-Type")).toMatch(/^text\/html/);
    expect(text).toMatch(/^<!doctype html>/i);
    expect(text).toContain(`Error ${status}`);
    // A human page, not the JSON body wrapped in HTML.
    expect(text).not.toContain(`"error"`);
  }
  expect(response.headers.get("Cache-Control")).toBe("private, no-store");
  expect(response.headers.get("X-Content-Type-Options")).toBe("nosniff");
}

const errorCases: ErrorCase[] = [
  {
    name: "a token that is not a JWS at all",
    status: 403,
    code: "invalid_token",
    run: async (accept) => {
      const tenant = await createTenant();
      return { response: await gateway(tenant, "/downloads/not-a-token", { headers: withAccept(accept) }) };
    },
  },
  {
    name: "three dot-separated segments of garbage",
    status: 403,
    code: "invalid_token",
    run: async (accept) => {
      const tenant = await createTenant();
      return { response: await gateway(tenant, "/downloads/aaaa.bbbb.cccc", { headers: withAccept(accept) }) };
    },
  },
  {
    name: "a signature made with another secret",
    status: 403,
    code: "invalid_token",
    run: async (accept) => {
      const tenant = await createTenant();
      const file = await putFile(tenant);
      const link = await signLink(tenant, file, {}, { kid: "k1", secret: "not-the-tenant-secret-0123456789" });
      const response = await gateway(tenant, `/downloads/${link.token}`, { headers: withAccept(accept) });
      return { response, link, countAfter: 0 };
    },
  },
  {
    name: "a payload altered after signing",
    status: 403,
    code: "invalid_token",
    run: async (accept) => {
      const tenant = await createTenant();
      const file = await putFile(tenant);
      const link = await signLink(tenant, file, { limit: 1 });
      const [header, , signature] = link.token.split(".");
      const payload = base64url.encode(JSON.stringify({ iss: tenant.id, lid: link.linkId, fid: file.id, lim: 1000 }));
      const response = await gateway(tenant, `/downloads/${header}.${payload}.${signature}`, {
        headers: withAccept(accept),
      });
      return { response, link, countAfter: 0 };
    },
  },
  {
    name: "an unknown kid",
    status: 403,
    code: "invalid_token",
    run: async (accept) => {
      const tenant = await createTenant();
      const file = await putFile(tenant);
      const link = await signLink(tenant, file, {}, { kid: "k9", secret: tenant.key.secret });
      const response = await gateway(tenant, `/downloads/${link.token}`, { headers: withAccept(accept) });
      return { response, link, countAfter: 0 };
    },
  },
  {
    name: "HS512 with the tenant's own secret and kid",
    status: 403,
    code: "invalid_token",
    run: async (accept) => {
      const tenant = await createTenant();
      const file = await putFile(tenant);
      const token = await signClaims(tenant, { iss: tenant.id, lid: uid("l"), fid: file.id }, { alg: "HS512" });
      return { response: await gateway(tenant, `/downloads/${token}`, { headers: withAccept(accept) }) };
    },
  },
  {
    name: 'alg "none" with an empty signature',
    status: 403,
    code: "invalid_token",
    run: async (accept) => {
      const tenant = await createTenant();
      const file = await putFile(tenant);
      const token = forge({ alg: "none", kid: "k1" }, { iss: tenant.id, lid: uid("l"), fid: file.id }, "");
      return { response: await gateway(tenant, `/downloads/${token}`, { headers: withAccept(accept) }) };
    },
  },
  {
    name: 'alg "none" with a made-up signature',
    status: 403,
    code: "invalid_token",
    run: async (accept) => {
      const tenant = await createTenant();
      const file = await putFile(tenant);
      const token = forge({ alg: "none", kid: "k1" }, { iss: tenant.id, lid: uid("l"), fid: file.id }, "c2ln");
      return { response: await gateway(tenant, `/downloads/${token}`, { headers: withAccept(accept) }) };
    },
  },
  // JSON.parse keeps the last of two equal keys; which alg or kid a token names must not
  // depend on the reader, so a header that repeats one is malformed whatever it says.
  ...[
    ['alg "none", then alg "HS256"', '{"alg":"none","alg":"HS256","kid":"k1"}'],
    ["an unknown kid, then the right one", '{"alg":"HS256","kid":"k9","kid":"k1"}'],
    ["alg twice, the second spelt with a \\u escape", '{"alg":"HS256","\\u0061lg":"HS256","kid":"k1"}'],
  ].map(([what, headerText]): ErrorCase => ({
    name: `a correctly signed token whose header repeats a key: ${what}`,
    status: 403,
    code: "invalid_token",
    run: async (accept) => {
      const tenant = await createTenant();
      const file = await putFile(tenant);
      const link = await signedWithRawHeader(tenant, headerText ?? "", file);
      const response = await gateway(tenant, `/downloads/${link.token}`, { headers: withAccept(accept) });
      return { response, link, countAfter: 0 };
    },
  })),
  {
    name: "tenant A's token on tenant B's host",
    status: 403,
    code: "invalid_token",
    run: async (accept) => {
      const [a, b] = [await createTenant(), await createTenant()];
      const file = await putFile(a);
      await putFile(b, { id: file.id });
      const link = await signLink(a, file);
      const response = await gateway(b, `/downloads/${link.token}`, { headers: withAccept(accept) });
      return { response, link, countAfter: 0 };
    },
  },
  {
    // docs/CONTRACT.md §4: on a tenant's host another tenant's prefix is no route at all.
    name: "tenant A's token under /api/<B>/ on A's host",
    status: 404,
    code: "not_found",
    run: async (accept) => {
      const [a, b] = [await createTenant(), await createTenant()];
      const file = await putFile(a);
      const link = await signLink(a, file);
      const response = await gateway(a, `/api/${b.id}/downloads/${link.token}`, { headers: withAccept(accept) });
      return { response, link, countAfter: 0 };
    },
  },
  {
    // The same host spelt fully qualified (a trailing dot) is still A's, not a shared host.
    name: "tenant B's token under /api/<B>/ on A's host spelt with a trailing dot",
    status: 404,
    code: "not_found",
    run: async (accept) => {
      const [a, b] = [await createTenant(), await createTenant()];
      const file = await putFile(b);
      const link = await signLink(b, file);
      const url = `https://${a.host}./api/${b.id}/downloads/${link.token}`;
      const headers = { ...withAccept(accept), "CF-Connecting-IP": "203.0.113.10" };
      return { response: await gatewayRaw(url, { headers }), link, countAfter: 0 };
    },
  },
  {
    name: "a token signed with tenant B's own key whose iss names tenant A",
    status: 403,
    code: "invalid_token",
    run: async (accept) => {
      const [a, b] = [await createTenant(), await createTenant()];
      const file = await putFile(b);
      const token = await signClaims(b, { iss: a.id, lid: uid("l"), fid: file.id });
      return { response: await gateway(b, `/downloads/${token}`, { headers: withAccept(accept) }) };
    },
  },
  {
    name: "a correctly signed token longer than 4096 characters",
    status: 403,
    code: "invalid_token",
    run: async (accept) => {
      const tenant = await createTenant();
      const file = await putFile(tenant);
      const lid = uid("l");
      const token = await signClaims(tenant, { iss: tenant.id, lid, fid: file.id, pad: "x".repeat(3200) });
      expect(token.length).toBeGreaterThan(4096);
      return { response: await gateway(tenant, `/downloads/${token}`, { headers: withAccept(accept) }) };
    },
  },
  {
    name: "a link before its nbf (beyond the 30 s skew)",
    status: 403,
    code: "not_yet_valid",
    run: async (accept) => {
      const tenant = await createTenant();
      const file = await putFile(tenant);
      const link = await signLink(tenant, file, { notBefore: nowSeconds() + 120 });
      const response = await gateway(tenant, `/downloads/${link.token}`, { headers: withAccept(accept) });
      return { response, link, countAfter: 0 };
    },
  },
  {
    name: "a link after its exp (beyond the 30 s skew)",
    status: 410,
    code: "expired",
    run: async (accept) => {
      const tenant = await createTenant();
      const file = await putFile(tenant);
      const link = await signLink(tenant, file, { expires: nowSeconds() - 120 });
      const response = await gateway(tenant, `/downloads/${link.token}`, { headers: withAccept(accept) });
      return { response, link, countAfter: 0 };
    },
  },
  {
    name: "a link the store revoked",
    status: 410,
    code: "revoked",
    run: async (accept) => {
      const tenant = await createTenant();
      const file = await putFile(tenant);
      const link = await signLink(tenant, file);
      await link.stub.setRevoked(true);
      const response = await gateway(tenant, `/downloads/${link.token}`, { headers: withAccept(accept) });
      return { response, link, countAfter: 0 };
    },
  },
  {
    name: "a link whose order is not paid yet",
    status: 403,
    code: "pending",
    run: async (accept) => {
      const tenant = await createTenant();
      const file = await putFile(tenant);
      const link = await signLink(tenant, file);
      await link.stub.setPending(true);
      const response = await gateway(tenant, `/downloads/${link.token}`, { headers: withAccept(accept) });
      return { response, link, countAfter: 0 };
    },
  },
  {
    name: "a link whose download limit is used up",
    status: 403,
    code: "limit_reached",
    run: async (accept) => {
      const tenant = await createTenant();
      const file = await putFile(tenant);
      const link = await signLink(tenant, file, { limit: 1 });
      expect((await drain(await gateway(tenant, `/downloads/${link.token}`))).status).toBe(200);
      const response = await gateway(tenant, `/downloads/${link.token}`, { headers: withAccept(accept) });
      return { response, link, countAfter: 1 };
    },
  },
  {
    name: "a client outside the link's ips",
    status: 403,
    code: "ip_not_allowed",
    run: async (accept) => {
      const tenant = await createTenant();
      const file = await putFile(tenant);
      const link = await signLink(tenant, file, { ips: ["198.51.100.0/24"] });
      const response = await gateway(tenant, `/downloads/${link.token}`, { headers: withAccept(accept) });
      return { response, link, countAfter: 0 };
    },
  },
  {
    name: "a second device on a one-device link",
    status: 403,
    code: "device_limit_reached",
    run: async (accept) => {
      const tenant = await createTenant();
      const file = await putFile(tenant);
      const link = await signLink(tenant, file, { devices: 1 });
      const first = await gateway(tenant, `/downloads/${link.token}`, { headers: { "User-Agent": "Laptop/1" } });
      expect((await drain(first)).status).toBe(200);
      const response = await gateway(tenant, `/downloads/${link.token}`, {
        headers: withAccept(accept, { "User-Agent": "Phone/1" }),
      });
      return { response, link, countAfter: 1 };
    },
  },
  {
    name: "a link whose file is not in R2",
    status: 404,
    code: "not_found",
    run: async (accept) => {
      const tenant = await createTenant();
      const link = await signLink(tenant, { id: uid("missing"), bytes: new Uint8Array() });
      const response = await gateway(tenant, `/downloads/${link.token}`, { headers: withAccept(accept) });
      return { response, link, countAfter: 0 };
    },
  },
  {
    name: "a range that starts past the end of the file",
    status: 416,
    code: "range_not_satisfiable",
    headers: { "Content-Range": "bytes */1000" },
    run: async (accept) => {
      const tenant = await createTenant();
      const file = await putFile(tenant, { size: 1000 });
      const link = await signLink(tenant, file);
      const response = await gateway(tenant, `/downloads/${link.token}`, {
        headers: withAccept(accept, { Range: "bytes=1000-" }),
      });
      return { response, link, countAfter: 0 };
    },
  },
  {
    name: "an auth:true link without a customer credential",
    status: 401,
    code: "auth_required",
    run: async (accept) => {
      const tenant = await createTenant({ customerSecret: CUSTOMER_SECRET });
      const file = await putFile(tenant);
      const link = await signLink(tenant, file, { requireLogin: true, customer: "cust-1" });
      const response = await gateway(tenant, `/downloads/${link.token}`, { headers: withAccept(accept) });
      return { response, link, countAfter: 0 };
    },
  },
  {
    name: "an auth:true link with another customer's credential",
    status: 403,
    code: "forbidden",
    run: async (accept) => {
      const tenant = await createTenant({ customerSecret: CUSTOMER_SECRET });
      const file = await putFile(tenant);
      const link = await signLink(tenant, file, { requireLogin: true, customer: "cust-1" });
      const response = await gateway(tenant, `/downloads/${link.token}`, {
        headers: withAccept(accept, { Authorization: await customerBearer(CUSTOMER_SECRET, "cust-2") }),
      });
      return { response, link, countAfter: 0 };
    },
  },
  {
    name: "a pull-through file whose origin answers 500",
    status: 502,
    code: "origin_error",
    run: async (accept) => {
      const tenant = await createTenant();
      const file = await pullThroughFile(tenant);
      const link = await signLink(tenant, file);
      const origin = vi.spyOn(globalThis, "fetch").mockResolvedValue(new Response("boom", { status: 500 }));
      try {
        const response = await gateway(tenant, `/downloads/${link.token}`, { headers: withAccept(accept) });
        expect(origin).toHaveBeenCalledTimes(1);
        return { response, link, countAfter: 0 };
      } finally {
        origin.mockRestore();
      }
    },
  },
  {
    name: "a path that is no route",
    status: 404,
    code: "not_found",
    run: async (accept) => {
      const tenant = await createTenant();
      return { response: await gateway(tenant, "/no/such/page", { headers: withAccept(accept) }) };
    },
  },
  {
    name: "a cold tenant while D1 is down",
    status: 503,
    code: "unavailable",
    headers: { "Retry-After": /^\d+$/ },
    run: async (accept) => {
      const tenant = await createTenant();
      const file = await putFile(tenant);
      const link = await signLink(tenant, file);
      forgetTenant();
      const d1 = brokenD1();
      const ctx = createExecutionContext();
      const response = await worker.fetch(
        new Request(`https://${tenant.host}/downloads/${link.token}`, {
          headers: withAccept(accept, { "CF-Connecting-IP": "203.0.113.10" }),
        }),
        { ...env, DB: d1.db },
        ctx,
      );
      await waitOnExecutionContext(ctx);
      expect(d1.calls()).toBeGreaterThan(0);
      return { response, link, countAfter: 0 };
    },
  },
];

describe("every download error of docs/CONTRACT.md §7", () => {
  for (const flavour of ["json", "html"] as const) {
    const accept = flavour === "json" ? null : BROWSER_ACCEPT;
    it.each(errorCases)(`answers $name with $status $code (${flavour})`, async (errorCase) => {
      const { response, link, countAfter } = await errorCase.run(accept);
      await expectErrorAnswer(response, errorCase.status, errorCase.code, flavour);
      for (const [name, expected] of Object.entries(errorCase.headers ?? {})) {
        if (typeof expected === "string") expect(response.headers.get(name)).toBe(expected);
        else expect(response.headers.get(name)).toMatch(expected);
      }
      if (link && countAfter !== undefined) expect((await link.stub.snapshot()).count).toBe(countAfter);
    });
  }

  it("serves a token signed over a hand-written header that names each key once (the control)", async () => {
    const tenant = await createTenant();
    const file = await putFile(tenant);
    const link = await signedWithRawHeader(tenant, '{"alg":"HS256","kid":"k1"}', file);
    expect((await drain(await gateway(tenant, `/downloads/${link.token}`))).status).toBe(200);
    expect((await link.stub.snapshot()).count).toBe(1);
  });

  it("answers an explicit Accept: application/json with JSON even when text/html is also listed lower", async () => {
    const tenant = await createTenant();
    const response = await gateway(tenant, "/downloads/not-a-token", {
      headers: { Accept: "application/json, text/html;q=0.5" },
    });
    await expectErrorAnswer(response, 403, "invalid_token", "json");
  });

  it("answers an error to HEAD with the same status and headers but no body", async () => {
    const tenant = await createTenant();
    const file = await putFile(tenant);
    const link = await signLink(tenant, file, { expires: nowSeconds() - 120 });
    const response = await gateway(tenant, `/downloads/${link.token}`, { method: "HEAD" });
    expect(response.status).toBe(410);
    expect(response.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect(await response.text()).toBe("");
    expect((await link.stub.snapshot()).count).toBe(0);
  });

  it("accepts a token of exactly the positive-control size, so the length refusal is about length", async () => {
    const tenant = await createTenant();
    const file = await putFile(tenant);
    const token = await signClaims(tenant, { iss: tenant.id, lid: uid("l"), fid: file.id, pad: "x".repeat(2500) });
    expect(token.length).toBeGreaterThan(3000);
    expect(token.length).toBeLessThanOrEqual(4096);
    const response = await drain(await gateway(tenant, `/downloads/${token}`));
    expect(response.status).toBe(200);
  });
});

describe("clock skew of 30 s on exp and nbf", () => {
  it("still serves a link that expired 10 s ago, and counts it", async () => {
    const tenant = await createTenant();
    const file = await putFile(tenant);
    const link = await signLink(tenant, file, { expires: nowSeconds() - 10 });
    const response = await gateway(tenant, `/downloads/${link.token}`);
    expect(response.status).toBe(200);
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(file.bytes);
    expect((await link.stub.snapshot()).count).toBe(1);
  });

  it("refuses a link that expired 45 s ago with 410 expired", async () => {
    const tenant = await createTenant();
    const file = await putFile(tenant);
    const link = await signLink(tenant, file, { expires: nowSeconds() - 45 });
    const response = await gateway(tenant, `/downloads/${link.token}`);
    await expectErrorAnswer(response, 410, "expired", "json");
    expect((await link.stub.snapshot()).count).toBe(0);
  });

  it("already serves a link whose nbf is 10 s in the future", async () => {
    const tenant = await createTenant();
    const file = await putFile(tenant);
    const link = await signLink(tenant, file, { notBefore: nowSeconds() + 10 });
    const response = await drain(await gateway(tenant, `/downloads/${link.token}`));
    expect(response.status).toBe(200);
    expect((await link.stub.snapshot()).count).toBe(1);
  });

  it("refuses a link whose nbf is 45 s in the future with 403 not_yet_valid", async () => {
    const tenant = await createTenant();
    const file = await putFile(tenant);
    const link = await signLink(tenant, file, { notBefore: nowSeconds() + 45 });
    const response = await gateway(tenant, `/downloads/${link.token}`);
    await expectErrorAnswer(response, 403, "not_yet_valid", "json");
    expect((await link.stub.snapshot()).count).toBe(0);
  });
});

describe("ip restrictions use CF-Connecting-IP only", () => {
  async function tryFrom(ips: string[], headers: Record<string, string>) {
    const tenant = await createTenant();
    const file = await putFile(tenant);
    const link = await signLink(tenant, file, { ips });
    const response = await gateway(tenant, `/downloads/${link.token}`, { headers });
    const body = await response.text();
    return { status: response.status, body, count: (await link.stub.snapshot()).count };
  }

  it("serves a client inside an IPv4 CIDR and counts the download", async () => {
    const result = await tryFrom(["203.0.113.0/24"], { "CF-Connecting-IP": "203.0.113.77" });
    expect(result.status).toBe(200);
    expect(result.count).toBe(1);
  });

  it("refuses a client outside an IPv4 CIDR with ip_not_allowed and counts nothing", async () => {
    const result = await tryFrom(["203.0.113.0/24"], { "CF-Connecting-IP": "203.0.114.1" });
    expect(result.status).toBe(403);
    expect(JSON.parse(result.body)).toMatchObject({ error: "ip_not_allowed" });
    expect(result.count).toBe(0);
  });

  it("serves a client inside an IPv6 CIDR", async () => {
    const result = await tryFrom(["2001:db8:abcd::/48"], { "CF-Connecting-IP": "2001:db8:abcd:12::5" });
    expect(result.status).toBe(200);
    expect(result.count).toBe(1);
  });

  it("refuses a client outside an IPv6 CIDR", async () => {
    const result = await tryFrom(["2001:db8:abcd::/48"], { "CF-Connecting-IP": "2001:db8:abce::5" });
    expect(result.status).toBe(403);
    expect(JSON.parse(result.body)).toMatchObject({ error: "ip_not_allowed" });
    expect(result.count).toBe(0);
  });

  it("serves a single listed IPv6 address written in another form", async () => {
    const result = await tryFrom(["2001:db8::1"], { "CF-Connecting-IP": "2001:0db8:0000:0000:0000:0000:0000:0001" });
    expect(result.status).toBe(200);
    expect(result.count).toBe(1);
  });

  it("refuses a request without CF-Connecting-IP when the link is ip-restricted", async () => {
    const tenant = await createTenant();
    const file = await putFile(tenant);
    const link = await signLink(tenant, file, { ips: ["203.0.113.0/24"] });
    const response = await gatewayRaw(`https://${tenant.host}/downloads/${link.token}`, {
      headers: { "User-Agent": "x/1" },
    });
    await expectErrorAnswer(response, 403, "ip_not_allowed", "json");
    expect((await link.stub.snapshot()).count).toBe(0);
  });

  it("ignores an X-Forwarded-For that claims an allowed address", async () => {
    const result = await tryFrom(["203.0.113.0/24"], {
      "CF-Connecting-IP": "198.51.100.9",
      "X-Forwarded-For": "203.0.113.10",
    });
    expect(result.status).toBe(403);
    expect(JSON.parse(result.body)).toMatchObject({ error: "ip_not_allowed" });
    expect(result.count).toBe(0);
  });

  it("ignores an X-Forwarded-For that claims a refused address", async () => {
    const result = await tryFrom(["203.0.113.0/24"], {
      "CF-Connecting-IP": "203.0.113.10",
      "X-Forwarded-For": "198.51.100.9",
    });
    expect(result.status).toBe(200);
    expect(result.count).toBe(1);
  });

  it("applies the ip restriction to /info as well", async () => {
    const tenant = await createTenant();
    const file = await putFile(tenant);
    const token = await sign(tenant, file, { ips: ["198.51.100.0/24"] });
    const response = await gateway(tenant, `/downloads/${token}/info`);
    await expectErrorAnswer(response, 403, "ip_not_allowed", "json");
  });
});

describe("device limit (dev) and the dlg_device cookie", () => {
  async function oneDeviceLink() {
    const tenant = await createTenant();
    const file = await putFile(tenant);
    const link = await signLink(tenant, file, { devices: 1 });
    return { tenant, file, link };
  }

  it("sets an HttpOnly dlg_device cookie on a download that had none", async () => {
    const { tenant, link } = await oneDeviceLink();
    const response = await drain(await gateway(tenant, `/downloads/${link.token}`));
    expect(response.status).toBe(200);
    expect(response.headers.get("Set-Cookie")).toMatch(
      /^dlg_device=[A-Za-z0-9_-]{16,64}; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Lax; Secure$/,
    );
  });

  it("treats another User-Agent carrying the first download's cookie as the same device", async () => {
    const { tenant, link } = await oneDeviceLink();
    const first = await drain(await gateway(tenant, `/downloads/${link.token}`, { headers: { "User-Agent": "A/1" } }));
    const cookie = (first.headers.get("Set-Cookie") ?? "").split(";")[0] ?? "";
    expect(cookie).toMatch(/^dlg_device=/);
    const second = await drain(
      await gateway(tenant, `/downloads/${link.token}`, { headers: { "User-Agent": "B/1", Cookie: `x=1; ${cookie}` } }),
    );
    expect(second.status).toBe(200);
    // A request that already carries the cookie is not told to set it again.
    expect(second.headers.get("Set-Cookie")).toBeNull();
    const state = await link.stub.snapshot();
    expect(state.count).toBe(2);
    expect(state.deviceCount).toBe(1);
  });

  it("refuses a different device cookie on a one-device link", async () => {
    const { tenant, link } = await oneDeviceLink();
    await drain(
      await gateway(tenant, `/downloads/${link.token}`, { headers: { Cookie: "dlg_device=AAAAAAAAAAAAAAAAAAAAAA" } }),
    );
    const response = await gateway(tenant, `/downloads/${link.token}`, {
      headers: { Cookie: "dlg_device=BBBBBBBBBBBBBBBBBBBBBB" },
    });
    await expectErrorAnswer(response, 403, "device_limit_reached", "json");
    expect(await link.stub.snapshot()).toMatchObject({ count: 1, deviceCount: 1 });
  });

  it("treats the same User-Agent from another address in the same /24 as the same device", async () => {
    const { tenant, link } = await oneDeviceLink();
    await drain(await gateway(tenant, `/downloads/${link.token}`, { headers: { "CF-Connecting-IP": "203.0.113.10" } }));
    const second = await drain(
      await gateway(tenant, `/downloads/${link.token}`, { headers: { "CF-Connecting-IP": "203.0.113.200" } }),
    );
    expect(second.status).toBe(200);
    expect(await link.stub.snapshot()).toMatchObject({ count: 2, deviceCount: 1 });
  });

  it("treats the same User-Agent from another /24 as a new device", async () => {
    const { tenant, link } = await oneDeviceLink();
    await drain(await gateway(tenant, `/downloads/${link.token}`, { headers: { "CF-Connecting-IP": "203.0.113.10" } }));
    const second = await gateway(tenant, `/downloads/${link.token}`, {
      headers: { "CF-Connecting-IP": "203.0.114.10" },
    });
    await expectErrorAnswer(second, 403, "device_limit_reached", "json");
    expect(await link.stub.snapshot()).toMatchObject({ count: 1, deviceCount: 1 });
  });

  it("ignores a malformed dlg_device cookie and falls back to the User-Agent hash", async () => {
    const { tenant, link } = await oneDeviceLink();
    await drain(await gateway(tenant, `/downloads/${link.token}`, { headers: { Cookie: "dlg_device=short" } }));
    const second = await drain(
      await gateway(tenant, `/downloads/${link.token}`, { headers: { Cookie: "dlg_device=also;bad" } }),
    );
    expect(second.status).toBe(200);
    expect(await link.stub.snapshot()).toMatchObject({ count: 2, deviceCount: 1 });
  });
});

describe("not_found for a vanished file gives the download back", () => {
  it("refunds the count when the object disappears after its metadata was cached", async () => {
    const tenant = await createTenant();
    const file = await putFile(tenant);
    const link = await signLink(tenant, file, { limit: 2 });
    expect((await drain(await gateway(tenant, `/downloads/${link.token}`))).status).toBe(200);
    await env.FILES.delete(`${tenant.id}/${file.id}`);
    const response = await gateway(tenant, `/downloads/${link.token}`);
    await expectErrorAnswer(response, 404, "not_found", "json");
    expect((await link.stub.snapshot()).count).toBe(1);
  });

  it("serves the new bytes, counted once, when the object was replaced after its metadata was cached", async () => {
    const tenant = await createTenant();
    const file = await putFile(tenant, { size: 500 });
    const link = await signLink(tenant, file);
    expect((await drain(await gateway(tenant, `/downloads/${link.token}`))).status).toBe(200);
    const replacement = new TextEncoder().encode("a completely different file");
    await env.FILES.put(`${tenant.id}/${file.id}`, replacement);
    const response = await gateway(tenant, `/downloads/${link.token}`);
    expect(response.status).toBe(200);
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(replacement);
    expect(response.headers.get("Content-Length")).toBe(String(replacement.byteLength));
    expect((await link.stub.snapshot()).count).toBe(2);
  });
});

describe("links bound to a customer (auth: true)", () => {
  it("serves and counts the download for the link's own customer", async () => {
    const tenant = await createTenant({ customerSecret: CUSTOMER_SECRET });
    const file = await putFile(tenant);
    const link = await signLink(tenant, file, { requireLogin: true, customer: "cust-1" });
    const response = await gateway(tenant, `/downloads/${link.token}`, {
      headers: { Authorization: await customerBearer(CUSTOMER_SECRET, "cust-1") },
    });
    expect(response.status).toBe(200);
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(file.bytes);
    expect((await link.stub.snapshot()).count).toBe(1);
  });

  it("refuses a credential signed with another secret with 401 auth_required", async () => {
    const tenant = await createTenant({ customerSecret: CUSTOMER_SECRET });
    const file = await putFile(tenant);
    const link = await signLink(tenant, file, { requireLogin: true, customer: "cust-1" });
    const response = await gateway(tenant, `/downloads/${link.token}`, {
      headers: { Authorization: await customerBearer("a-forged-secret-0123456789abcdef", "cust-1") },
    });
    expect(response.headers.get("WWW-Authenticate")).toBe('Bearer realm="dlgate"');
    await expectErrorAnswer(response, 401, "auth_required", "json");
    expect((await link.stub.snapshot()).count).toBe(0);
  });

  it("logs each refused attempt on the link (no credential, another customer's), counting nothing", async () => {
    const tenant = await createTenant({ customerSecret: CUSTOMER_SECRET });
    const file = await putFile(tenant);
    const link = await signLink(tenant, file, { requireLogin: true, customer: "cust-1" });
    expect((await drain(await gateway(tenant, `/downloads/${link.token}`))).status).toBe(401);
    const other = await gateway(tenant, `/downloads/${link.token}`, {
      headers: { Authorization: await customerBearer(CUSTOMER_SECRET, "cust-2"), "User-Agent": "intruder/1" },
    });
    expect(other.status).toBe(403);
    await flushOutboxes([link.stub]);
    const { results } = await env.DB.prepare(
      "SELECT status, counted, error, user_agent FROM download_events WHERE tenant_id = ? AND link_id = ? ORDER BY at, rowid",
    )
      .bind(tenant.id, link.linkId)
      .all();
    expect(results).toEqual([
      { status: 401, counted: 0, error: "auth_required", user_agent: "dlgate-tests/1" },
      { status: 403, counted: 0, error: "forbidden", user_agent: "intruder/1" },
    ]);
    expect((await link.stub.snapshot()).count).toBe(0);
  });
});

describe("pull-through files (docs/CONTRACT.md §5)", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("fetches the file from the origin once, keeps it in R2, serves it and counts it", async () => {
    const tenant = await createTenant();
    const file = await pullThroughFile(tenant, "Pulled.pdf");
    const link = await signLink(tenant, file, { limit: 3 });
    const origin = vi
      .spyOn(globalThis, "fetch")
      .mockImplementation(async () => new Response(file.bytes, { headers: { "Content-Length": "777" } }));

    const first = await gateway(tenant, `/downloads/${link.token}`);
    expect(first.status).toBe(200);
    expect(new Uint8Array(await first.arrayBuffer())).toEqual(file.bytes);
    expect(first.headers.get("Content-Length")).toBe("777");
    expect(first.headers.get("Content-Type")).toBe("application/pdf");
    expect(first.headers.get("Content-Disposition")).toContain('filename="Pulled.pdf"');
    expect([...first.headers].join("\n")).not.toContain("origin-store.test");

    const second = await gateway(tenant, `/downloads/${link.token}`);
    expect(new Uint8Array(await second.arrayBuffer())).toEqual(file.bytes);
    expect(origin).toHaveBeenCalledTimes(1);
    expect(String(origin.mock.calls[0]?.[0])).toBe(ORIGIN_URL);
    const stored = await env.FILES.get(`${tenant.id}/${file.id}`);
    expect(new Uint8Array((await stored?.arrayBuffer()) ?? new ArrayBuffer(0))).toEqual(file.bytes);
    expect((await link.stub.snapshot()).count).toBe(2);
  });

  it("answers 502 origin_error without the origin's address when the origin is unreachable, and counts nothing", async () => {
    const tenant = await createTenant();
    const file = await pullThroughFile(tenant);
    const link = await signLink(tenant, file, { limit: 1 });
    vi.spyOn(globalThis, "fetch").mockRejectedValue(new TypeError("connection refused"));
    const response = await gateway(tenant, `/downloads/${link.token}`);
    const text = await response.text();
    expect(response.status).toBe(502);
    expect(JSON.parse(text)).toMatchObject({ error: "origin_error" });
    expect(text).not.toContain("origin-store.test");
    expect((await link.stub.snapshot()).count).toBe(0);
    expect(await env.FILES.head(`${tenant.id}/${file.id}`)).toBeNull();
  });

  it("answers 502 and stores nothing when the origin sends no Content-Length", async () => {
    const tenant = await createTenant();
    const file = await pullThroughFile(tenant);
    const link = await signLink(tenant, file);
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(file.bytes);
        controller.close();
      },
    });
    vi.spyOn(globalThis, "fetch").mockResolvedValue(new Response(stream));
    const response = await gateway(tenant, `/downloads/${link.token}`);
    expect(response.status).toBe(502);
    expect(await response.json()).toMatchObject({ error: "origin_error" });
    expect(await env.FILES.head(`${tenant.id}/${file.id}`)).toBeNull();
    expect((await link.stub.snapshot()).count).toBe(0);
  });
});

describe("customer pages for errors (issue 9 item 4)", () => {
  const STORE_SETTINGS = {
    store_name: "Kiosk <Müller> & Co",
    store_url: "https://kiosk.example/",
    support_url: "https://kiosk.example/help",
    sign_in_url: "https://kiosk.example/account/login",
  };

  async function storePage(path: (tenant: TestTenant, link: TestLink) => string, grant = {}, language = "en") {
    const tenant = await createTenant({ settings: STORE_SETTINGS, customerSecret: CUSTOMER_SECRET });
    const file = await putFile(tenant);
    const link = await signLink(tenant, file, grant);
    return { tenant, file, link, language, path: path(tenant, link) };
  }

  function browserGet(tenant: TestTenant, path: string, language = "en") {
    return gateway(tenant, path, { headers: { Accept: BROWSER_ACCEPT, "Accept-Language": language } });
  }

  it("names the store, links back to it and asks for a new link when the link expired", async () => {
    const s = await storePage((_, l) => `/downloads/${l.token}`, { expires: nowSeconds() - 120 });
    const response = await browserGet(s.tenant, s.path);
    expect(response.status).toBe(410);
    const page = await response.text();
    expect(page).toContain("<header>Kiosk &#60;Müller&#62; &#38; Co</header>");
    expect(page).toContain('<a href="https://kiosk.example/">← Back to Kiosk &#60;Müller&#62; &#38; Co</a>');
    expect(page).toContain("<h1>This download link has expired</h1>");
    expect(page).toContain("Ask the store for a new download link.");
    expect(page).not.toContain("<Müller>");
  });

  it("says in German how many downloads were used and links to support when the limit is reached", async () => {
    const s = await storePage((_, l) => `/downloads/${l.token}`, { limit: 2 });
    for (let i = 0; i < 2; i++) expect((await drain(await gateway(s.tenant, s.path))).status).toBe(200);
    const response = await browserGet(s.tenant, s.path, "de-AT,de;q=0.9,en;q=0.5");
    expect(response.status).toBe(403);
    expect(response.headers.get("Content-Language")).toBe("de");
    const page = await response.text();
    expect(page).toContain("<h1>Download-Limit erreicht</h1>");
    expect(page).toContain("Sie haben 2 von 2 Downloads genutzt.");
    expect(page).toContain('href="https://kiosk.example/help">Kundendienst kontaktieren</a>');
    expect((await s.link.stub.snapshot()).count).toBe(2);
  });

  it("counts a store's extra downloads in the 'used N of N' figure", async () => {
    const s = await storePage((_, l) => `/downloads/${l.token}`, { limit: 1 });
    expect((await drain(await gateway(s.tenant, s.path))).status).toBe(200);
    expect((await s.link.stub.change({ addDownloads: 1 })).ok).toBe(true);
    expect((await drain(await gateway(s.tenant, s.path))).status).toBe(200);
    const page = await (await browserGet(s.tenant, s.path)).text();
    expect(page).toContain("You have used 2 of 2 downloads.");
  });

  it("sends a customer who must sign in to the store's sign-in page, in French", async () => {
    const s = await storePage((_, l) => `/downloads/${l.token}`, { customer: "c-1", requireLogin: true });
    const response = await browserGet(s.tenant, s.path, "fr");
    expect(response.status).toBe(401);
    const page = await response.text();
    expect(page).toContain("<h1>Veuillez vous connecter pour télécharger</h1>");
    expect(page).toContain('<a class="button" href="https://kiosk.example/account/login">Se connecter</a>');
  });

  it("names the store of an /api/<tenant>/ path on a host of no tenant", async () => {
    const s = await storePage((t, l) => `/api/${t.id}/downloads/${l.token}`, { expires: nowSeconds() - 120 });
    const response = await gatewayRaw(`https://shared-gateway.test${s.path}`, {
      headers: { Accept: BROWSER_ACCEPT, "Accept-Language": "es", "CF-Connecting-IP": "203.0.113.10" },
    });
    expect(response.status).toBe(410);
    const page = await response.text();
    expect(page).toContain("<h1>Este enlace de descarga ha caducado</h1>");
    expect(page).toContain("<header>Kiosk &#60;Müller&#62; &#38; Co</header>");
  });

  it("answers the issuer API's 401 to a browser as JSON, not as the customer's sign-in page", async () => {
    const tenant = await createTenant({ settings: STORE_SETTINGS });
    const response = await gateway(tenant, "/admin/v1/orders/1001", {
      headers: { Accept: BROWSER_ACCEPT, Authorization: "Bearer not-a-key" },
    });
    expect(response.status).toBe(401);
    expect(response.headers.get("Content-Type")).toMatch(/^application\/json/);
    const body = await response.text();
    expect(body).not.toContain("sign in to download");
    expect(JSON.parse(body)).toMatchObject({ error: "auth_required" });
  });
});
