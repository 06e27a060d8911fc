/**
 * Country rules (issue 12 item 4): the `cca` / `ccb` claims and the `allowed_countries` /
 * `blocked_countries` grant fields, checked against `request.cf.country` in the link's
 * Durable Object: `403 country_not_allowed`, nothing counted, the refusal logged.
 */
import { describe, expect, it } from "vitest";
import { eventRows, flushOutboxes, signClaims, tenantFileLink, uid, type LinkSetup } from "../../helpers/fixtures.ts";
import { BROWSER, downloadFrom, fetchFrom } from "../../helpers/from.ts";
import {
  admin,
  createTenantWithAdminKey,
  expectError,
  firstFile,
  orderBody,
  placeOrder,
  tokenOf,
  uploadFile,
} from "../../helpers/issuer.ts";

const FILE = { size: 4000, filename: "atlas.pdf" };

async function get(s: LinkSetup, country?: string, init: RequestInit = {}) {
  const response = await downloadFrom(s.tenant.host, s.link.token, { country }, init);
  const bytes = new Uint8Array(await response.arrayBuffer());
  return {
    status: response.status,
    type: response.headers.get("Content-Type"),
    size: bytes.byteLength,
    body: new TextDecoder().decode(bytes),
  };
}

describe("country rules on a signed link", () => {
  it("serves an allowed country and refuses another with 403 country_not_allowed, counting only the first", async () => {
    const s = await tenantFileLink(FILE, { countries: ["DE", "AT"] });
    const refused = await get(s, "FR");
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body)).toMatchObject({ error: "country_not_allowed" });
    expect((await s.link.stub.snapshot()).count).toBe(0);

    const served = await get(s, "AT");
    expect(served.status).toBe(200);
    expect(served.size).toBe(4000);
    expect((await s.link.stub.snapshot()).count).toBe(1);
  });

  it("refuses an unknown country under an allow list (no cf.country, or XX)", async () => {
    const s = await tenantFileLink(FILE, { countries: ["DE"] });
    expect((await get(s)).status).toBe(403);
    expect((await get(s, "XX")).status).toBe(403);
    expect((await s.link.stub.snapshot()).count).toBe(0);
  });

  it("keeps a block list's countries out and lets an unknown country through", async () => {
    const s = await tenantFileLink(FILE, { blockedCountries: ["RU", "BY"] });
    const blocked = await get(s, "BY");
    expect(blocked.status).toBe(403);
    expect(JSON.parse(blocked.body)).toMatchObject({ error: "country_not_allowed" });
    expect((await get(s)).status).toBe(200);
    expect((await get(s, "DE")).status).toBe(200);
    expect((await s.link.stub.snapshot()).count).toBe(2);
  });

  it("refuses a HEAD and a resume from outside the rules too", async () => {
    const s = await tenantFileLink(FILE, { countries: ["DE"] });
    expect((await get(s, "DE")).status).toBe(200);
    expect((await get(s, "US", { method: "HEAD" })).status).toBe(403);
    expect((await get(s, "US", { headers: { Range: "bytes=2000-" } })).status).toBe(403);
    expect((await get(s, "DE", { headers: { Range: "bytes=2000-" } })).status).toBe(206);
    expect((await s.link.stub.snapshot()).count).toBe(1);
  });

  it("applies the rules to /info too: the link's state is not shown outside them", async () => {
    const s = await tenantFileLink(FILE, { countries: ["DE"] });
    const url = `https://${s.tenant.host}/downloads/${s.link.token}/info`;
    const outside = await fetchFrom(url, { country: "FR" });
    expect(outside.status).toBe(403);
    expect(await outside.json()).toMatchObject({ error: "country_not_allowed" });
    expect((await fetchFrom(url, { country: "DE" })).status).toBe(200);
  });

  it("logs the refusal with the country and the error, not counted", async () => {
    const s = await tenantFileLink(FILE, { blockedCountries: ["KP"] });
    expect((await get(s, "KP")).status).toBe(403);
    await flushOutboxes([s.link.stub]);
    const [row] = await eventRows(s.tenant, s.link.linkId);
    expect(row).toMatchObject({ country: "KP", status: 403, counted: 0, error: "country_not_allowed", bytes: 0 });
  });

  it("answers a browser with a page in its language: en, de, fr, es", async () => {
    const s = await tenantFileLink(FILE, { countries: ["DE"] });
    const titles = {
      en: "Not available in your country",
      de: "In Ihrem Land nicht verfügbar",
      fr: "Indisponible dans votre pays",
      es: "No disponible en su país",
    };
    for (const [lang, title] of Object.entries(titles)) {
      const page = await get(s, "US", { headers: { Accept: BROWSER, "Accept-Language": lang } });
      expect(page.status).toBe(403);
      expect(page.type).toMatch(/^text\/html/);
      expect(page.body).toContain(title);
      expect(page.body).toContain("country_not_allowed");
    }
  });

  it("treats a token whose country claim is not strict ISO upper case as invalid, not as unrestricted", async () => {
    const s = await tenantFileLink(FILE);
    // Signed by hand: the SDK itself refuses to sign such a grant (test/unit/sign.test.ts).
    const bad = await signClaims(s.tenant, { iss: s.tenant.id, lid: uid("l"), fid: s.file.id, cca: ["de"] });
    const response = await downloadFrom(s.tenant.host, bad, { country: "DE" });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: "invalid_token" });
  });
});

describe("country rules in the issuer API's grants", () => {
  it("signs allowed_countries and blocked_countries into the order's URLs and shows them on the link", async () => {
    const tenant = await createTenantWithAdminKey();
    const file = await uploadFile(tenant, { size: 800 });
    const order = await placeOrder(
      tenant,
      orderBody([file.id], {}, { allowed_countries: ["DE", "CH"], blocked_countries: ["T1"] }),
    );
    const entry = firstFile(order);
    expect(tokenOf(entry.download_url ?? "").claims).toMatchObject({ cca: ["DE", "CH"], ccb: ["T1"] });
    expect((await fetchFrom(entry.download_url ?? "", { country: "CH" })).status).toBe(200);
    expect((await fetchFrom(entry.download_url ?? "", { country: "T1" })).status).toBe(403);
    expect((await fetchFrom(entry.download_url ?? "", { country: "FR" })).status).toBe(403);

    const link = await admin(tenant, "GET", `/links/${entry.link_id}`);
    expect(link.body).toMatchObject({ allowed_countries: ["DE", "CH"], blocked_countries: ["T1"], download_count: 1 });
    const fresh = await admin<{ download_url: string }>(tenant, "POST", `/links/${entry.link_id}/url`);
    expect(tokenOf(fresh.body.download_url).claims).toMatchObject({ cca: ["DE", "CH"], ccb: ["T1"] });
  });

  it("refuses lower case, unknown or duplicated codes and a country both allowed and blocked, naming the field", async () => {
    const tenant = await createTenantWithAdminKey();
    const file = await uploadFile(tenant);
    const cases: [Record<string, unknown>, string][] = [
      [{ allowed_countries: ["de"] }, "items.0.grant.allowed_countries.0"],
      [{ blocked_countries: ["UK"] }, "items.0.grant.blocked_countries.0"],
      [{ allowed_countries: ["DE", "DE"] }, "items.0.grant.allowed_countries"],
      [{ allowed_countries: [] }, "items.0.grant.allowed_countries"],
      [{ allowed_countries: "DE" }, "items.0.grant.allowed_countries"],
      [{ allowed_countries: ["FR"], blocked_countries: ["FR"] }, "items.0.grant.blocked_countries"],
    ];
    for (const [grant, path] of cases) {
      const answer = await admin(tenant, "POST", "/orders", { json: orderBody([file.id], {}, grant) });
      expectError(answer, 400, "bad_request", [path]);
    }
  });

  it("treats a repeated order with other countries as a different order (409)", async () => {
    const tenant = await createTenantWithAdminKey();
    const file = await uploadFile(tenant);
    const body = orderBody([file.id], {}, { allowed_countries: ["DE"] });
    await placeOrder(tenant, body);
    expect((await admin(tenant, "POST", "/orders", { json: body })).status).toBe(200);
    const other = { ...body, items: orderBody([file.id], {}, { allowed_countries: ["FR"] }).items };
    expectError(await admin(tenant, "POST", "/orders", { json: other }), 409, "conflict");
  });
});
