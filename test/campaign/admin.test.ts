/**
 * Campaign, issuer API: a careless or hostile store. Random JSON, valid bodies with unknown
 * keys, wrong types, control characters and huge values, deeply nested and oversized
 * bodies, on every body-taking endpoint (tenant scope and operator scope). Never a 5xx,
 * every error in the docs/CONTRACT.md §7 shape, and overrides set through the API never break
 * the link's own answers.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { uid } from "../helpers/fixtures.ts";
import {
  adminFetch,
  createTenantWithAdminKey,
  customerGet,
  customerToken,
  fetchUrl,
  firstFile,
  operator,
  orderBody,
  placeOrder,
  uploadFile,
  type IssuerTenant,
  type UploadedFile,
} from "../helpers/issuer.ts";
import { answer, check, record } from "./campaign.ts";

let shop: IssuerTenant;
let upload: UploadedFile;
let linkId = "";
let linkUrl = "";
let orderNumber = "";

beforeAll(async () => {
  shop = await createTenantWithAdminKey();
  upload = await uploadFile(shop, { name: "guide.pdf", size: 300 });
  const order = await placeOrder(shop, orderBody([upload.id], { customer_id: "alice" }, { download_limit: 3 }));
  orderNumber = order.order_number;
  linkId = firstFile(order).link_id;
  linkUrl = firstFile(order).download_url ?? "";
});

/** Values a careless store sends where another type belongs. */
const WEIRD: unknown[] = [
  "",
  " ",
  "x",
  "a\r\nb",
  "nul\u0000",
  "\u202egnp.exe",
  "ü",
  -1,
  0,
  1.5,
  1e308,
  -1e308,
  2 ** 31,
  2 ** 53,
  true,
  null,
  [],
  {},
  [1, "a"],
  { a: 1 },
  "1",
  "2030-01-01T00:00:00Z",
  "9999-12-31T23:59:59-23:59",
  "0000-01-01T00:00:00Z",
];
const weird = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...WEIRD) },
  { weight: 1, arbitrary: fc.constant("x".repeat(100_000)) },
  { weight: 1, arbitrary: fc.constant(Array.from({ length: 20_000 }, (_, i) => i)) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

interface Endpoint {
  name: string;
  method: string;
  path: () => string;
  /** A body the endpoint accepts. */
  valid: () => Record<string, unknown>;
  operator?: boolean;
}

const ENDPOINTS: Endpoint[] = [
  {
    name: "POST /orders",
    method: "POST",
    path: () => "/orders",
    valid: () => orderBody([upload.id], { customer_id: "alice" }, { download_limit: 2, expires_in_days: 30 }),
  },
  { name: "PATCH /links/:id", method: "PATCH", path: () => `/links/${linkId}`, valid: () => ({ add_downloads: 1 }) },
  { name: "POST /keys", method: "POST", path: () => "/keys", valid: () => ({ alg: "HS256", kid: uid("kid") }) },
  { name: "POST /admin-keys", method: "POST", path: () => "/admin-keys", valid: () => ({ name: "ci" }) },
  {
    name: "POST /files/:id",
    method: "POST",
    path: () => `/files/${uid("f")}`,
    valid: () => ({ source_url: "https://files.example.com/a.zip", name: "a.zip", mime_type: "application/zip" }),
  },
  {
    name: "POST /tenants",
    method: "POST",
    path: () => "/tenants",
    valid: () => ({ id: uid("op"), name: "Shop" }),
    operator: true,
  },
  {
    name: "PATCH /tenants/:id",
    method: "PATCH",
    path: () => `/tenants/${shop.id}`,
    valid: () => ({ settings: { resume_window_seconds: 3600 } }),
    operator: true,
  },
];

/** One change to a valid body: a key replaced, added (unknown) or removed, at any depth. */
const edit = fc.record({
  kind: fc.constantFrom("replace", "add", "remove"),
  depth: fc.nat(3),
  pick: fc.nat(),
  key: fc.constantFrom("download_limt", "limit", "ips", "dev", "__proto__", "constructor", "x".repeat(300), "é", ""),
  value: weird,
});
type Edit = typeof edit extends fc.Arbitrary<infer E> ? E : never;

/** Applies an edit at the `depth`-th nested object it finds (wrapping around). */
function applyEdit(body: Record<string, unknown>, change: Edit): void {
  let target: Record<string, unknown> = body;
  for (let level = 0; level < change.depth; level++) {
    const children = Object.values(target).flatMap((v) =>
      Array.isArray(v) ? v.filter((x) => typeof x === "object" && x !== null) : typeof v === "object" && v ? [v] : [],
    ) as Record<string, unknown>[];
    if (children.length === 0) break;
    target = children[change.pick % children.length] ?? target;
  }
  const keys = Object.keys(target);
  const key = keys[change.pick % Math.max(1, keys.length)];
  if (change.kind === "add" || key === undefined) {
    Object.defineProperty(target, change.key, {
      value: change.value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else if (change.kind === "replace") target[key] = change.value;
  else delete target[key];
}

const rawBodies = fc.constantFrom(
  `${"[".repeat(100_000)}${"]".repeat(100_000)}`,
  `${'{"a":'.repeat(50_000)}1${"}".repeat(50_000)}`,
  `{"items":${"[".repeat(5_000)}${"]".repeat(5_000)}}`,
  '{"order_number":',
  "null",
  '"a string"',
  "1e999",
  "\ufeff{}",
  '{"__proto__":{"admin":true}}',
  "{}",
  "[]",
  `{"name":"${"x".repeat(1_100_000)}"}`,
  "not json at all",
);

const bodyCase = fc.oneof(
  { weight: 5, arbitrary: fc.array(edit, { minLength: 1, maxLength: 3 }).map((edits) => ({ edits })) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((json) => ({ json })) },
  { weight: 2, arbitrary: rawBodies.map((raw) => ({ raw })) },
);

async function send(endpoint: Endpoint, body: string): Promise<Response> {
  if (endpoint.operator) {
    const result = await operator(endpoint.method, endpoint.path(), { body });
    return new Response(result.body === null ? null : JSON.stringify(result.body), {
      status: result.status,
      headers: result.headers,
    });
  }
  return adminFetch(shop, endpoint.method, endpoint.path(), {
    body,
    headers: { "Content-Type": "application/json" },
  });
}

describe("campaign: issuer API bodies", () => {
  it("no body on any endpoint answers a 5xx or an error outside the §7 shape", async () => {
    await check(
      "admin: bodies",
      fc.record({ endpoint: fc.nat(ENDPOINTS.length - 1), body: bodyCase }),
      async ({ endpoint: index, body }) => {
        const endpoint = ENDPOINTS[index] as Endpoint;
        let text: string;
        if ("edits" in body) {
          const value = endpoint.valid();
          for (const change of body.edits) applyEdit(value, change);
          text = JSON.stringify(value);
        } else if ("json" in body) text = JSON.stringify(body.json);
        else text = body.raw;
        const result = await answer(`admin: ${endpoint.name}`, await send(endpoint, text), endpoint.method);
        expect([200, 201, 400, 404, 409, 413]).toContain(result.status);
        record("admin: bodies", result.status, result.error?.error);
      },
      50,
    );
  });

  it("overrides set through PATCH never make the link's own answers fail", async () => {
    const overrides = fc.record(
      {
        download_limit: fc.constantFrom<unknown>(1, 2 ** 31 - 1, 2 ** 31, 2 ** 53 - 1, null),
        add_downloads: fc.constantFrom<unknown>(1, 1_000_000),
        expires_at: fc.constantFrom<unknown>(
          null,
          "2030-01-01T00:00:00Z",
          "9999-12-31T23:59:59Z",
          "9999-12-31T23:59:59-23:59",
          "0000-01-01T00:00:00Z",
          "1970-01-01T00:00:00+23:59",
        ),
        revoked: fc.boolean(),
      },
      { requiredKeys: [] },
    );
    await check(
      "admin: link overrides",
      overrides,
      async (patch) => {
        if (Object.keys(patch).length === 0) return;
        const patched = await answer(
          "admin: link overrides",
          await adminFetch(shop, "PATCH", `/links/${linkId}`, { json: patch }),
        );
        expect([200, 400]).toContain(patched.status);
        await answer("admin: link overrides", await adminFetch(shop, "GET", `/links/${linkId}`));
        const info = await answer("admin: link overrides", await fetchUrl(`${linkUrl}/info`));
        expect(info.status).toBe(200);
        await answer("admin: link overrides", await fetchUrl(linkUrl));
        await answer("admin: link overrides", await adminFetch(shop, "GET", `/links/${linkId}/events?limit=5`));
      },
      6,
    );
  });
});

describe("campaign: query strings", () => {
  it("no query string on an admin or listing GET answers a 5xx or an error outside the §7 shape", async () => {
    const value = fc.oneof(
      fc.constantFrom(
        "",
        "0",
        "-1",
        "1e308",
        "-0",
        "0x10",
        "Infinity",
        "NaN",
        " 5",
        "501",
        "true",
        "yes",
        `${"9".repeat(30)}_abc`,
        "1_",
        "_x",
        "%00",
        "%E2%80%AE",
        "x".repeat(3000),
      ),
      fc.string({ maxLength: 20 }).map(encodeURIComponent),
    );
    const query = fc.array(
      fc.tuple(fc.constantFrom("limit", "cursor", "include_expired", "page", "limit", "cursor"), value),
      { maxLength: 4 },
    );
    const customer = await customerToken(shop, "alice");
    await check(
      "admin: query strings",
      fc.record({
        target: fc.constantFrom("events", "order", "listing", "order-listing", "keys"),
        query,
      }),
      async ({ target, query: pairs }) => {
        const search = pairs.map(([k, v]) => `${k}=${v}`).join("&");
        const response =
          target === "events"
            ? await adminFetch(shop, "GET", `/links/${linkId}/events?${search}`)
            : target === "order"
              ? await adminFetch(shop, "GET", `/orders/${orderNumber}?${search}`)
              : target === "keys"
                ? await adminFetch(shop, "GET", `/keys?${search}`)
                : await customerGet(
                    shop,
                    target === "listing" ? `/my/downloads?${search}` : `/orders/${orderNumber}/downloads?${search}`,
                    customer,
                  );
        const result = await answer("admin: query strings", response);
        expect([200, 400], JSON.stringify({ target, search: search.slice(0, 200) })).toContain(result.status);
      },
      30,
    );
  });
});

describe("campaign: the issuer API's contract (docs/CONTRACT.md §9)", () => {
  // Issue 8 §1: zod used to strip unknown keys, so a misspelt restriction answered 201 and
  // the link was unlimited. Every position of an order (top, item, product, grant) is strict.
  it("an unknown key anywhere in a valid order is 400 naming it", async () => {
    await check(
      "admin: unknown keys",
      fc.record({ depth: fc.nat(3), pick: fc.nat(), key: fc.constantFrom("download_limt", "limit", "ips", "dev") }),
      async (change) => {
        const body = orderBody([upload.id], { customer_id: "alice" });
        applyEdit(body, { ...change, kind: "add", value: 1 });
        const result = await answer("admin: unknown keys", await adminFetch(shop, "POST", "/orders", { json: body }));
        expect(result.status).toBe(400);
        const details = (result.error?.details ?? []) as { path: string }[];
        expect(details.some((d) => d.path.split(".").includes(change.key))).toBe(true);
      },
      10,
    );
  });

  // Issue 8 §1: mime_type and names end up in headers; CR, LF, NUL and other controls are
  // refused at the API (mime_type used to be stored as sent).
  it("control characters in mime_type or name are 400", async () => {
    await check(
      "admin: header strings",
      fc.record({
        field: fc.constantFrom("mime_type", "name"),
        value: fc.constantFrom("a\r\nb", "a\u0000b", "a\u0085b"),
      }),
      async ({ field, value }) => {
        const body = { source_url: "https://files.example.com/a.zip", [field]: value };
        const result = await answer(
          "admin: header strings",
          await adminFetch(shop, "POST", `/files/${uid("f")}`, { json: body }),
        );
        expect({ field, status: result.status }).toEqual({ field, status: 400 });
      },
      10,
    );
  });

  // Issue 8 §1/§6: a grant the API accepts must give URLs that verify. download_limit 2^31 or
  // an expiry past year 9999 used to be accepted and signed into a token the gateway (rightly)
  // refused as invalid_token; the grant is now bounded like the claims (grantBounds.test.ts).
  it("every URL of an order the API accepted opens its /info", async () => {
    await check(
      "admin: accepted orders work",
      fc.record(
        {
          download_limit: fc.constantFrom(1, 2 ** 31 - 1, 2 ** 31, 2 ** 53 - 1),
          expires_at: fc.constantFrom("2030-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "9999-12-31T23:59:59-23:59"),
          device_limit: fc.constantFrom(1, 1000),
        },
        { requiredKeys: ["download_limit"] },
      ),
      async (grant) => {
        const created = await answer(
          "admin: accepted orders work",
          await adminFetch(shop, "POST", "/orders", { json: orderBody([upload.id], { customer_id: "alice" }, grant) }),
        );
        if (created.status !== 201) {
          expect({ grant, status: created.status }).toEqual({ grant, status: 400 });
          return;
        }
        const order = JSON.parse(new TextDecoder().decode(created.body)) as Parameters<typeof firstFile>[0];
        const info = await answer(
          "admin: accepted orders work",
          await fetchUrl(`${firstFile(order).download_url}/info`),
        );
        expect({ grant, status: info.status }).toEqual({ grant, status: 200 });
      },
      10,
    );
  });
});
