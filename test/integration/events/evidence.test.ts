/**
 * `GET /admin/v1/orders/:number/evidence`: what a store hands to a payment dispute — what
 * was bought, every download with its facts, totals — as JSON and as a printable page.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { linkStub } from "../../../src/links/linkStub.ts";
import { deliveriesSettled } from "../../helpers/deliveries.ts";
import { flushOutboxes } from "../../helpers/fixtures.ts";
import {
  admin,
  adminFetch,
  createTenantWithAdminKey,
  expectError,
  fetchUrl,
  orderFiles,
  placeOrder,
  uploadFile,
  type IssuerTenant,
  type OrderView,
} from "../../helpers/issuer.ts";
import { insertLogRows } from "../../helpers/logRows.ts";

interface Evidence {
  order: Record<string, unknown>;
  items: { product: Record<string, unknown>; files: Record<string, unknown>[] }[];
  downloads: Record<string, unknown>[];
  totals: Record<string, unknown> & { per_file: Record<string, unknown>[] };
  truncated: boolean;
}

let shop: IssuerTenant;
let order: OrderView;
let bookSha: unknown;

async function fetchAll(url: string, headers: Record<string, string>): Promise<number> {
  const response = await fetchUrl(url, { headers });
  await response.arrayBuffer();
  return response.status;
}

beforeAll(async () => {
  shop = await createTenantWithAdminKey();
  const book = await uploadFile(shop, { name: "book.pdf", size: 1000 });
  const audio = await uploadFile(shop, { name: "audio.zip", size: 500 });
  bookSha = book.view.sha256;
  order = await placeOrder(shop, {
    order_number: `ev-${Date.now().toString(36)}`,
    customer_id: "cust-42",
    items: [
      {
        product: { id: "p1", name: "Book <b>& Audio</b>", variant_name: "Deluxe" },
        file_ids: [book.id, audio.id],
        grant: { download_limit: 3 },
      },
    ],
  });
  const [bookEntry, audioEntry] = orderFiles(order);
  if (!bookEntry?.download_url || !audioEntry?.download_url) throw new Error("no URLs");
  const ua = { "User-Agent": "Mozilla/5.0 evidence", "CF-Connecting-IP": "198.51.100.23" };
  expect(await fetchAll(bookEntry.download_url, ua)).toBe(200);
  // The audio file arrives in two ranges: the second is a resume of the same device.
  expect(await fetchAll(audioEntry.download_url, { ...ua, Range: "bytes=0-199" })).toBe(206);
  expect(await fetchAll(audioEntry.download_url, { ...ua, Range: "bytes=200-" })).toBe(206);
  const stubs = [bookEntry, audioEntry].map((f) => linkStub(env, shop.id, f.link_id));
  await deliveriesSettled(stubs);
  await flushOutboxes(stubs);
});

describe("GET /admin/v1/orders/:number/evidence", () => {
  it("answers what was bought, each download with its facts, and totals", async () => {
    const answer = await admin<Evidence>(shop, "GET", `/orders/${order.order_number}/evidence`);
    expect(answer.status).toBe(200);
    const [bookEntry, audioEntry] = orderFiles(order);
    expect(answer.body.order).toEqual({
      order_number: order.order_number,
      customer_id: "cust-42",
      status: "complete",
      purchased_at: order.purchased_at,
    });
    expect(answer.body.items).toHaveLength(1);
    expect(answer.body.items[0]?.product).toMatchObject({
      id: "p1",
      name: "Book <b>& Audio</b>",
      variant_name: "Deluxe",
    });
    expect(answer.body.items[0]?.files).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          file_id: bookEntry?.id,
          name: "book.pdf",
          size: 1000,
          sha256: bookSha,
          link_id: bookEntry?.link_id,
          download_count: 1,
          download_limit: 3,
          file_status: "unchanged",
          uploaded_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        }),
        expect.objectContaining({ file_id: audioEntry?.id, name: "audio.zip", size: 500, download_count: 1 }),
      ]),
    );
    expect(bookSha).toMatch(/^[0-9a-f]{64}$/);
    expect(answer.body.downloads).toEqual([
      expect.objectContaining({
        link_id: bookEntry?.link_id,
        file_name: "book.pdf",
        ip: "198.51.100.23",
        user_agent: "Mozilla/5.0 evidence",
        status: 200,
        bytes_sent: 1000,
        file_size: 1000,
        outcome: "completed",
        counted: true,
        file_version: "current",
      }),
      expect.objectContaining({ range: "bytes=0-199", status: 206, bytes_sent: 200, counted: true }),
      expect.objectContaining({ range: "bytes=200-", status: 206, bytes_sent: 300, counted: false, reason: "resume" }),
    ]);
    expect(answer.body.totals).toMatchObject({
      requests: 3,
      counted_downloads: 2,
      completed_downloads: 1,
      completed_responses: 3,
      bytes_delivered: 1500,
      files_fully_delivered: 2,
      files: 2,
    });
    expect(answer.body.totals.first_download_at).toBe(answer.body.downloads[0]?.at);
    expect(answer.body.totals.per_file).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          link_id: audioEntry?.link_id,
          bytes_delivered: 500,
          size: 500,
          fully_delivered: true,
          file_status: "unchanged",
          earlier_version_ranges: 0,
        }),
      ]),
    );
    expect(answer.body.truncated).toBe(false);
  });

  it("says a file was not received in full when its ranges leave a gap", async () => {
    const tenant = await createTenantWithAdminKey();
    const file = await uploadFile(tenant, { name: "gap.bin", size: 400 });
    const placed = await placeOrder(tenant, {
      order_number: "gap-1",
      customer_id: "c",
      items: [{ product: { id: "p", name: "P" }, file_ids: [file.id] }],
    });
    const [entry] = orderFiles(placed);
    const url = entry?.download_url as string;
    expect(await fetchAll(url, { Range: "bytes=0-99" })).toBe(206);
    expect(await fetchAll(url, { Range: "bytes=200-" })).toBe(206);
    const stub = linkStub(env, tenant.id, entry?.link_id as string);
    await deliveriesSettled([stub]);
    await flushOutboxes([stub]);
    const answer = await admin<Evidence>(tenant, "GET", "/orders/gap-1/evidence");
    expect(answer.body.totals).toMatchObject({
      bytes_delivered: 300,
      files_fully_delivered: 0,
      completed_downloads: 0,
    });
  });

  /** A one-file order for `fileId` and its download URL and link stub. */
  async function oneFileOrder(tenant: IssuerTenant, number: string, fileId: string) {
    const placed = await placeOrder(tenant, {
      order_number: number,
      customer_id: "c",
      items: [{ product: { id: "p", name: "P" }, file_ids: [fileId] }],
    });
    const [entry] = orderFiles(placed);
    return { url: entry?.download_url as string, stub: linkStub(env, tenant.id, entry?.link_id as string) };
  }

  async function settle(stub: ReturnType<typeof linkStub>) {
    await deliveriesSettled([stub]);
    await flushOutboxes([stub]);
    // R2 and the log keep milliseconds: what happens next is in a later one.
    await new Promise((resolve) => setTimeout(resolve, 5));
  }

  async function evidencePageText(tenant: IssuerTenant, number: string) {
    const response = await adminFetch(tenant, "GET", `/orders/${number}/evidence?format=html`);
    expect(response.status).toBe(200);
    return response.text();
  }

  it("keeps a whole download delivered after the file is uploaded again, and says it was replaced", async () => {
    const tenant = await createTenantWithAdminKey();
    await uploadFile(tenant, { id: "ev-1", name: "old.txt", size: 3 });
    const { url, stub } = await oneFileOrder(tenant, "repl-1", "ev-1");
    expect(await fetchAll(url, {})).toBe(200);
    await settle(stub);
    const before = await admin<Evidence>(tenant, "GET", "/orders/repl-1/evidence");
    expect(before.body.totals).toMatchObject({ files_fully_delivered: 1 });
    expect(before.body.items[0]?.files[0]).toMatchObject({ name: "old.txt", size: 3, file_status: "unchanged" });

    const replaced = await uploadFile(tenant, { id: "ev-1", name: "new.txt", size: 21, seed: 5 });
    const answer = await admin<Evidence>(tenant, "GET", "/orders/repl-1/evidence");
    expect(answer.status).toBe(200);
    // The old version was sent whole: that stays true whatever the file is now.
    expect(answer.body.totals).toMatchObject({ files_fully_delivered: 1, files: 1, completed_downloads: 1 });
    expect(answer.body.items[0]?.files[0]).toMatchObject({
      file_id: "ev-1",
      name: "new.txt",
      size: 21,
      sha256: replaced.view.sha256,
      file_status: "replaced",
      uploaded_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(answer.body.downloads).toEqual([
      expect.objectContaining({
        status: 200,
        bytes_sent: 3,
        file_size: 3,
        outcome: "completed",
        file_version: "earlier",
      }),
    ]);
    expect(answer.body.totals.per_file).toEqual([
      expect.objectContaining({
        file_status: "replaced",
        size: 21,
        fully_delivered: true,
        earlier_version_ranges: 0,
      }),
    ]);
    const page = await evidencePageText(tenant, "repl-1");
    expect(page).toContain("Replaced after a delivery");
    expect(page).toContain("name, size and");
    expect(page).toContain("(earlier version)");
    expect(page).toContain("3 of 3");
    expect(page).toContain("1 of 1");
    expect(page).toMatch(/<td>yes<\/td>/);
  });

  it("keeps a whole download delivered after the file is deleted, and says it was deleted", async () => {
    const tenant = await createTenantWithAdminKey();
    const file = await uploadFile(tenant, { name: "gone.txt", size: 7 });
    const { url, stub } = await oneFileOrder(tenant, "del-1", file.id);
    expect(await fetchAll(url, {})).toBe(200);
    await settle(stub);
    expect((await admin(tenant, "DELETE", `/files/${file.id}`)).status).toBe(204);
    const answer = await admin<Evidence>(tenant, "GET", "/orders/del-1/evidence");
    expect(answer.status).toBe(200);
    expect(answer.body.totals).toMatchObject({ files_fully_delivered: 1, files: 1 });
    expect(answer.body.items[0]?.files[0]).toMatchObject({
      name: null,
      size: null,
      sha256: null,
      uploaded_at: null,
      file_status: "deleted",
    });
    expect(answer.body.downloads).toEqual([
      expect.objectContaining({ status: 200, bytes_sent: 7, file_size: 7, file_version: "earlier" }),
    ]);
    expect(answer.body.totals.per_file).toEqual([
      expect.objectContaining({ file_status: "deleted", size: null, fully_delivered: true }),
    ]);
    const page = await evidencePageText(tenant, "del-1");
    expect(page).toContain("Deleted since; no longer stored.");
    expect(page).toContain("7 of 7");
    expect(page).toContain("1 of 1");
  });

  it("says replaced when the file was registered again from a URL and its new bytes are not fetched yet", async () => {
    const tenant = await createTenantWithAdminKey();
    await uploadFile(tenant, { id: "ev-p", name: "first.bin", size: 12 });
    const { url, stub } = await oneFileOrder(tenant, "pull-1", "ev-p");
    expect(await fetchAll(url, {})).toBe(200);
    await settle(stub);
    const registered = await admin(tenant, "POST", "/files/ev-p", {
      json: { source_url: "https://files.origin.example/second.bin" },
    });
    expect(registered.status).toBe(201);
    const answer = await admin<Evidence>(tenant, "GET", "/orders/pull-1/evidence");
    expect(answer.status).toBe(200);
    expect(answer.body.totals).toMatchObject({ files_fully_delivered: 1 });
    expect(answer.body.items[0]?.files[0]).toMatchObject({
      name: "second.bin",
      size: null,
      uploaded_at: null,
      file_status: "replaced",
    });
    expect(answer.body.downloads).toEqual([
      expect.objectContaining({ status: 200, file_size: 12, file_version: "earlier" }),
    ]);
    const page = await evidencePageText(tenant, "pull-1");
    expect(page).toContain("Replaced after a delivery:");
    expect(page).toContain("12 of 12");
  });

  it("joins ranges only within the current version and counts those of an earlier one as not judged", async () => {
    const tenant = await createTenantWithAdminKey();
    await uploadFile(tenant, { id: "ev-r", name: "r.bin", size: 400 });
    const { url, stub } = await oneFileOrder(tenant, "ranges-1", "ev-r");
    expect(await fetchAll(url, { Range: "bytes=0-199" })).toBe(206);
    await settle(stub);
    await uploadFile(tenant, { id: "ev-r", name: "r.bin", size: 400, seed: 3 });
    expect(await fetchAll(url, { Range: "bytes=200-" })).toBe(206);
    await settle(stub);
    // The old version's first half and the new version's second half make no whole file.
    const half = await admin<Evidence>(tenant, "GET", "/orders/ranges-1/evidence");
    expect(half.status).toBe(200);
    expect(half.body.downloads).toEqual([
      expect.objectContaining({ range: "bytes=0-199", file_version: "earlier", file_size: null }),
      expect.objectContaining({ range: "bytes=200-", file_version: "current", file_size: 400 }),
    ]);
    expect(half.body.totals).toMatchObject({ files_fully_delivered: 0, bytes_delivered: 400 });
    expect(half.body.totals.per_file).toEqual([
      expect.objectContaining({ file_status: "replaced", fully_delivered: false, earlier_version_ranges: 1 }),
    ]);
    expect(await evidencePageText(tenant, "ranges-1")).toContain("(1 range of an earlier");

    // The new version's first half completes it.
    expect(await fetchAll(url, { Range: "bytes=0-199" })).toBe(206);
    await settle(stub);
    const whole = await admin<Evidence>(tenant, "GET", "/orders/ranges-1/evidence");
    expect(whole.body.totals).toMatchObject({ files_fully_delivered: 1 });
    expect(whole.body.totals.per_file).toEqual([
      expect.objectContaining({ file_status: "replaced", fully_delivered: true, earlier_version_ranges: 1 }),
    ]);
  });

  it("says unchanged when the file was replaced before any delivery", async () => {
    const tenant = await createTenantWithAdminKey();
    await uploadFile(tenant, { id: "ev-u", name: "u.bin", size: 5 });
    const { url, stub } = await oneFileOrder(tenant, "unch-1", "ev-u");
    await uploadFile(tenant, { id: "ev-u", name: "u.bin", size: 9, seed: 4 });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await fetchAll(url, {})).toBe(200);
    await settle(stub);
    const answer = await admin<Evidence>(tenant, "GET", "/orders/unch-1/evidence");
    expect(answer.body.items[0]?.files[0]).toMatchObject({ size: 9, file_status: "unchanged" });
    expect(answer.body.downloads).toEqual([expect.objectContaining({ file_version: "current", file_size: 9 })]);
    const page = await evidencePageText(tenant, "unch-1");
    expect(page).not.toContain("Replaced after a delivery");
    expect(page).not.toContain("(earlier version)");
  });

  it("lists at most 5,000 requests, says so, and still totals every row", async () => {
    const tenant = await createTenantWithAdminKey();
    const file = await uploadFile(tenant, { name: "big.bin", size: 100 });
    const placed = await placeOrder(tenant, {
      order_number: "many-1",
      customer_id: "c",
      items: [{ product: { id: "p", name: "P" }, file_ids: [file.id] }],
    });
    const linkId = orderFiles(placed)[0]?.link_id as string;
    await insertLogRows(
      tenant.id,
      Array.from({ length: 5003 }, (_, i) => ({
        at: 1_780_000_000_000 + i,
        linkId,
        fileId: file.id,
        orderNumber: "many-1",
        counted: i % 2 === 0,
      })),
    );
    const answer = await admin<Evidence>(tenant, "GET", "/orders/many-1/evidence");
    expect(answer.body.truncated).toBe(true);
    expect(answer.body.downloads).toHaveLength(5000);
    expect(answer.body.totals).toMatchObject({
      requests: 5003,
      counted_downloads: 2502,
      completed_downloads: 5003,
      bytes_delivered: 500_300,
      first_download_at: new Date(1_780_000_000_000).toISOString(),
      last_download_at: new Date(1_780_000_005_002).toISOString(),
    });
  });

  it("renders a printable page, escaped, when Accept prefers text/html or ?format=html", async () => {
    for (const [query, headers] of [
      ["", { Accept: "text/html,application/xhtml+xml,*/*;q=0.8" }],
      ["?format=html", {}],
    ] as const) {
      const response = await adminFetch(shop, "GET", `/orders/${order.order_number}/evidence${query}`, { headers });
      expect(response.status).toBe(200);
      expect(response.headers.get("Content-Type")).toBe("text/html; charset=utf-8");
      expect(response.headers.get("Content-Security-Policy")).toContain("default-src 'none'");
      const page = await response.text();
      expect(page).toContain(`Download evidence for order ${order.order_number}`);
      expect(page).toContain("Book &#60;b&#62;&#38; Audio&#60;/b&#62;");
      expect(page).not.toContain("<b>& Audio");
      expect(page).toContain("198.51.100.23");
      expect(page).toContain("1,000 of 1,000");
      expect(page).toContain(String(bookSha));
      expect(page).toContain("2 of 2");
    }
  });

  it("answers JSON to ?format=json even for a browser", async () => {
    const response = await adminFetch(shop, "GET", `/orders/${order.order_number}/evidence?format=json`, {
      headers: { Accept: "text/html" },
    });
    expect(response.headers.get("Content-Type")).toBe("application/json; charset=utf-8");
  });

  it("shows the limit in force, with the downloads the store added, as the link view does", async () => {
    const tenant = await createTenantWithAdminKey();
    const file = await uploadFile(tenant, { name: "extra.bin", size: 10 });
    const placed = await placeOrder(tenant, {
      order_number: "extra-1",
      customer_id: "c",
      items: [{ product: { id: "p", name: "P" }, file_ids: [file.id], grant: { download_limit: 3 } }],
    });
    const linkId = orderFiles(placed)[0]?.link_id as string;
    const patched = await admin(tenant, "PATCH", `/links/${linkId}`, { json: { add_downloads: 3 } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ download_limit: 6 });
    const view = await admin<OrderView>(tenant, "GET", "/orders/extra-1");
    expect(orderFiles(view.body)[0]).toMatchObject({ download_limit: 6 });
    const answer = await admin<Evidence>(tenant, "GET", "/orders/extra-1/evidence");
    expect(answer.status).toBe(200);
    expect(answer.body.items[0]?.files[0]).toMatchObject({ link_id: linkId, download_count: 0, download_limit: 6 });
    const page = await adminFetch(tenant, "GET", "/orders/extra-1/evidence?format=html");
    expect(page.status).toBe(200);
    const text = await page.text();
    expect(text).toContain("0 of 6");
    expect(text).not.toContain("0 of 3");
  });

  it("answers 404 for an unknown order and for another tenant's order, 400 for an unknown parameter", async () => {
    expectError(await admin(shop, "GET", "/orders/nope-1/evidence"), 404, "not_found");
    const other = await createTenantWithAdminKey();
    expectError(await admin(other, "GET", `/orders/${order.order_number}/evidence`), 404, "not_found");
    expectError(await admin(shop, "GET", `/orders/${order.order_number}/evidence?format=pdf`), 400, "bad_request", [
      "format",
    ]);
    expectError(await admin(shop, "GET", `/orders/${order.order_number}/evidence?fromat=html`), 400, "bad_request", [
      "fromat",
    ]);
    expectError(
      await admin(shop, "GET", `/orders/${order.order_number}/evidence`, { key: null }),
      401,
      "auth_required",
    );
  });
});
