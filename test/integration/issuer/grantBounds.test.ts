/**
 * Grants and overrides stay within the token's claim bounds (src/token/claims.ts): counts at
 * most 2^31 − 1 (MAX_COUNT), instants from 1970 to the end of year 9999 in UTC (MAX_NUMERIC_DATE).
 * Before, the issuer API accepted `download_limit` up to 2^53 − 1 and expiries such as
 * "9999-12-31T23:59:59-23:59" (year 10000 in UTC): the order answered 201 with URLs the gateway
 * refused as invalid_token, and link views showed "+010000-…". Each bound is a 400 naming the field;
 * the largest value inside it still gives a URL that opens.
 */
import { beforeAll, describe, expect, it } from "vitest";
import {
  admin,
  createTenantWithAdminKey,
  expectError,
  fetchUrl,
  firstFile,
  orderBody,
  placeOrder,
  rowCount,
  uploadFile,
  type IssuerTenant,
  type UploadedFile,
} from "../../helpers/issuer.ts";
import { MAX_COUNT, MAX_NUMERIC_DATE } from "../../../src/token/claims.ts";

let shop: IssuerTenant;
let upload: UploadedFile;

beforeAll(async () => {
  shop = await createTenantWithAdminKey();
  upload = await uploadFile(shop, { name: "guide.pdf", size: 100 });
});

const LAST_INSTANT = "9999-12-31T23:59:59Z";
/** 9999-12-31T23:59:59 at UTC−23:59 is 10000-01-01T23:58:59Z. */
const PAST_9999 = "9999-12-31T23:59:59-23:59";

async function orderCount(): Promise<number> {
  return rowCount("orders", shop.id);
}

/** `/info` of the order's first URL: the token verifies and its figures are the grant's. */
async function infoOf(order: Awaited<ReturnType<typeof placeOrder>>) {
  const response = await fetchUrl(`${firstFile(order).download_url}/info`);
  expect(response.status).toBe(200);
  return (await response.json()) as { download_limit: number | null; expires_at: string | null };
}

describe("POST /admin/v1/orders: grants within the claim bounds", () => {
  it.each([
    ["download_limit 2^31", { download_limit: 2 ** 31 }, {}, "items.0.grant.download_limit"],
    ["download_limit 2^53 − 1", { download_limit: 2 ** 53 - 1 }, {}, "items.0.grant.download_limit"],
    ["device_limit 1001", { device_limit: 1001 }, {}, "items.0.grant.device_limit"],
    ["device_limit 2^31", { device_limit: 2 ** 31 }, {}, "items.0.grant.device_limit"],
    ["expires_at in year 10000 by its offset", { expires_at: PAST_9999 }, {}, "items.0.grant.expires_at"],
    ["expires_at before 1970", { expires_at: "1969-12-31T23:59:59Z" }, {}, "items.0.grant.expires_at"],
    ["expires_at in year 0", { expires_at: "0000-01-01T00:00:00Z" }, {}, "items.0.grant.expires_at"],
    ["purchased_at in year 10000 by its offset", {}, { purchased_at: PAST_9999 }, "purchased_at"],
    [
      "purchased_at + expires_in_days past year 9999",
      { expires_in_days: 365 },
      { purchased_at: "9999-06-01T00:00:00Z" },
      "items.0.grant.expires_in_days",
    ],
  ])("%s is 400 naming the field, and nothing is stored", async (_label, grant, top, path) => {
    const before = await orderCount();
    const answer = await admin(shop, "POST", "/orders", { json: orderBody([upload.id], top, grant) });
    expectError(answer, 400, "bad_request", [path]);
    expect(await orderCount()).toBe(before);
  });

  it("the largest limit and the last instant are accepted and sign URLs that open", async () => {
    const order = await placeOrder(
      shop,
      orderBody([upload.id], {}, { download_limit: MAX_COUNT, expires_at: LAST_INSTANT, device_limit: 1000 }),
    );
    expect(firstFile(order)).toMatchObject({ download_limit: MAX_COUNT, expires_at: "9999-12-31T23:59:59.000Z" });
    expect(await infoOf(order)).toMatchObject({ download_limit: MAX_COUNT, expires_at: "9999-12-31T23:59:59.000Z" });
  });

  it("a relative expiry that ends within year 9999 is accepted and opens", async () => {
    const order = await placeOrder(
      shop,
      orderBody([upload.id], { purchased_at: "9999-12-30T23:59:59Z" }, { expires_in_days: 1 }),
    );
    expect(firstFile(order).expires_at).toBe("9999-12-31T23:59:59.000Z");
    expect(Date.parse(firstFile(order).expires_at ?? "") / 1000).toBe(MAX_NUMERIC_DATE);
    expect((await infoOf(order)).expires_at).toBe("9999-12-31T23:59:59.000Z");
  });
});

describe("PATCH /admin/v1/links/:id: overrides within the claim bounds", () => {
  let linkId = "";
  let url = "";

  beforeAll(async () => {
    const order = await placeOrder(shop, orderBody([upload.id], {}, { download_limit: 3 }));
    linkId = firstFile(order).link_id;
    url = firstFile(order).download_url ?? "";
  });

  async function linkView() {
    const answer = await admin<{ download_limit: number | null; expires_at: string | null }>(
      shop,
      "GET",
      `/links/${linkId}`,
    );
    expect(answer.status).toBe(200);
    return answer.body;
  }

  it.each([
    ["download_limit 2^31", { download_limit: 2 ** 31 }, "download_limit"],
    ["download_limit 2^53 − 1", { download_limit: 2 ** 53 - 1 }, "download_limit"],
    ["expires_at in year 10000 by its offset", { expires_at: PAST_9999 }, "expires_at"],
    ["expires_at in year 0", { expires_at: "0000-01-01T00:00:00Z" }, "expires_at"],
    ["add_downloads over 1,000,000 at once", { add_downloads: 1_000_001 }, "add_downloads"],
  ])("%s is 400 naming the field, and the link is unchanged", async (_label, patch, path) => {
    const before = await linkView();
    expectError(await admin(shop, "PATCH", `/links/${linkId}`, { json: patch }), 400, "bad_request", [path]);
    expect(await linkView()).toEqual(before);
  });

  it("extra downloads never take the limit in force past 2^31 − 1: refused, not clamped", async () => {
    // Room for exactly 1,000,000 more downloads.
    const near = MAX_COUNT - 1_000_000;
    expect((await admin(shop, "PATCH", `/links/${linkId}`, { json: { download_limit: near } })).status).toBe(200);
    const filled = await admin(shop, "PATCH", `/links/${linkId}`, { json: { add_downloads: 1_000_000 } });
    expect(filled.status).toBe(200);
    expect(filled.body).toMatchObject({ download_limit: MAX_COUNT });

    const over = await admin(shop, "PATCH", `/links/${linkId}`, { json: { add_downloads: 1 } });
    expectError(over, 400, "bad_request", ["add_downloads"]);
    expect(JSON.stringify(over.body)).toContain(String(MAX_COUNT));
    // A new limit that, with the extra downloads already given, would pass it is refused too.
    expectError(
      await admin(shop, "PATCH", `/links/${linkId}`, { json: { download_limit: near + 1 } }),
      400,
      "bad_request",
      ["download_limit"],
    );
    expect((await linkView()).download_limit).toBe(MAX_COUNT);
    // Other changes are never refused for it, and a smaller limit fits again.
    expect((await admin(shop, "PATCH", `/links/${linkId}`, { json: { expires_at: LAST_INSTANT } })).status).toBe(200);
    const smaller = await admin(shop, "PATCH", `/links/${linkId}`, { json: { download_limit: 5 } });
    expect(smaller.status).toBe(200);
    expect(smaller.body).toMatchObject({ download_limit: 1_000_005, expires_at: "9999-12-31T23:59:59.000Z" });
    // The link still opens with its original URL.
    expect((await fetchUrl(`${url}/info`)).status).toBe(200);
  });

  it("a refused change applies none of its fields", async () => {
    const order = await placeOrder(shop, orderBody([upload.id], {}, { download_limit: MAX_COUNT }));
    const id = firstFile(order).link_id;
    const before = (await admin(shop, "GET", `/links/${id}`)).body;
    const refused = await admin(shop, "PATCH", `/links/${id}`, {
      json: { revoked: true, suspended: true, expires_at: LAST_INSTANT, add_downloads: 1 },
    });
    expectError(refused, 400, "bad_request", ["add_downloads"]);
    expect((await admin(shop, "GET", `/links/${id}`)).body).toEqual(before);
  });

  it("two concurrent changes that fit alone but not together: one is applied, the other refused", async () => {
    // Each pair races a new limit near the bound against extra downloads on the grant of 3.
    // Checked against the link's state before either landed, both would pass and together
    // leave MAX_COUNT − 10 + 100 in force; the link's object checks each against the other.
    const ids = await Promise.all(
      Array.from({ length: 5 }, async () => {
        const order = await placeOrder(shop, orderBody([upload.id], {}, { download_limit: 3 }));
        return firstFile(order).link_id;
      }),
    );
    const races = await Promise.all(
      ids.map(async (id) => {
        const [limit, extra] = await Promise.all([
          admin(shop, "PATCH", `/links/${id}`, { json: { download_limit: MAX_COUNT - 10 } }),
          admin(shop, "PATCH", `/links/${id}`, { json: { add_downloads: 100 } }),
        ]);
        const view = (await admin<{ download_limit: number }>(shop, "GET", `/links/${id}`)).body;
        return { limit: limit.status, extra: extra.status, inForce: view.download_limit };
      }),
    );
    for (const race of races) {
      expect([race.limit, race.extra].sort()).toEqual([200, 400]);
      // Whichever came first is what is in force; never both.
      expect(race.inForce).toBe(race.limit === 200 ? MAX_COUNT - 10 : 103);
    }
  });

  it("dropping the override (download_limit: null) counts the extra downloads on the grant's limit", async () => {
    const order = await placeOrder(shop, orderBody([upload.id], {}, { download_limit: MAX_COUNT - 10 }));
    const id = firstFile(order).link_id;
    const small = await admin(shop, "PATCH", `/links/${id}`, { json: { download_limit: 5, add_downloads: 100 } });
    expect(small.body).toMatchObject({ download_limit: 105 });
    // Back to the grant: MAX_COUNT − 10 + 100 would pass the bound.
    expectError(await admin(shop, "PATCH", `/links/${id}`, { json: { download_limit: null } }), 400, "bad_request", [
      "download_limit",
    ]);
    expect((await admin(shop, "GET", `/links/${id}`)).body).toMatchObject({ download_limit: 105 });
  });
});
