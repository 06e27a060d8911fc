/**
 * `POST /admin/v1/orders` with an order number that is taken (docs/CONTRACT.md §9): the same order
 * (customer and items) answers the existing order; any other is 409 conflict revealing
 * nothing of the first. Before, every repeat got the stored order with its signed URLs, so
 * a store that reused a number for another customer handed that customer the first one's
 * downloads — 19 of 20 concurrent callers did.
 */
import { describe, expect, it } from "vitest";
import { uid } from "../../helpers/fixtures.ts";
import {
  admin,
  adminDirect,
  createTenantWithAdminKey,
  expectError,
  orderFiles,
  placeOrder,
  rowCount,
  uploadFile,
  type IssuerTenant,
  type JsonAnswer,
  type OrderView,
} from "../../helpers/issuer.ts";

async function rowsOf(tenantId: string, orderNumber: string) {
  return {
    orders: await rowCount("orders", tenantId, orderNumber),
    items: await rowCount("order_items", tenantId, orderNumber),
    links: await rowCount("links", tenantId, orderNumber),
  };
}

/** Asserts a 409 whose body is only the error: no order, no ids, no URL, no customer. */
function expectConflictRevealingNothing(answer: JsonAnswer<unknown>, first: OrderView): void {
  expectError(answer, 409, "conflict");
  expect(Object.keys(answer.body as object).sort()).toEqual(["details", "error", "message"]);
  const text = JSON.stringify(answer.body);
  for (const secret of [
    first.access_key,
    first.customer_id,
    ...orderFiles(first).flatMap((f) => [f.link_id, f.download_url ?? "-"]),
    ...first.items.map((i) => i.id),
  ]) {
    expect(text).not.toContain(secret);
  }
  expect(text).not.toMatch(/\/downloads\//);
}

async function twoFiles(tenant: IssuerTenant) {
  return [(await uploadFile(tenant)).id, (await uploadFile(tenant)).id] as const;
}

type Item = {
  product: Record<string, unknown>;
  file_ids: string[];
  grant?: Record<string, unknown>;
};

type Body = {
  order_number: string;
  customer_id: string;
  purchased_at?: string;
  status?: string;
  items: Item[];
};

/** A two-item order: a course with both files and a restrictive grant, and a bonus with the first file. */
function body(number: string, fileIds: readonly string[], overrides: Partial<Body> = {}): Body {
  return {
    order_number: number,
    customer_id: "cust-1",
    purchased_at: "2030-01-01T00:00:00Z",
    items: [
      {
        product: { id: 7, name: "Course", slug: "course", tags: ["video"] },
        file_ids: [...fileIds],
        grant: { download_limit: 3, expires_in_days: 30, ip_restriction: ["203.0.113.0/24"], device_limit: 2 },
      },
      { product: { id: "bonus", name: "Bonus" }, file_ids: [fileIds[0] as string] },
    ],
    ...overrides,
  };
}

/** `body` with its items changed by `change`. */
function withItems(original: Body, change: (items: Item[]) => Item[]): Body {
  return { ...original, items: change(structuredClone(original.items)) };
}

describe("POST /admin/v1/orders with a taken order number", () => {
  it("answers the existing order (200, same links) for the same order, however it is spelt", async () => {
    const tenant = await createTenantWithAdminKey();
    const [a, b] = await twoFiles(tenant);
    const number = uid("ORD");
    const first = await placeOrder(tenant, body(number, [a, b]));
    const links = orderFiles(first).map((f) => f.link_id);
    const replays = [
      body(number, [a, b]),
      // Files in another order, purchase time left to "now", the product id as text, the
      // expiry as the date the 30 days give, defaults spelt out.
      withItems({ ...body(number, [a, b]), purchased_at: undefined }, ([course, bonus]) => [
        { ...course!, file_ids: [b, a] },
        bonus!,
      ]),
      withItems(body(number, [a, b]), () => [
        {
          product: { id: "7", name: "Course", slug: "course", tags: ["video"] },
          file_ids: [a, b],
          grant: {
            download_limit: 3,
            expires_at: "2030-01-31T00:00:00Z",
            ip_restriction: ["203.0.113.0/24"],
            device_limit: 2,
            require_login: false,
          },
        },
        { product: { id: "bonus", name: "Bonus", tags: [] }, file_ids: [a], grant: {} },
      ]),
    ];
    for (const replay of replays) {
      const answer = await admin<OrderView>(tenant, "POST", "/orders", { json: replay });
      expect(answer.status).toBe(200);
      expect(orderFiles(answer.body).map((f) => f.link_id)).toEqual(links);
    }
    expect(await rowsOf(tenant.id, number)).toEqual({ orders: 1, items: 2, links: 3 });
  });

  it("answers a completed order to a retried pending create, without changing its status", async () => {
    const tenant = await createTenantWithAdminKey();
    const [a, b] = await twoFiles(tenant);
    const number = uid("ORD");
    await placeOrder(tenant, body(number, [a, b], { status: "pending" }));
    expect((await admin(tenant, "POST", `/orders/${number}/complete`)).status).toBe(200);
    const retry = await admin<OrderView>(tenant, "POST", "/orders", {
      json: body(number, [a, b], { status: "pending" }),
    });
    expect({ status: retry.status, order: retry.body.status }).toEqual({ status: 200, order: "complete" });
  });

  it.each([
    ["another customer", (n: string, f: readonly string[]) => body(n, f, { customer_id: "cust-2" })],
    [
      "another download limit",
      (n: string, f: readonly string[]) =>
        withItems(body(n, f), ([course, bonus]) => [
          { ...course!, grant: { ...course!.grant, download_limit: 4 } },
          bonus!,
        ]),
    ],
    [
      "no ip restriction",
      (n: string, f: readonly string[]) =>
        withItems(body(n, f), ([course, bonus]) => [
          { ...course!, grant: { ...course!.grant, ip_restriction: undefined } },
          bonus!,
        ]),
    ],
    [
      "another product name",
      (n: string, f: readonly string[]) =>
        withItems(body(n, f), ([course, bonus]) => [course!, { ...bonus!, product: { id: "bonus", name: "Bonus 2" } }]),
    ],
    [
      "one file fewer",
      (n: string, f: readonly string[]) =>
        withItems(body(n, f), ([course, bonus]) => [{ ...course!, file_ids: [f[0]!] }, bonus!]),
    ],
    ["the items swapped", (n: string, f: readonly string[]) => withItems(body(n, f), (items) => items.reverse())],
    [
      "an extra item",
      (n: string, f: readonly string[]) =>
        withItems(body(n, f), (items) => [...items, { product: { id: "x", name: "X" }, file_ids: [f[1]!] }]),
    ],
  ])("is 409 conflict for %s, revealing nothing and changing nothing", async (_label, make) => {
    const tenant = await createTenantWithAdminKey();
    const files = await twoFiles(tenant);
    const number = uid("ORD");
    const first = await placeOrder(tenant, body(number, files));
    expectConflictRevealingNothing(await admin(tenant, "POST", "/orders", { json: make(number, files) }), first);
    const stored = await admin<OrderView>(tenant, "GET", `/orders/${number}`);
    expect(orderFiles(stored.body).map((f) => f.link_id)).toEqual(orderFiles(first).map((f) => f.link_id));
    expect(stored.body.customer_id).toBe("cust-1");
    expect(await rowsOf(tenant.id, number)).toEqual({ orders: 1, items: 2, links: 3 });
  });

  it("lets exactly one of 20 concurrent creates with different customers win; 19 get 409 and nothing of it", async () => {
    const tenant = await createTenantWithAdminKey();
    const files = await twoFiles(tenant);
    const number = uid("RACE");
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        adminDirect<OrderView>(tenant, "POST", "/orders", { json: body(number, files, { customer_id: `cust-${i}` }) }),
      ),
    );
    const won = answers.filter((a) => a.status === 201);
    expect(won).toHaveLength(1);
    const winner = won[0]!.body;
    const lost = answers.filter((a) => a.status !== 201);
    expect(lost).toHaveLength(19);
    for (const answer of lost) expectConflictRevealingNothing(answer, winner);
    expect(await rowsOf(tenant.id, number)).toEqual({ orders: 1, items: 2, links: 3 });
    const stored = await admin<OrderView>(tenant, "GET", `/orders/${number}`);
    expect(stored.body.customer_id).toBe(winner.customer_id);
  });

  it("under concurrency answers the winner's order to requests for the same order and 409 to the others", async () => {
    const tenant = await createTenantWithAdminKey();
    const files = await twoFiles(tenant);
    const number = uid("RACE");
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        adminDirect<OrderView>(tenant, "POST", "/orders", {
          json: body(number, files, { customer_id: i % 2 === 0 ? "even" : "odd" }),
        }),
      ),
    );
    const winner = answers.find((a) => a.status === 201)?.body;
    if (!winner) throw new Error("no request created the order");
    const links = orderFiles(winner).map((f) => f.link_id);
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    for (const answer of answers) {
      if (answer.status === 201) continue;
      const sameCustomer = answers.indexOf(answer) % 2 === (winner.customer_id === "even" ? 0 : 1);
      if (sameCustomer) {
        expect(answer.status).toBe(200);
        expect(orderFiles(answer.body).map((f) => f.link_id)).toEqual(links);
      } else {
        expectConflictRevealingNothing(answer, winner);
      }
    }
    expect(await rowsOf(tenant.id, number)).toEqual({ orders: 1, items: 2, links: 3 });
  });
});
