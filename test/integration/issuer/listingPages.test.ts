/**
 * Optional pages of `/my/downloads` and `/orders/:n/downloads` (`?limit=&cursor=`,
 * docs/CONTRACT.md §8): without either parameter the answer is the whole listing in seed
 * 000's shape, exactly as before; with them, pages in the listing's order that a new order
 * placed mid-walk neither repeats nor skips.
 */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { encodeCursor } from "../../../src/listings/listingPage.ts";
import { downloadsListingSchema } from "../../../src/orders/orderSchemas.ts";
import { uid } from "../../helpers/fixtures.ts";
import {
  admin,
  createTenantWithAdminKey,
  customerGet,
  customerToken,
  expectError,
  fetchUrl,
  placeOrder,
  readAnswer,
  uploadFile,
  type IssuerTenant,
  type ListingEntry,
} from "../../helpers/issuer.ts";

type Page = { data: ListingEntry[]; next_cursor?: string | null };

async function get(tenant: IssuerTenant, path: string, customer: string) {
  return customerGet(tenant, path, await customerToken(tenant, customer));
}

async function page(tenant: IssuerTenant, path: string, customer: string) {
  const answer = await readAnswer<Page>(await get(tenant, path, customer));
  expect(answer.status).toBe(200);
  return answer.body;
}

/** Every page of `path` with `limit`, followed through next_cursor. */
async function walk(tenant: IssuerTenant, path: string, customer: string, limit: number): Promise<Page[]> {
  const pages: Page[] = [];
  const join = path.includes("?") ? "&" : "?";
  let cursor: string | null | undefined = null;
  do {
    const query = `limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`;
    const current = await page(tenant, `${path}${join}${query}`, customer);
    pages.push(current);
    cursor = current.next_cursor;
    expect(pages.length).toBeLessThan(20);
  } while (cursor);
  return pages;
}

/** A customer with three orders on three days: 1 + 2 + 2 items, one file each. */
async function customerWithFiveItems(customer: string) {
  const tenant = await createTenantWithAdminKey();
  const file = await uploadFile(tenant);
  const order = (day: number, items: number) =>
    placeOrder(tenant, {
      order_number: uid(`D${day}`),
      customer_id: customer,
      purchased_at: `2030-01-0${day}T00:00:00Z`,
      items: Array.from({ length: items }, (_, i) => ({
        product: { id: `p${day}-${i}`, name: `Day ${day} item ${i}` },
        file_ids: [file.id],
      })),
    });
  const orders = [await order(1, 1), await order(2, 2), await order(3, 2)];
  return { tenant, file, orders };
}

const names = (pages: Page[]) => pages.flatMap((p) => p.data.map((d) => d.product.name));

describe("listing pages", () => {
  it("answers the whole listing, with no next_cursor, when neither limit nor cursor is given", async () => {
    const { tenant } = await customerWithFiveItems("amy");
    const whole = await get(tenant, "/my/downloads", "amy");
    const text = await whole.text();
    const body = JSON.parse(text) as Page;
    expect(Object.keys(body)).toEqual(["data"]);
    expect(body.data.map((d) => d.product.name)).toEqual([
      "Day 3 item 0",
      "Day 3 item 1",
      "Day 2 item 0",
      "Day 2 item 1",
      "Day 1 item 0",
    ]);
    // The same answer, byte for byte, on a second request (tokens are remembered, not re-signed).
    expect(await (await get(tenant, "/my/downloads", "amy")).text()).toBe(text);
  });

  it("walks the listing in pages of `limit` entries, in the listing's order, ending with next_cursor null", async () => {
    const { tenant } = await customerWithFiveItems("bo");
    const whole = await page(tenant, "/my/downloads", "bo");
    const pages = await walk(tenant, "/my/downloads", "bo", 2);
    expect(pages.map((p) => p.data.length)).toEqual([2, 2, 1]);
    expect(pages.map((p) => p.next_cursor === null)).toEqual([false, false, true]);
    expect(pages.flatMap((p) => p.data)).toEqual(whole.data);

    // A page as large as the rest ends the walk at once.
    const all = await page(tenant, "/my/downloads?limit=5", "bo");
    expect(all).toEqual({ data: whole.data, next_cursor: null });
    // A cursor alone continues to the end.
    const rest = await page(tenant, `/my/downloads?cursor=${pages[0]?.next_cursor}`, "bo");
    expect(rest).toEqual({ data: whole.data.slice(2), next_cursor: null });
    // The documented schema holds a paged answer unchanged.
    for (const answer of [...pages, whole]) expect(downloadsListingSchema.parse(answer)).toEqual(answer);
  });

  it("neither repeats nor skips an entry when a new order arrives between two pages", async () => {
    const { tenant, file } = await customerWithFiveItems("cy");
    const first = await page(tenant, "/my/downloads?limit=2", "cy");
    expect(names([first])).toEqual(["Day 3 item 0", "Day 3 item 1"]);
    await placeOrder(tenant, {
      order_number: uid("D9"),
      customer_id: "cy",
      purchased_at: "2030-01-09T00:00:00Z",
      items: [{ product: { id: "new", name: "Newest" }, file_ids: [file.id] }],
    });
    const second = await page(tenant, `/my/downloads?limit=2&cursor=${first.next_cursor}`, "cy");
    expect(names([second])).toEqual(["Day 2 item 0", "Day 2 item 1"]);
    expect(names([await page(tenant, "/my/downloads?limit=1", "cy")])).toEqual(["Newest"]);
  });

  it("pages what include_expired shows, and each page's URLs download", async () => {
    const { tenant, orders } = await customerWithFiveItems("di");
    const revoked = orders[1]?.items[0]?.files[0]?.link_id as string;
    await admin(tenant, "PATCH", `/links/${revoked}`, { json: { revoked: true } });
    expect(names(await walk(tenant, "/my/downloads", "di", 3))).toEqual([
      "Day 3 item 0",
      "Day 3 item 1",
      "Day 2 item 1",
      "Day 1 item 0",
    ]);
    const withExpired = await walk(tenant, "/my/downloads?include_expired=true", "di", 3);
    expect(names(withExpired)).toHaveLength(5);
    const files = withExpired.flatMap((p) => p.data.flatMap((d) => d.files));
    expect(files.filter((f) => f.download_url === null)).toHaveLength(1);
    const response = await fetchUrl(withExpired[0]?.data[0]?.files[0]?.download_url as string);
    await response.arrayBuffer();
    expect(response.status).toBe(200);
  });

  it("pages one order's downloads the same way", async () => {
    const { tenant, orders } = await customerWithFiveItems("ed");
    const number = orders[2]?.order_number as string;
    const pages = await walk(tenant, `/orders/${number}/downloads`, "ed", 1);
    expect(names(pages)).toEqual(["Day 3 item 0", "Day 3 item 1"]);
    expect(pages.at(-1)?.next_cursor).toBeNull();
  });

  it.each(["0", "501", "-1", "1.5", "abc", "", "01"])("refuses limit=%j with 400 naming limit", async (limit) => {
    const { tenant } = await customerWithFiveItems("fay");
    const answer = await readAnswer(await get(tenant, `/my/downloads?limit=${limit}`, "fay"));
    expectError(answer, 400, "bad_request", ["limit"]);
  });

  it.each([
    ["not base64url", "a+b"],
    ["not JSON", "bm90IGpzb24"],
    ["the wrong shape", encodeCursor({ purchasedAt: 1, orderNumber: "", position: 0 })],
    ["a token's payload", "eyJpc3MiOiJ4In0"],
  ])("refuses a cursor that is %s with 400 naming cursor", async (_what, cursor) => {
    const { tenant } = await customerWithFiveItems("gus");
    const answer = await readAnswer(await get(tenant, `/my/downloads?cursor=${cursor}`, "gus"));
    expectError(answer, 400, "bad_request", ["cursor"]);
  });

  it("documents limit and cursor in /openapi.json for both listings", async () => {
    const response = await exports.default.fetch(new Request("https://gateway.test/openapi.json"));
    const doc = (await response.json()) as {
      paths: Record<string, { get?: { parameters?: { name: string; in: string }[] } }>;
    };
    for (const path of ["/my/downloads", "/orders/{orderNumber}/downloads"]) {
      const query = doc.paths[path]?.get?.parameters?.filter((p) => p.in === "query").map((p) => p.name);
      expect(query, path).toEqual(expect.arrayContaining(["include_expired", "limit", "cursor", "_"]));
    }
  });
});
