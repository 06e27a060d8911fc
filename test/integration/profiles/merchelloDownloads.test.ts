/**
 * Profile `merchello-downloads` (seed 004): /api/merchello/downloads/{token}, /customer,
 * /invoice/{invoiceId}, behind the store's customer sign-in.
 */
import { describe, expect, it } from "vitest";
import {
  bytesOf,
  counts,
  createTenant,
  drain,
  gateway,
  nowSeconds,
  putFile,
  sign,
  signLink,
  type StoredFile,
} from "../../helpers/fixtures.ts";
import {
  admin,
  customerToken,
  orderBody,
  placeOrder,
  uploadFile,
  type IssuerTenant,
  type OrderView,
} from "../../helpers/issuer.ts";
import {
  flushLink,
  MEMBER_COOKIE,
  MERCHELLO_BASE,
  MERCHELLO_CONTENT_TYPES,
  mediaType,
  merchelloGet,
  merchelloStore,
  SEED_UTC,
  signedIn,
} from "../../helpers/profilesB.ts";
import { withinOneRateWindow } from "../../helpers/rateWindow.ts";

/** The seed's listing fields, in its order. */
const FIELDS = [
  "id",
  "fileName",
  "downloadUrl",
  "expiresUtc",
  "productName",
  "maxDownloads",
  "downloadCount",
  "remainingDownloads",
  "lastDownloadUtc",
  "isExpired",
  "isDownloadLimitReached",
];

type Entry = Record<string, unknown> & { id: string; downloadUrl: string };

async function listing(response: Response): Promise<Entry[]> {
  expect(response.status).toBe(200);
  expect(response.headers.get("Content-Type")).toBe("application/json; charset=utf-8");
  const body: unknown = await response.json();
  expect(Array.isArray(body)).toBe(true);
  return body as Entry[];
}

async function expectStatus(response: Response, status: number, code: string, message?: RegExp): Promise<void> {
  expect(response.status).toBe(status);
  const body: { error?: unknown; message?: unknown } = await response.json();
  expect(body.error).toBe(code);
  expect(body.message).toMatch(message ?? /./);
}

/** A file stored for `tenant` and a download token bound to `customer`. */
async function customerLink(
  tenant: IssuerTenant,
  customer: string | undefined,
  grant: Parameters<typeof signLink>[2] = {},
  file?: StoredFile,
) {
  const stored = file ?? (await putFile(tenant, { filename: "ebook-guide.pdf" }));
  return signLink(tenant, stored, { customer, ...grant });
}

/** Places a one-file order for `customer` (file uploaded as `name`) and returns it. */
async function order(
  tenant: IssuerTenant,
  customer: string,
  grant: Record<string, unknown> = {},
  overrides: Record<string, unknown> = {},
  name = "ebook-guide.pdf",
): Promise<OrderView> {
  const file = await uploadFile(tenant, { name });
  return placeOrder(tenant, orderBody([file.id], { customer_id: customer, ...overrides }, grant));
}

describe("merchello-downloads: GET /api/merchello/downloads/{token}", () => {
  it("streams the file to the token's own customer and counts one download", async () => {
    const tenant = await merchelloStore();
    const link = await customerLink(tenant, "member-1", { limit: 5 });

    const response = await merchelloGet(tenant, `/${link.token}`, await signedIn(tenant, "member-1"));

    expect(response.status).toBe(200);
    expect((await bytesOf(response)).length).toBe(1000);
    expect(response.headers.get("Content-Type")).toBe("application/pdf");
    expect(response.headers.get("Content-Disposition")).toContain('filename="ebook-guide.pdf"');
    expect(response.headers.get("Content-Length")).toBe("1000");
    expect(await counts(tenant, link)).toEqual({ info: 1, durable: 1 });
  });

  it("accepts the customer's sign-in from the store's cookie (a browser fetch with credentials)", async () => {
    const tenant = await merchelloStore();
    const link = await customerLink(tenant, "member-1");
    const jwt = await customerToken(tenant, "member-1");

    const response = await merchelloGet(tenant, `/${link.token}`, { Cookie: `${MEMBER_COOKIE}=${jwt}` });

    expect(response.status).toBe(200);
    await drain(response);
    expect((await link.stub.snapshot()).count).toBe(1);
  });

  it("answers 401 without a customer sign-in and does not count", async () => {
    const tenant = await merchelloStore();
    const link = await customerLink(tenant, "member-1");

    await expectStatus(await merchelloGet(tenant, `/${link.token}`), 401, "auth_required");
    expect((await link.stub.snapshot()).count).toBe(0);
  });

  it("checks the sign-in before the token: 401 for a bad token without credentials", async () => {
    const tenant = await merchelloStore();
    await expectStatus(await merchelloGet(tenant, "/abc123token"), 401, "auth_required");
  });

  it("answers 401 for a customer token the store did not sign", async () => {
    const tenant = await merchelloStore();
    const link = await customerLink(tenant, "member-1");
    const forged = await customerToken(tenant, "member-1", { secret: "not-the-store-secret-0123456789" });

    const response = await merchelloGet(tenant, `/${link.token}`, { Authorization: `Bearer ${forged}` });

    await expectStatus(response, 401, "auth_required");
  });

  it("answers 403 once the download limit is reached, and the count stays at the limit", async () => {
    const tenant = await merchelloStore();
    const link = await customerLink(tenant, "member-1", { limit: 2 });
    const headers = await signedIn(tenant, "member-1");
    for (let i = 0; i < 2; i++)
      expect((await drain(await merchelloGet(tenant, `/${link.token}`, headers))).status).toBe(200);

    await expectStatus(await merchelloGet(tenant, `/${link.token}`, headers), 403, "limit_reached");
    expect(await counts(tenant, link)).toEqual({ info: 2, durable: 2 });
  });

  it.each([
    ["an expired token", "expired", "expired"],
    ["a token the store never signed", "garbage", "invalid_token"],
    ["a token revoked by the store", "revoked", "revoked"],
    ["a token whose file is missing", "missing", "not_found"],
    ["another customer's token", "other", "forbidden", /another customer/],
    // Not "another customer's": no customer at all can open it.
    ["a token bound to no customer", "nobody", "forbidden", /names no customer/],
  ])("answers 404 for %s, without counting", async (_name, kind, code, message?: RegExp) => {
    const tenant = await merchelloStore();
    const file = await putFile(tenant, { filename: "ebook-guide.pdf" });
    const owner = kind === "other" ? "member-2" : kind === "nobody" ? undefined : "member-1";
    const link = await customerLink(
      tenant,
      owner,
      kind === "expired" ? { expires: nowSeconds() - 60 } : {},
      kind === "missing" ? { ...file, id: "never-stored" } : file,
    );
    if (kind === "revoked") await link.stub.setRevoked(true);
    const token = kind === "garbage" ? "abc123token" : link.token;

    await expectStatus(await merchelloGet(tenant, `/${token}`, await signedIn(tenant, "member-1")), 404, code, message);
    expect((await link.stub.snapshot()).count).toBe(0);
  });

  it.each([
    ["used from an address outside its ips", "ip", "ip_not_allowed"],
    ["used before its nbf", "nbf", "not_yet_valid"],
    ["of an unpaid order", "pending", "pending"],
    ["suspended (its order held, or the link blocked)", "suspended", "suspended"],
    ["used from a country it does not allow", "country", "country_not_allowed"],
  ])("answers 400 for any other validation failure: a token %s", async (_name, kind, code) => {
    const tenant = await merchelloStore();
    const grant =
      kind === "ip"
        ? { ips: ["192.0.2.1"] }
        : kind === "nbf"
          ? { notBefore: nowSeconds() + 3600 }
          : kind === "country"
            ? { countries: ["DE"] }
            : {};
    const link = await customerLink(tenant, "member-1", grant);
    if (kind === "pending") await link.stub.setPending(true);
    if (kind === "suspended") await link.stub.change({ suspended: true }, null);

    await expectStatus(await merchelloGet(tenant, `/${link.token}`, await signedIn(tenant, "member-1")), 400, code);
    expect((await link.stub.snapshot()).count).toBe(0);
  });

  describe("serves the seed's extension → content type table", () => {
    it.each(MERCHELLO_CONTENT_TYPES)("*.%s as %s", async (extension, type) => {
      const tenant = await merchelloStore();
      const file = await putFile(tenant, { size: 32, filename: `file.${extension}` });
      const link = await customerLink(tenant, "member-1", {}, file);

      const response = await merchelloGet(tenant, `/${link.token}`, await signedIn(tenant, "member-1"));

      expect(response.status).toBe(200);
      expect(mediaType(response)).toBe(type);
      expect(await bytesOf(response)).toEqual(file.bytes);
    });
  });

  it("rate-limits one client address: the 61st request within a minute gets 429 with Retry-After", async () => {
    const tenant = await merchelloStore();
    const link = await customerLink(tenant, "member-1");
    const headers = await signedIn(tenant, "member-1", "198.51.100.61");
    await withinOneRateWindow(60);
    for (let i = 0; i < 60; i++) {
      const response = await merchelloGet(tenant, `/${link.token}`, headers);
      expect(response.status).toBe(200);
      await drain(response);
    }

    const limited = await merchelloGet(tenant, `/${link.token}`, headers);

    expect(limited.headers.get("Retry-After")).toMatch(/^\d+$/);
    await expectStatus(limited, 429, "rate_limited");
    expect((await link.stub.snapshot()).count).toBe(60);
    // Another address is not held back by this one.
    const other = await merchelloGet(tenant, `/${link.token}`, await signedIn(tenant, "member-1", "198.51.100.62"));
    expect(other.status).toBe(200);
    await drain(other);
  });
});

describe("merchello-downloads: GET /api/merchello/downloads/customer", () => {
  it("lists the seed's example link with exactly its fields, types and date format", async () => {
    const tenant = await merchelloStore();
    await order(tenant, "member-1", { download_limit: 5, expires_at: "2027-04-28T00:00:00Z" });
    const headers = await signedIn(tenant, "member-1");
    const [fresh] = await listing(await merchelloGet(tenant, "/customer", headers));
    if (!fresh) throw new Error("no entry");
    // Two downloads through the listed URL, then the Durable Object's count reaches D1.
    for (let i = 0; i < 2; i++)
      expect((await drain(await gateway(tenant, fresh.downloadUrl, { headers }))).status).toBe(200);
    await flushLink(tenant.id, fresh.id);

    const entries = await listing(await merchelloGet(tenant, "/customer", headers));

    expect(entries).toHaveLength(1);
    const entry = entries[0] as Entry;
    expect(Object.keys(entry)).toEqual(FIELDS);
    expect(entry).toEqual({
      id: fresh.id,
      fileName: "ebook-guide.pdf",
      downloadUrl: expect.stringMatching(/^\/api\/merchello\/downloads\/[\w-]+\.[\w-]+\.[\w-]+$/),
      expiresUtc: "2027-04-28T00:00:00Z",
      productName: "Product One",
      maxDownloads: 5,
      downloadCount: 2,
      remainingDownloads: 3,
      lastDownloadUtc: expect.stringMatching(SEED_UTC),
      isExpired: false,
      isDownloadLimitReached: false,
    });
    expect(Math.abs(Date.parse(entry.lastDownloadUtc as string) / 1000 - nowSeconds())).toBeLessThan(60);
  });

  it("mints fresh gateway URLs under the profile path, bound to the customer", async () => {
    const tenant = await merchelloStore();
    await order(tenant, "member-1");
    const [entry] = await listing(await merchelloGet(tenant, "/customer", await signedIn(tenant, "member-1")));
    if (!entry) throw new Error("no entry");
    expect(entry.downloadUrl.startsWith(`${MERCHELLO_BASE}/`)).toBe(true);

    // The URL is bound to member-1: another signed-in customer gets the seed's 404.
    const stranger = await gateway(tenant, entry.downloadUrl, { headers: await signedIn(tenant, "member-2") });
    await expectStatus(stranger, 404, "forbidden");
    const owner = await gateway(tenant, entry.downloadUrl, { headers: await signedIn(tenant, "member-1") });
    expect(owner.status).toBe(200);
    await drain(owner);
  });

  it("shows null for unlimited downloads and no expiry, and null lastDownloadUtc before any download", async () => {
    const tenant = await merchelloStore();
    await order(tenant, "member-1");

    const [entry] = await listing(await merchelloGet(tenant, "/customer", await signedIn(tenant, "member-1")));

    expect(entry).toMatchObject({
      expiresUtc: null,
      maxDownloads: null,
      downloadCount: 0,
      remainingDownloads: null,
      lastDownloadUtc: null,
      isExpired: false,
      isDownloadLimitReached: false,
    });
  });

  it("lists a used-up link with isDownloadLimitReached and no remaining downloads", async () => {
    const tenant = await merchelloStore();
    await order(tenant, "member-1", { download_limit: 1 });
    const headers = await signedIn(tenant, "member-1");
    const [entry] = await listing(await merchelloGet(tenant, "/customer", headers));
    if (!entry) throw new Error("no entry");
    await drain(await gateway(tenant, entry.downloadUrl, { headers }));
    await flushLink(tenant.id, entry.id);

    const [after] = await listing(await merchelloGet(tenant, "/customer", headers));

    expect(after).toMatchObject({ downloadCount: 1, remainingDownloads: 0, isDownloadLimitReached: true });
  });

  it("leaves expired links out unless includeExpired=true, which shows them with isExpired", async () => {
    const tenant = await merchelloStore();
    const tenDaysAgo = new Date((nowSeconds() - 10 * 86400) * 1000).toISOString();
    await order(tenant, "member-1", { expires_in_days: 7 }, { purchased_at: tenDaysAgo });
    await order(tenant, "member-1", { expires_in_days: 30 });
    const headers = await signedIn(tenant, "member-1");

    const current = await listing(await merchelloGet(tenant, "/customer", headers));
    const explicitFalse = await listing(await merchelloGet(tenant, "/customer?includeExpired=false", headers));
    const all = await listing(await merchelloGet(tenant, "/customer?includeExpired=true", headers));

    expect(current.map((e) => e.isExpired)).toEqual([false]);
    expect(explicitFalse).toEqual(current.map((e) => ({ ...e, downloadUrl: expect.any(String) })));
    expect(all.map((e) => e.isExpired).sort()).toEqual([false, true]);
    const expired = all.find((e) => e.isExpired) as Entry;
    expect(expired.expiresUtc).toMatch(SEED_UTC);
    expect(Date.parse(expired.expiresUtc as string)).toBeLessThan(Date.now());
  });

  it("answers 400 for an includeExpired that is not a boolean", async () => {
    const tenant = await merchelloStore();
    const response = await merchelloGet(tenant, "/customer?includeExpired=maybe", await signedIn(tenant, "member-1"));
    await expectStatus(response, 400, "bad_request");
  });

  it("lists only the signed-in customer's links, and [] for a customer with none", async () => {
    const tenant = await merchelloStore();
    const mine = await order(tenant, "member-1");
    await order(tenant, "member-2");

    const entries = await listing(await merchelloGet(tenant, "/customer", await signedIn(tenant, "member-1")));
    const none = await listing(await merchelloGet(tenant, "/customer", await signedIn(tenant, "member-3")));

    expect(entries.map((e) => e.id)).toEqual([mine.items[0]?.files[0]?.link_id]);
    expect(none).toEqual([]);
  });

  it("lists a held order's links as expired (left out by default), never as usable", async () => {
    const tenant = await merchelloStore();
    const held = await order(tenant, "member-1");
    const current = await order(tenant, "member-1");
    const hold = await admin(tenant, "POST", `/orders/${held.order_number}/hold`, { json: { reason: "review" } });
    expect(hold.status).toBe(200);
    const headers = await signedIn(tenant, "member-1");

    const shown = await listing(await merchelloGet(tenant, "/customer", headers));
    expect(shown.map((e) => e.id)).toEqual([current.items[0]?.files[0]?.link_id]);
    const all = await listing(await merchelloGet(tenant, "/customer?includeExpired=true", headers));
    const heldEntry = all.find((e) => e.id === held.items[0]?.files[0]?.link_id);
    expect(heldEntry).toMatchObject({ isExpired: true });
    const invoice = await listing(await merchelloGet(tenant, `/invoice/${held.order_number}`, headers));
    expect(invoice.map((e) => e.isExpired)).toEqual([true]);
    await expectStatus(await gateway(tenant, heldEntry?.downloadUrl ?? "", { headers }), 400, "suspended");
  });

  it("lists a link whose file the store deleted as expired (left out by default)", async () => {
    const tenant = await merchelloStore();
    const gone = await order(tenant, "member-1");
    const current = await order(tenant, "member-1");
    const goneFile = gone.items[0]?.files[0];
    expect((await admin(tenant, "DELETE", `/files/${goneFile?.id}`)).status).toBe(204);
    const headers = await signedIn(tenant, "member-1");

    const shown = await listing(await merchelloGet(tenant, "/customer", headers));
    expect(shown.map((e) => e.id)).toEqual([current.items[0]?.files[0]?.link_id]);
    const all = await listing(await merchelloGet(tenant, "/customer?includeExpired=true", headers));
    expect(all.find((e) => e.id === goneFile?.link_id)).toMatchObject({ isExpired: true });
  });

  it("does not list links of unpaid orders", async () => {
    const tenant = await merchelloStore();
    await order(tenant, "member-1", {}, { status: "pending" });

    expect(await listing(await merchelloGet(tenant, "/customer", await signedIn(tenant, "member-1")))).toEqual([]);
  });

  it("answers 401 without a customer sign-in", async () => {
    const tenant = await merchelloStore();
    await expectStatus(await merchelloGet(tenant, "/customer"), 401, "auth_required");
  });
});

describe("merchello-downloads: GET /api/merchello/downloads/invoice/{invoiceId}", () => {
  it("lists the invoice's links (the invoice id is the order number), expired ones included", async () => {
    const tenant = await merchelloStore();
    const tenDaysAgo = new Date((nowSeconds() - 10 * 86400) * 1000).toISOString();
    const invoice = await order(tenant, "member-1", { expires_in_days: 7 }, { purchased_at: tenDaysAgo });
    await order(tenant, "member-1");

    const entries = await listing(
      await merchelloGet(tenant, `/invoice/${invoice.order_number}`, await signedIn(tenant, "member-1")),
    );

    expect(entries).toHaveLength(1);
    expect(Object.keys(entries[0] as Entry)).toEqual(FIELDS);
    expect(entries[0]).toMatchObject({ id: invoice.items[0]?.files[0]?.link_id, isExpired: true });
  });

  it("answers 403 when the invoice belongs to another customer", async () => {
    const tenant = await merchelloStore();
    const invoice = await order(tenant, "member-2");

    const response = await merchelloGet(tenant, `/invoice/${invoice.order_number}`, await signedIn(tenant, "member-1"));

    await expectStatus(response, 403, "forbidden");
  });

  it("answers 404 for an invoice that does not exist", async () => {
    const tenant = await merchelloStore();
    const response = await merchelloGet(
      tenant,
      "/invoice/3fa85f64-5717-4562-b3fc-2c963f66afa6",
      await signedIn(tenant, "member-1"),
    );
    await expectStatus(response, 404, "not_found");
  });

  it("answers [] for the customer's own unpaid invoice", async () => {
    const tenant = await merchelloStore();
    const invoice = await order(tenant, "member-1", {}, { status: "pending" });

    const response = await merchelloGet(tenant, `/invoice/${invoice.order_number}`, await signedIn(tenant, "member-1"));

    expect(await listing(response)).toEqual([]);
  });

  it("answers 401 without a customer sign-in", async () => {
    const tenant = await merchelloStore();
    const invoice = await order(tenant, "member-1");
    await expectStatus(await merchelloGet(tenant, `/invoice/${invoice.order_number}`), 401, "auth_required");
  });
});

describe("merchello-downloads: only for tenants that enable it", () => {
  it.each(["/customer", "/invoice/3fa85f64-5717-4562-b3fc-2c963f66afa6", "/token"])(
    "does not serve %s for a tenant without the profile (404 when it has no origin)",
    async (path) => {
      const tenant = await createTenant();
      const file = await putFile(tenant);
      const token = await sign(tenant, file, { customer: "member-1" });

      const response = await merchelloGet(tenant, path === "/token" ? `/${token}` : path);

      await expectStatus(response, 404, "not_found");
    },
  );
});
