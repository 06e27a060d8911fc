/**
 * docs/CONTRACT.md §8, src/auth/customerIdentity.ts: who the customer is, per the tenant's
 * `customer_auth` — an HS256 JWT (bearer or cookie) with the tenant's customer secret, a
 * public JWK, a JWKS URL, or the store's `auth_url` (cookies forwarded, answer cached, a
 * failing auth_url is 503, never a login). Then `auth: true` links on the download path.
 * The store's endpoints (JWKS, auth_url) are a fetch handler in the test.
 */
import { env } from "cloudflare:workers";
import { exportJWK, generateKeyPair, SignJWT, type JWK } from "jose";
import { afterEach, describe, expect, it, vi } from "vitest";
import { linkStub } from "../../../src/links/linkStub.ts";
import { customerPublicJwkSchema } from "../../../src/tenants/tenantSettings.ts";
import { customerBearer, gateway, tenantFileLink, uid } from "../../helpers/fixtures.ts";
import {
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
  operator,
  setTenantSettings,
  uploadFile,
  type IssuerTenant,
  type ListingEntry,
} from "../../helpers/issuer.ts";

afterEach(() => {
  vi.restoreAllMocks();
});

/** A tenant with one complete order for `customer`; answers the order number. */
async function tenantWithOrder(customer = "cust-7", options: Parameters<typeof createTenantWithAdminKey>[0] = {}) {
  const tenant = await createTenantWithAdminKey(options);
  const file = await uploadFile(tenant);
  const order = await placeOrder(tenant, orderBody([file.id], { customer_id: customer }));
  return { tenant, orderNumber: order.order_number };
}

/** The order numbers `/my/downloads` lists for the credential in `headers`. */
async function myOrders(tenant: IssuerTenant, headers: HeadersInit = {}, token?: string) {
  const answer = await readAnswer<{ data: ListingEntry[] }>(await customerGet(tenant, "/my/downloads", token, headers));
  return { status: answer.status, body: answer.body, orders: answer.body.data?.map((d) => d.order_number) };
}

/** The store's side: the Worker's outbound fetches answered by `handler`, each request recorded. */
function store(handler: (request: Request) => Response | Promise<Response>) {
  const requests: { url: string; cookie: string | null; accept: string | null }[] = [];
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const request = new Request(input, init);
    requests.push({ url: request.url, cookie: request.headers.get("Cookie"), accept: request.headers.get("Accept") });
    return handler(request);
  });
  return requests;
}

function b64url(text: string): string {
  return btoa(text).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
}

describe("HS256 customer tokens with the tenant's customer secret", () => {
  it("identifies the customer from a bearer token's subject", async () => {
    const { tenant, orderNumber } = await tenantWithOrder("cust-7");
    const mine = await myOrders(tenant, {}, await customerToken(tenant, "cust-7"));
    expect(mine).toMatchObject({ status: 200, orders: [orderNumber] });
  });

  it.each([
    [
      "an expired token",
      async (t: IssuerTenant) => customerToken(t, "cust-7", { expiresAt: Math.floor(Date.now() / 1000) - 120 }),
    ],
    [
      "a token signed with another secret",
      async (t: IssuerTenant) => customerToken(t, "cust-7", { secret: "another-secret-0123456789" }),
    ],
    [
      "a token without subject",
      async (t: IssuerTenant) =>
        new SignJWT({})
          .setProtectedHeader({ alg: "HS256" })
          .setExpirationTime("1h")
          .sign(new TextEncoder().encode(t.customerSecret as string)),
    ],
    [
      "an unsigned token (alg none)",
      async () =>
        `${b64url(JSON.stringify({ alg: "none" }))}.${b64url(JSON.stringify({ sub: "cust-7", exp: 4102444800 }))}.`,
    ],
    ["a token that is not a JWT", async () => "not-a-jwt"],
  ])("refuses %s with 401 auth_required", async (_label, make) => {
    const { tenant } = await tenantWithOrder("cust-7");
    const answer = await myOrders(tenant, {}, await make(tenant));
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ error: "auth_required" });
  });

  it("reads the token from the cookie the tenant names, and only that cookie", async () => {
    const { tenant, orderNumber } = await tenantWithOrder("cust-7");
    await setTenantSettings(tenant, { customer_auth: { mode: "jwt", cookie: "dlg_customer" } });
    const token = await customerToken(tenant, "cust-7");
    expect(await myOrders(tenant, { Cookie: `theme=dark; dlg_customer=${token}; x=1` })).toMatchObject({
      status: 200,
      orders: [orderNumber],
    });
    expect((await myOrders(tenant, { Cookie: `session=${token}` })).status).toBe(401);
    // The bearer header still works alongside.
    expect((await myOrders(tenant, {}, token)).status).toBe(200);
  });

  it("requires the configured issuer", async () => {
    const { tenant } = await tenantWithOrder("cust-7");
    await setTenantSettings(tenant, { customer_auth: { mode: "jwt", issuer: "https://shop.example" } });
    expect((await myOrders(tenant, {}, await customerToken(tenant, "cust-7"))).status).toBe(401);
    const other = await customerToken(tenant, "cust-7", { issuer: "https://evil.example" });
    expect((await myOrders(tenant, {}, other)).status).toBe(401);
    const right = await customerToken(tenant, "cust-7", { issuer: "https://shop.example" });
    expect((await myOrders(tenant, {}, right)).status).toBe(200);
  });
});

/** The store's public key as the settings take it (jose's JWK type leaves every member optional). */
async function settingsJwk(key: CryptoKey) {
  return customerPublicJwkSchema.parse(await exportJWK(key));
}

describe("public-key customer tokens", () => {
  it("verifies RS256 tokens with an RSA public_jwk", async () => {
    const { tenant, orderNumber } = await tenantWithOrder("cust-7", { customerSecret: null });
    const { publicKey, privateKey } = await generateKeyPair("RS256");
    await setTenantSettings(tenant, { customer_auth: { mode: "jwt", public_jwk: await settingsJwk(publicKey) } });
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: "RS256" })
      .setSubject("cust-7")
      .setExpirationTime("1h")
      .sign(privateKey);
    expect(await myOrders(tenant, {}, token)).toMatchObject({ status: 200, orders: [orderNumber] });
  });

  it.each([
    ["an empty object", {}, "settings.customer_auth.public_jwk.kty"],
    ["a symmetric key", { kty: "oct", k: "AAAA" }, "settings.customer_auth.public_jwk.kty"],
    [
      "an RSA modulus too short to be a key",
      { kty: "RSA", n: "garbage", e: "AQAB" },
      "settings.customer_auth.public_jwk.n",
    ],
    ["a P-256 key without y", { kty: "EC", crv: "P-256", x: "A".repeat(43) }, "settings.customer_auth.public_jwk.y"],
    [
      "a key with its private part",
      {
        kty: "OKP",
        crv: "Ed25519",
        x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
        d: "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A",
      },
      "settings.customer_auth.public_jwk.d",
    ],
  ])("refuses %s as public_jwk with 400 naming it, storing nothing", async (_label, jwk, path) => {
    const { tenant } = await tenantWithOrder("cust-7");
    const answer = await operator("PATCH", `/tenants/${tenant.id}`, {
      json: { settings: { customer_auth: { mode: "jwt", public_jwk: jwk } } },
    });
    expectError(answer, 400, "bad_request", [path]);
    const stored = await operator<{ settings: Record<string, unknown> }>("GET", `/tenants/${tenant.id}`);
    expect(stored.body.settings.customer_auth).toBeUndefined();
  });

  it("verifies ES256 tokens with the tenant's public_jwk and refuses HS256 ones (no algorithm confusion)", async () => {
    const { tenant, orderNumber } = await tenantWithOrder("cust-7");
    const { publicKey, privateKey } = await generateKeyPair("ES256");
    await setTenantSettings(tenant, { customer_auth: { mode: "jwt", public_jwk: await settingsJwk(publicKey) } });
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: "ES256" })
      .setSubject("cust-7")
      .setExpirationTime("1h")
      .sign(privateKey);
    expect(await myOrders(tenant, {}, token)).toMatchObject({ status: 200, orders: [orderNumber] });
    // The tenant still has an HS256 customer secret, but a public key is configured: HS256 is refused.
    expect((await myOrders(tenant, {}, await customerToken(tenant, "cust-7"))).status).toBe(401);
    const stranger = await generateKeyPair("ES256");
    const forged = await new SignJWT({})
      .setProtectedHeader({ alg: "ES256" })
      .setSubject("cust-7")
      .setExpirationTime("1h")
      .sign(stranger.privateKey);
    expect((await myOrders(tenant, {}, forged)).status).toBe(401);
  });

  it("verifies EdDSA tokens with a public_jwk", async () => {
    const { tenant, orderNumber } = await tenantWithOrder("cust-7", { customerSecret: null });
    const { publicKey, privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519" });
    await setTenantSettings(tenant, { customer_auth: { mode: "jwt", public_jwk: await settingsJwk(publicKey) } });
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: "EdDSA" })
      .setSubject("cust-7")
      .setExpirationTime("1h")
      .sign(privateKey);
    expect(await myOrders(tenant, {}, token)).toMatchObject({ status: 200, orders: [orderNumber] });
  });

  it("fetches the store's JWKS from jwks_url and picks the key by kid", async () => {
    const { tenant, orderNumber } = await tenantWithOrder("cust-7", { customerSecret: null });
    const { publicKey, privateKey } = await generateKeyPair("RS256");
    const jwk: JWK = { ...(await exportJWK(publicKey)), kid: "store-1", alg: "RS256", use: "sig" };
    const jwksUrl = `https://shop.example/${uid("jwks")}/.well-known/jwks.json`;
    const requests = store(() => Response.json({ keys: [jwk] }));
    await setTenantSettings(tenant, { customer_auth: { mode: "jwt", jwks_url: jwksUrl } });
    const sign = (key: CryptoKey, kid: string) =>
      new SignJWT({}).setProtectedHeader({ alg: "RS256", kid }).setSubject("cust-7").setExpirationTime("1h").sign(key);

    expect(await myOrders(tenant, {}, await sign(privateKey, "store-1"))).toMatchObject({
      status: 200,
      orders: [orderNumber],
    });
    expect(requests.map((r) => r.url)).toEqual([jwksUrl]);
    const stranger = await generateKeyPair("RS256");
    expect((await myOrders(tenant, {}, await sign(stranger.privateKey, "store-1"))).status).toBe(401);
  });
});

describe("Ed25519 customer keys anyone could sign for", () => {
  // The identity point: WebCrypto's verify accepts R = identity, S = 0 for every message.
  const IDENTITY_X = "AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

  /** A customer token for `subject` signed by no one (R = identity, S = 0). */
  function forgedCustomerToken(subject: string, kid?: string): string {
    const header = b64url(JSON.stringify({ alg: "EdDSA", ...(kid ? { kid } : {}) }));
    const payload = b64url(JSON.stringify({ sub: subject, exp: Math.floor(Date.now() / 1000) + 3600 }));
    return `${header}.${payload}.${b64url(String.fromCharCode(1) + "\0".repeat(63))}`;
  }

  it("refuses such a public_jwk in the settings with 400 naming x, and stores nothing", async () => {
    const { tenant, orderNumber } = await tenantWithOrder("cust-7");
    const weak = { customer_auth: { mode: "jwt", public_jwk: { kty: "OKP", crv: "Ed25519", x: IDENTITY_X } } };
    expectError(await operator("PATCH", `/tenants/${tenant.id}`, { json: { settings: weak } }), 400, "bad_request", [
      "settings.customer_auth.public_jwk.x",
    ]);
    // The settings are as they were: the tenant's HS256 customer secret still identifies the customer.
    expect(await myOrders(tenant, {}, await customerToken(tenant, "cust-7"))).toMatchObject({
      status: 200,
      orders: [orderNumber],
    });
  });

  it("verifies no token with such a public_jwk stored before the settings refused it", async () => {
    const { tenant } = await tenantWithOrder("cust-7", { customerSecret: null });
    await setTenantSettings(tenant, {
      customer_auth: { mode: "jwt", public_jwk: { kty: "OKP", crv: "Ed25519", x: IDENTITY_X } },
    });
    const answer = await myOrders(tenant, {}, forgedCustomerToken("cust-7"));
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ error: "auth_required" });
  });

  it("verifies no EdDSA token from a JWKS that holds one", async () => {
    const { tenant } = await tenantWithOrder("cust-7", { customerSecret: null });
    const { publicKey, privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519" });
    const good: JWK = { ...(await exportJWK(publicKey)), kid: "good" };
    const jwksUrl = `https://shop.example/${uid("jwks")}/.well-known/jwks.json`;
    store(() => Response.json({ keys: [good, { kty: "OKP", crv: "Ed25519", x: IDENTITY_X, kid: "weak" }] }));
    await setTenantSettings(tenant, { customer_auth: { mode: "jwt", jwks_url: jwksUrl } });
    expect((await myOrders(tenant, {}, forgedCustomerToken("cust-7", "weak"))).status).toBe(401);
    // Even a token of the sound key is refused: the document as a whole cannot be trusted.
    const honest = await new SignJWT({})
      .setProtectedHeader({ alg: "EdDSA", kid: "good" })
      .setSubject("cust-7")
      .setExpirationTime("1h")
      .sign(privateKey);
    expect((await myOrders(tenant, {}, honest)).status).toBe(401);
    // The same document without the weak key works.
    const sound = await tenantWithOrder("cust-8", { customerSecret: null });
    const soundUrl = `https://shop.example/${uid("jwks")}/.well-known/jwks.json`;
    vi.restoreAllMocks();
    store(() => Response.json({ keys: [good] }));
    await setTenantSettings(sound.tenant, { customer_auth: { mode: "jwt", jwks_url: soundUrl } });
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: "EdDSA", kid: "good" })
      .setSubject("cust-8")
      .setExpirationTime("1h")
      .sign(privateKey);
    expect(await myOrders(sound.tenant, {}, token)).toMatchObject({ status: 200, orders: [sound.orderNumber] });
  });
});

describe("auth_url mode", () => {
  async function authUrlTenant(cacheSeconds?: number, settings: Record<string, unknown> = {}) {
    const { tenant, orderNumber } = await tenantWithOrder("cust-7");
    const url = `https://shop.example/${uid("whoami")}`;
    await setTenantSettings(tenant, {
      ...settings,
      customer_auth: { mode: "auth_url", url, ...(cacheSeconds === undefined ? {} : { cache_seconds: cacheSeconds }) },
    });
    return { tenant, orderNumber, url };
  }

  it("forwards the request's cookies and caches the answer per cookie set", async () => {
    const { tenant, orderNumber, url } = await authUrlTenant();
    const requests = store((request) =>
      request.headers.get("Cookie") === "session=alice"
        ? Response.json({ customer_id: "cust-7" })
        : Response.json({ customer_id: "someone" }),
    );
    expect(await myOrders(tenant, { Cookie: "session=alice" })).toMatchObject({ status: 200, orders: [orderNumber] });
    expect(await myOrders(tenant, { Cookie: "session=alice" })).toMatchObject({ status: 200, orders: [orderNumber] });
    expect(requests).toEqual([{ url, cookie: "session=alice", accept: "application/json" }]);
    // Another cookie set is asked about separately and gets its own customer's (empty) list.
    expect(await myOrders(tenant, { Cookie: "session=bob" })).toMatchObject({ status: 200, orders: [] });
    expect(requests).toHaveLength(2);
  });

  it("asks every time when cache_seconds is 0, and accepts a numeric customer id", async () => {
    const { tenant } = await authUrlTenant(0);
    const requests = store(() => Response.json({ customer_id: 7 }));
    expect((await myOrders(tenant, { Cookie: "s=1" })).status).toBe(200);
    expect((await myOrders(tenant, { Cookie: "s=1" })).status).toBe(200);
    expect(requests).toHaveLength(2);
  });

  it("answers 401 without asking when the request has no cookie", async () => {
    const { tenant } = await authUrlTenant();
    const requests = store(() => Response.json({ customer_id: "cust-7" }));
    expect((await myOrders(tenant)).status).toBe(401);
    expect(requests).toEqual([]);
  });

  it.each([
    ["401", () => new Response("no", { status: 401 })],
    ["403", () => new Response("no", { status: 403 })],
    ["an answer without customer_id", () => Response.json({ user: "cust-7" })],
    ["a null customer_id", () => Response.json({ customer_id: null })],
  ])("answers 401 auth_required when the store answers %s", async (_label, handler) => {
    const { tenant } = await authUrlTenant();
    store(handler);
    const answer = await myOrders(tenant, { Cookie: "session=x" });
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ error: "auth_required" });
  });

  it.each([
    ["a 500", () => new Response("boom", { status: 500 })],
    ["a 502", () => new Response("bad gateway", { status: 502 })],
    ["a body that is not JSON", () => new Response("<html>", { status: 200 })],
    [
      "a network failure",
      () => {
        throw new TypeError("connection refused");
      },
    ],
  ])("answers 503 unavailable with Retry-After (not a login) when the store fails with %s", async (_label, handler) => {
    const { tenant } = await authUrlTenant();
    store(handler);
    const response = await customerGet(tenant, "/my/downloads", undefined, { Cookie: "session=x" });
    expect(response.headers.get("Retry-After")).toBe("10");
    expectError(await readAnswer(response), 503, "unavailable");
  });

  describe("a store that hangs", () => {
    /**
     * How long the hanging store below would really take: far past the 1 s deadline, kept
     * as a pending timer so the runtime sees a live connection rather than a dead promise
     * (which it would cancel by itself, hiding a missing deadline).
     */
    const MUCH_LATER_MS = 20_000;

    /** Outbound fetches that never answer (headers) or never finish the body; an abort ends them. */
    function hangingStore(phase: "headers" | "body") {
      const aborted: unknown[] = [];
      vi.spyOn(globalThis, "fetch").mockImplementation(
        (_input, init) =>
          new Promise<Response>((resolve, reject) => {
            const late = setTimeout(() => resolve(Response.json({ customer_id: "cust-7" })), MUCH_LATER_MS);
            init?.signal?.addEventListener("abort", () => {
              clearTimeout(late);
              aborted.push(init.signal?.reason);
              reject(init.signal?.reason);
            });
            if (phase === "body")
              resolve(
                new Response(
                  new ReadableStream({
                    start(controller) {
                      controller.enqueue(new TextEncoder().encode('{"customer_id":'));
                    },
                  }),
                  { headers: { "Content-Type": "application/json" } },
                ),
              );
          }),
      );
      return aborted;
    }

    it.each(["headers", "body"] as const)(
      "answers 503 unavailable with Retry-After once its deadline passes (it never sends its %s)",
      async (phase) => {
        const { tenant } = await authUrlTenant(undefined, { origin_timeout_seconds: 1 });
        const aborted = hangingStore(phase);
        const started = Date.now();
        const response = await customerGet(tenant, "/my/downloads", undefined, { Cookie: "session=x" });
        expect(Date.now() - started).toBeLessThan(5_000);
        expect(response.headers.get("Retry-After")).toBe("10");
        expectError(await readAnswer(response), 503, "unavailable");
        // The request to the store was given up, not left running.
        expect(aborted).toHaveLength(1);
      },
    );
  });

  it("refuses an http auth_url or jwks_url with 400 naming it, and keeps the settings as they were", async () => {
    const { tenant, orderNumber } = await tenantWithOrder("cust-7");
    for (const [customer_auth, field] of [
      [{ mode: "auth_url", url: "http://shop.example/whoami" }, "url"],
      [{ mode: "jwt", jwks_url: "http://shop.example/.well-known/jwks.json" }, "jwks_url"],
    ] as const) {
      const answer = await operator("PATCH", `/tenants/${tenant.id}`, { json: { settings: { customer_auth } } });
      expectError(answer, 400, "bad_request", [`settings.customer_auth.${field}`]);
    }
    expect(await myOrders(tenant, {}, await customerToken(tenant, "cust-7"))).toMatchObject({
      status: 200,
      orders: [orderNumber],
    });
  });

  it("never forwards cookies to an http auth_url stored before https was required", async () => {
    const { tenant } = await tenantWithOrder("cust-7");
    await setTenantSettings(tenant, {
      customer_auth: { mode: "auth_url", url: `http://shop.example/${uid("whoami")}` },
    });
    const requests = store(() => Response.json({ customer_id: "cust-7" }));
    expect((await myOrders(tenant, { Cookie: "session=alice" })).status).toBe(401);
    expect(requests).toEqual([]);
  });

  it("never follows a redirect with the customer's cookies: 503, and the target hears nothing", async () => {
    const { tenant } = await authUrlTenant();
    const reached: string[] = [];
    // Answers as the runtime does: a redirect is followed unless the caller asked for "manual".
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      let request = new Request(input, init);
      for (let hop = 0; hop < 3; hop++) {
        reached.push(`${request.url} cookie=${request.headers.get("Cookie")}`);
        if (new URL(request.url).hostname !== "shop.example") return Response.json({ customer_id: "cust-7" });
        const redirect = new Response(null, { status: 302, headers: { Location: "http://collector.example/steal" } });
        if (init?.redirect === "manual") return redirect;
        request = new Request("http://collector.example/steal", { headers: request.headers });
      }
      throw new Error("too many hops");
    });
    const answer = await myOrders(tenant, { Cookie: "session=alice" });
    expect(answer.status).toBe(503);
    expect(reached.filter((r) => r.includes("collector.example"))).toEqual([]);
  });

  it("does not cache a failure: the next request asks again and gets in", async () => {
    const { tenant, orderNumber } = await authUrlTenant();
    let up = false;
    const requests = store(() =>
      up ? Response.json({ customer_id: "cust-7" }) : new Response("down", { status: 503 }),
    );
    expect((await myOrders(tenant, { Cookie: "session=alice" })).status).toBe(503);
    up = true;
    expect(await myOrders(tenant, { Cookie: "session=alice" })).toMatchObject({ status: 200, orders: [orderNumber] });
    expect(requests).toHaveLength(2);
  });
});

describe("links with auth: true (grant require_login)", () => {
  async function loginLink() {
    const tenant = await createTenantWithAdminKey();
    const file = await uploadFile(tenant);
    const order = await placeOrder(tenant, orderBody([file.id], { customer_id: "owner" }, { require_login: true }));
    const entry = firstFile(order);
    const count = async () => (await linkStub(env, tenant.id, entry.link_id).snapshot()).count;
    return { tenant, file, url: entry.download_url as string, count };
  }

  it("answers 401 auth_required without a credential and counts nothing", async () => {
    const { url, count } = await loginLink();
    expect(await errorOf(await fetchUrl(url))).toEqual({ status: 401, error: "auth_required" });
    expect(await count()).toBe(0);
  });

  it("answers 403, not a pointless sign-in, for a login link that names no customer", async () => {
    const secret = "customer-secret-of-this-test-0123456789";
    const { tenant, link } = await tenantFileLink(
      { size: 100, filename: "a.pdf" },
      { requireLogin: true },
      { customerSecret: secret },
    );
    const signedIn: Record<string, string> = { Authorization: `Bearer ${await customerBearer(secret, "anyone")}` };
    for (const headers of [{}, signedIn]) {
      const response = await gateway(tenant, `/downloads/${link.token}`, { headers });
      const body = (await response.json()) as { error: string; message: string };
      expect({ status: response.status, ...body }).toMatchObject({ status: 403, error: "forbidden" });
      expect(body.message).toContain("names no customer");
    }
    expect((await link.stub.snapshot()).count).toBe(0);
  });

  it("answers 403 forbidden to another customer's credential and counts nothing", async () => {
    const { tenant, url, count } = await loginLink();
    const other = await customerToken(tenant, "intruder");
    const response = await fetchUrl(url, { headers: { Authorization: `Bearer ${other}` } });
    expect(await errorOf(response)).toEqual({ status: 403, error: "forbidden" });
    expect(await count()).toBe(0);
  });

  it("answers 401 to a credential of another store", async () => {
    const { url, count } = await loginLink();
    const elsewhere = await createTenantWithAdminKey();
    const token = await customerToken(elsewhere, "owner");
    expect(await errorOf(await fetchUrl(url, { headers: { Authorization: `Bearer ${token}` } }))).toEqual({
      status: 401,
      error: "auth_required",
    });
    expect(await count()).toBe(0);
  });

  it("serves the owner (bearer or the tenant's cookie) and counts each download", async () => {
    const { tenant, file, url, count } = await loginLink();
    const token = await customerToken(tenant, "owner");
    const response = await fetchUrl(url, { headers: { Authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    expect(await bodyBytes(response)).toEqual(file.bytes);
    expect(await count()).toBe(1);

    await setTenantSettings(tenant, { customer_auth: { mode: "jwt", cookie: "dlg_customer" } });
    const viaCookie = await fetchUrl(url, { headers: { Cookie: `dlg_customer=${token}` } });
    expect(viaCookie.status).toBe(200);
    await viaCookie.arrayBuffer();
    expect(await count()).toBe(2);
  });

  it("leaves links without auth open to anyone holding the URL", async () => {
    const tenant = await createTenantWithAdminKey();
    const file = await uploadFile(tenant);
    const order = await placeOrder(tenant, orderBody([file.id], { customer_id: "owner" }));
    const response = await fetchUrl(firstFile(order).download_url as string);
    expect(response.status).toBe(200);
    await response.arrayBuffer();
  });
});
