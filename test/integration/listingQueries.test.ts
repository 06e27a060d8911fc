/**
 * Customer-facing listing query strings are strict (docs/CONTRACT.md §9, issue 8 §1): an unknown
 * or repeated parameter is 400 bad_request naming it, never ignored — a misspelt
 * `include_expire=true` used to answer 200 and silently list less. The one exception is `_`,
 * the cache-buster jQuery (`cache: false`) and other storefront front ends append; its value is
 * ignored. The same holds for the merchello-downloads profile's `/customer` listing.
 */
import { beforeAll, describe, expect, it } from "vitest";
import {
  customerGet,
  customerToken,
  expectError,
  orderBody,
  placeOrder,
  readAnswer,
  uploadFile,
  type IssuerTenant,
  type JsonAnswer,
  type OrderView,
} from "../helpers/issuer.ts";
import type { ErrorBody, ErrorDetail } from "../helpers/answers.ts";
import { merchelloGet, merchelloStore, signedIn } from "../helpers/profilesB.ts";

function details(answer: JsonAnswer<unknown>): ErrorDetail[] {
  return (answer.body as ErrorBody).details ?? [];
}

describe("GET /my/downloads and /orders/:n/downloads", () => {
  let shop: IssuerTenant;
  let order: OrderView;
  let token = "";

  beforeAll(async () => {
    shop = await merchelloStore();
    const file = await uploadFile(shop, { name: "guide.pdf" });
    order = await placeOrder(shop, orderBody([file.id], { customer_id: "alice" }));
    token = await customerToken(shop, "alice");
  });

  const get = async (path: string) => readAnswer<{ data: unknown[] }>(await customerGet(shop, path, token));

  it.each([
    "/my/downloads?_=1764264000000",
    "/my/downloads?include_expired=true&_=1764264000000",
    "/my/downloads?_=",
    "/my/downloads?_=abc-def",
  ])("accepts the cache-buster _: %s", async (path) => {
    const answer = await get(path);
    expect(answer.status).toBe(200);
    expect(answer.body.data).toHaveLength(1);
  });

  it("accepts it on one order's listing and under the /api/<tenant> prefix too", async () => {
    const one = await get(`/orders/${order.order_number}/downloads?_=1`);
    expect(one.status).toBe(200);
    expect(one.body.data).toHaveLength(1);
    const prefixed = await get(`/api/${shop.id}/my/downloads?_=1&include_expired=0`);
    expect(prefixed.status).toBe(200);
  });

  it("refuses a misspelt include_expired with 400 naming it and what was meant", async () => {
    const answer = await get("/my/downloads?include_expire=true");
    expectError(answer, 400, "bad_request", ["include_expire"]);
    expect(details(answer).find((d) => d.path === "include_expire")?.suggestion).toBe("include_expired");
  });

  it.each([
    ["/my/downloads?page=2", "page"],
    ["/my/downloads?offset=10&_=1", "offset"],
    ["/my/downloads?__proto__=1", "__proto__"],
    ["/orders/ORDER/downloads?foo=bar", "foo"],
    ["/api/TENANT/my/downloads?utm_source=mail", "utm_source"],
    ["/my/downloads?include_expired=true&include_expired=false", "include_expired"],
    ["/my/downloads?_=1&_=2", "_"],
  ])("refuses %s with 400 naming %s", async (template, path) => {
    const url = template.replace("ORDER", order.order_number).replace("TENANT", shop.id);
    expectError(await get(url), 400, "bad_request", [path]);
  });
});

describe("merchello-downloads GET /customer", () => {
  let shop: IssuerTenant;
  let headers: Record<string, string>;

  beforeAll(async () => {
    shop = await merchelloStore();
    const file = await uploadFile(shop, { name: "guide.pdf" });
    await placeOrder(shop, orderBody([file.id], { customer_id: "member-1" }));
    headers = await signedIn(shop, "member-1");
  });

  it("accepts the cache-buster _ beside includeExpired", async () => {
    for (const query of ["?_=1764264000000", "?includeExpired=true&_=1764264000000"]) {
      const response = await merchelloGet(shop, `/customer${query}`, headers);
      expect({ query, status: response.status }).toEqual({ query, status: 200 });
      expect(await response.json()).toHaveLength(1);
    }
  });

  it.each([
    ["?include_expired=true", "include_expired", "includeExpired"],
    ["?IncludeExpired=true", "IncludeExpired", "includeExpired"],
    ["?foo=1", "foo", undefined],
  ])("refuses %s with 400 naming it", async (query, path, suggestion) => {
    const answer = await readAnswer(await merchelloGet(shop, `/customer${query}`, headers));
    expectError(answer, 400, "bad_request", [path]);
    expect(details(answer).find((d) => d.path === path)?.suggestion).toBe(suggestion);
  });
});
