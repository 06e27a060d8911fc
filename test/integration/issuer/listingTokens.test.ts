/**
 * Listings hand out remembered tokens (src/links/linkTokenCache.ts, issue 13) and still
 * follow every change that must show: a new signing key is used at once, a retired key's
 * URLs are never handed out again, a revoked link gets no URL, and the same grant under
 * the same key keeps its token across the tenant cache's reloads.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { forgetTenant, tenantById } from "../../../src/tenants/resolveTenant.ts";
import {
  admin,
  createTenantWithAdminKey,
  customerGet,
  customerToken,
  fetchUrl,
  orderBody,
  placeOrder,
  readAnswer,
  tokenOf,
  uploadFile,
  type IssuerTenant,
  type ListingEntry,
} from "../../helpers/issuer.ts";

type Listing = { data: ListingEntry[] };

async function listedUrls(tenant: IssuerTenant, customer: string, query = ""): Promise<(string | null)[]> {
  const token = await customerToken(tenant, customer);
  const answer = await readAnswer<Listing>(await customerGet(tenant, `/my/downloads${query}`, token));
  expect(answer.status).toBe(200);
  return answer.body.data.flatMap((item) => item.files.map((f) => f.download_url));
}

const kidOf = (url: string | null) => (url === null ? null : tokenOf(url).header.kid);

async function downloads(url: string | null): Promise<number> {
  const response = await fetchUrl(url as string);
  await response.arrayBuffer();
  return response.status;
}

/** A tenant (key k1) with one customer who bought two files. */
async function shop(customer: string) {
  const tenant = await createTenantWithAdminKey();
  const a = await uploadFile(tenant);
  const b = await uploadFile(tenant);
  const order = await placeOrder(tenant, orderBody([a.id, b.id], { customer_id: customer }));
  return { tenant, order };
}

describe("listing URLs and the tenant's signing keys", () => {
  it("hands out the same URL for the same grant and key, again after the tenant cache reloads", async () => {
    const { tenant } = await shop("ann");
    const first = await listedUrls(tenant, "ann");
    expect(first).toHaveLength(2);
    expect(first.map(kidOf)).toEqual(["k1", "k1"]);
    expect(await listedUrls(tenant, "ann")).toEqual(first);
    forgetTenant(tenant.id);
    expect(await listedUrls(tenant, "ann")).toEqual(first);
    expect(await downloads(first[0] ?? null)).toBe(200);
  });

  it("signs with a new key from the next listing on", async () => {
    const { tenant } = await shop("ben");
    const before = await listedUrls(tenant, "ben");
    expect(before.map(kidOf)).toEqual(["k1", "k1"]);
    expect((await admin(tenant, "POST", "/keys", { json: { alg: "HS256", kid: "k2" } })).status).toBe(201);

    const after = await listedUrls(tenant, "ben");
    expect(after.map(kidOf)).toEqual(["k2", "k2"]);
    for (const url of after) expect(await downloads(url)).toBe(200);
  });

  it("never hands out a retired key's URL again, whichever key is retired", async () => {
    const { tenant } = await shop("cat");
    const withK1 = await listedUrls(tenant, "cat");
    expect(withK1.map(kidOf)).toEqual(["k1", "k1"]);
    await admin(tenant, "POST", "/keys", { json: { alg: "HS256", kid: "k2" } });
    const withK2 = await listedUrls(tenant, "cat");
    expect(withK2.map(kidOf)).toEqual(["k2", "k2"]);

    // The newest key goes: back to k1, never k2's remembered tokens.
    expect((await admin(tenant, "DELETE", "/keys/k2")).status).toBe(200);
    const afterK2 = await listedUrls(tenant, "cat");
    expect(afterK2.map(kidOf)).toEqual(["k1", "k1"]);
    expect(await downloads(withK2[0] ?? null)).toBe(403);
    for (const url of afterK2) expect(await downloads(url)).toBe(200);

    // Then a new key, and the old one retired: k1's remembered tokens never come back.
    await admin(tenant, "POST", "/keys", { json: { alg: "HS256", kid: "k3" } });
    expect((await admin(tenant, "DELETE", "/keys/k1")).status).toBe(200);
    const afterK1 = await listedUrls(tenant, "cat");
    expect(afterK1.map(kidOf)).toEqual(["k3", "k3"]);
    expect(await downloads(withK1[1] ?? null)).toBe(403);
    for (const url of afterK1) expect(await downloads(url)).toBe(200);
  });

  it("gives a revoked link no URL, and its URL back once it is unrevoked", async () => {
    const { tenant, order } = await shop("dan");
    const before = await listedUrls(tenant, "dan");
    const revokedLink = order.items[0]?.files[0]?.link_id as string;
    expect((await admin(tenant, "PATCH", `/links/${revokedLink}`, { json: { revoked: true } })).status).toBe(200);

    expect(await listedUrls(tenant, "dan")).toEqual([before[1]]);
    expect(await listedUrls(tenant, "dan", "?include_expired=true")).toEqual([null, before[1]]);

    await admin(tenant, "PATCH", `/links/${revokedLink}`, { json: { revoked: false } });
    const after = await listedUrls(tenant, "dan");
    expect(after).toEqual(before);
    expect(await downloads(after[0] ?? null)).toBe(200);
  });
});

describe("the tenant's key objects across reloads", () => {
  it("keeps an unchanged key's object and drops a retired one's", async () => {
    const { tenant } = await shop("eve");
    const first = await tenantById(env, tenant.id);
    forgetTenant(tenant.id);
    const reloaded = await tenantById(env, tenant.id);
    expect(reloaded).not.toBe(first);
    expect(reloaded?.signingKey).toBe(first?.signingKey);

    await admin(tenant, "POST", "/keys", { json: { alg: "HS256", kid: "k2" } });
    await admin(tenant, "DELETE", "/keys/k2");
    const afterRetire = await tenantById(env, tenant.id);
    expect(afterRetire?.signingKey?.kid).toBe("k1");
    expect(afterRetire?.keyring.has("k2")).toBe(false);
  });
});
