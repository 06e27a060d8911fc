/**
 * Strict input (docs/CONTRACT.md §9): every body, query and settings object of the issuer API
 * refuses unknown keys with 400 bad_request naming the field and, where the field is known
 * elsewhere or spelt almost right, what was meant. Before, zod dropped them: an order whose
 * item carried `download_limit` instead of `grant.download_limit` got an unlimited link.
 * Text that ends in a header or a file name refuses control characters.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ErrorBody, ErrorDetail } from "../../helpers/answers.ts";
import { fileBytes, uid } from "../../helpers/fixtures.ts";
import {
  admin,
  createTenantWithAdminKey,
  expectError,
  firstFile,
  linkRow,
  operator,
  orderBody,
  placeOrder,
  rowCount,
  uploadFile,
  type JsonAnswer,
} from "../../helpers/issuer.ts";

/** The `details` entry for `path` of a 400 answer (fails when there is none). */
function detail(answer: JsonAnswer<unknown>, path: string): ErrorDetail {
  expectError(answer, 400, "bad_request", [path]);
  const found = ((answer.body as ErrorBody).details ?? []).find((d) => d.path === path);
  if (!found) throw new Error(`no detail for ${path}`);
  return found;
}

describe("POST /admin/v1/orders refuses misplaced and misspelt grant fields", () => {
  const product = { id: "p-1", name: "Product One" };
  it.each([
    [
      "download_limit on the item",
      (fileId: string) => ({ items: [{ product, file_ids: [fileId], download_limit: 1 }] }),
      "items.0.download_limit",
      /belongs in grant$/,
      "items.0.grant.download_limit",
    ],
    [
      "a top-level download_limit",
      (fileId: string) => ({ download_limit: 1, items: [{ product, file_ids: [fileId] }] }),
      "download_limit",
      /belongs in items\[\]\.grant$/,
      "items[].grant.download_limit",
    ],
    [
      "grant.download_limt",
      (fileId: string) => ({ items: [{ product, file_ids: [fileId], grant: { download_limt: 1 } }] }),
      "items.0.grant.download_limt",
      /did you mean "download_limit"\?$/,
      "items.0.grant.download_limit",
    ],
    [
      "grant.limit",
      (fileId: string) => ({ items: [{ product, file_ids: [fileId], grant: { limit: 1 } }] }),
      "items.0.grant.limit",
      /did you mean "download_limit"\?$/,
      "items.0.grant.download_limit",
    ],
    [
      "grant.downloadLimit",
      (fileId: string) => ({ items: [{ product, file_ids: [fileId], grant: { downloadLimit: 1 } }] }),
      "items.0.grant.downloadLimit",
      /did you mean "download_limit"\?$/,
      "items.0.grant.download_limit",
    ],
    [
      "grant.ips",
      (fileId: string) => ({ items: [{ product, file_ids: [fileId], grant: { ips: ["203.0.113.7"] } }] }),
      "items.0.grant.ips",
      /did you mean "ip_restriction"\?$/,
      "items.0.grant.ip_restriction",
    ],
    [
      "grant.dev",
      (fileId: string) => ({ items: [{ product, file_ids: [fileId], grant: { dev: 1 } }] }),
      "items.0.grant.dev",
      /did you mean "device_limit"\?$/,
      "items.0.grant.device_limit",
    ],
    [
      "grant.expires_in_day",
      (fileId: string) => ({ items: [{ product, file_ids: [fileId], grant: { expires_in_day: 1 } }] }),
      "items.0.grant.expires_in_day",
      /did you mean "expires_in_days"\?$/,
      "items.0.grant.expires_in_days",
    ],
    [
      "a top-level expires_in_day",
      (fileId: string) => ({ expires_in_day: 1, items: [{ product, file_ids: [fileId] }] }),
      "expires_in_day",
      /did you mean "expires_in_days" in items\[\]\.grant\?$/,
      "items[].grant.expires_in_days",
    ],
    [
      "customer_id inside the grant of the second item",
      (fileId: string) => ({
        items: [
          { product, file_ids: [fileId] },
          { product, file_ids: [fileId], grant: { customer_id: "c" } },
        ],
      }),
      "items.1.grant.customer_id",
      /belongs at the top level$/,
      "customer_id",
    ],
    [
      "an unknown product field",
      (fileId: string) => ({ items: [{ product: { ...product, price: 10 }, file_ids: [fileId] }] }),
      "items.0.product.price",
      /^unknown field$/,
      undefined,
    ],
  ])(
    "refuses %s: 400 naming it and where it belongs, nothing written",
    async (_label, make, path, hint, suggestion) => {
      const tenant = await createTenantWithAdminKey();
      const file = await uploadFile(tenant);
      const body = { order_number: uid("ORD"), customer_id: "cust-1", ...make(file.id) };
      const answer = await admin(tenant, "POST", "/orders", { json: body });
      const found = detail(answer, path);
      expect(found.message).toMatch(hint);
      expect(found.suggestion).toBe(suggestion);
      expect((answer.body as { message: string }).message).toContain(path);
      expect(await rowCount("orders", tenant.id)).toBe(0);
      expect(await rowCount("links", tenant.id)).toBe(0);
    },
  );

  it("names every unknown field of one body", async () => {
    const tenant = await createTenantWithAdminKey();
    const file = await uploadFile(tenant);
    const answer = await admin(tenant, "POST", "/orders", {
      json: orderBody([file.id], { download_limit: 2 }, { limit: 1, dev: 2 }),
    });
    expectError(answer, 400, "bad_request", ["download_limit", "items.0.grant.limit", "items.0.grant.dev"]);
  });

  it("names the first 50 of ten thousand unknown fields (one of 100,000 characters) and counts the rest", async () => {
    const tenant = await createTenantWithAdminKey();
    const file = await uploadFile(tenant);
    const junk = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`junk_${i}`, i]));
    const body = { [`${"x".repeat(100_000)}`]: 1, ...orderBody([file.id]), ...junk };
    const answer = await admin<{ details: ErrorDetail[] }>(tenant, "POST", "/orders", { json: body });
    expectError(answer, 400, "bad_request", ["junk_0"]);
    expect(answer.body.details).toHaveLength(51);
    expect(answer.body.details.at(-1)).toEqual({ path: "", message: "and 9951 more" });
    // The message lists five and counts the other 9,996 of the 10,001, as details do.
    expect((answer.body as unknown as { message: string }).message).toMatch(/; 9996 more\.$/);
    expect(await rowCount("orders", tenant.id)).toBe(0);
  });

  it("still creates the limited link the fields ask for once they are in their place", async () => {
    const tenant = await createTenantWithAdminKey();
    const file = await uploadFile(tenant);
    const order = await placeOrder(tenant, orderBody([file.id], {}, { download_limit: 1, device_limit: 1 }));
    expect(await linkRow(tenant.id, firstFile(order).link_id)).toMatchObject({ download_limit: 1, device_limit: 1 });
  });
});

describe("every other issuer body is strict", () => {
  it("PATCH /links/:id with downloads_limit is 400 and the link keeps its grant", async () => {
    const tenant = await createTenantWithAdminKey();
    const file = await uploadFile(tenant);
    const link = firstFile(await placeOrder(tenant, orderBody([file.id])));
    const answer = await admin(tenant, "PATCH", `/links/${link.link_id}`, { json: { downloads_limit: 1 } });
    expect(detail(answer, "downloads_limit")).toMatchObject({
      message: 'unknown field; did you mean "download_limit"?',
      suggestion: "download_limit",
    });
    const after = await admin(tenant, "GET", `/links/${link.link_id}`);
    expect(after.body).toMatchObject({ download_limit: null, remaining_downloads: null });
  });

  it("operator PATCH /tenants/:id with settings.resume_window is 400 and nothing is stored", async () => {
    const tenant = await createTenantWithAdminKey();
    const before = await env.DB.prepare("SELECT settings FROM tenants WHERE id = ?").bind(tenant.id).first();
    const answer = await operator("PATCH", `/tenants/${tenant.id}`, { json: { settings: { resume_window: 60 } } });
    expect(detail(answer, "settings.resume_window")).toMatchObject({
      message: 'unknown field; did you mean "resume_window_seconds"?',
      suggestion: "settings.resume_window_seconds",
    });
    expect(await env.DB.prepare("SELECT settings FROM tenants WHERE id = ?").bind(tenant.id).first()).toEqual(before);
  });

  it.each([
    ["a top-level resume_window_seconds", { resume_window_seconds: 60 }, "resume_window_seconds", /in settings$/],
    [
      "an unknown customer_auth field",
      { settings: { customer_auth: { mode: "jwt", secret: "x" } } },
      "settings.customer_auth.secret",
      /./,
    ],
    [
      "an unknown account_text field",
      { settings: { account_text: { title: "T", text: null, body: "" } } },
      "settings.account_text.body",
      /./,
    ],
    ["an unknown tenant field", { nmae: "Shop" }, "nmae", /did you mean "name"\?/],
  ])("operator PATCH /tenants/:id refuses %s", async (_label, json, path, hint) => {
    const tenant = await createTenantWithAdminKey();
    const answer = await operator("PATCH", `/tenants/${tenant.id}`, { json });
    expect(detail(answer, path).message).toMatch(hint);
  });

  it("operator POST /tenants refuses an unknown field and creates nothing", async () => {
    const id = uid("st").toLowerCase();
    const answer = await operator("POST", "/tenants", { json: { id, name: "Shop", host: "shop.test" } });
    expect(detail(answer, "host").message).toBe('unknown field; did you mean "hosts"?');
    expect(await env.DB.prepare("SELECT id FROM tenants WHERE id = ?").bind(id).first()).toBeNull();
  });

  it("POST /keys with a caller's secret is 400 and creates no key (the gateway makes every secret)", async () => {
    const tenant = await createTenantWithAdminKey();
    const before = await admin<{ data: unknown[] }>(tenant, "GET", "/keys");
    const answer = await admin(tenant, "POST", "/keys", { json: { alg: "HS256", kid: "mine", secret: "mine" } });
    expect(detail(answer, "secret").message).toBe("unknown field");
    const after = await admin<{ data: unknown[] }>(tenant, "GET", "/keys");
    expect(after.body.data).toEqual(before.body.data);
  });

  it("POST /keys refuses a private Ed25519 key and a public key on an HS256 key", async () => {
    const tenant = await createTenantWithAdminKey();
    const x = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
    const privateJwk = { kty: "OKP", crv: "Ed25519", x, d: "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A" };
    detail(await admin(tenant, "POST", "/keys", { json: { alg: "EdDSA", public_jwk: privateJwk } }), "public_jwk.d");
    const mixed = await admin(tenant, "POST", "/keys", {
      json: { alg: "HS256", public_jwk: { kty: "OKP", crv: "Ed25519", x } },
    });
    expect(detail(mixed, "public_jwk").message).toBe("not allowed with the other fields given");
  });

  it("POST /admin-keys, POST /files/:id and the upload completion refuse unknown fields", async () => {
    const tenant = await createTenantWithAdminKey();
    expect(detail(await admin(tenant, "POST", "/admin-keys", { json: { nmae: "ci" } }), "nmae").suggestion).toBe(
      "name",
    );
    const registered = await admin(tenant, "POST", "/files/pull-1", {
      json: { source_url: "https://origin.example/a.pdf", content_type: "application/pdf" },
    });
    expect(detail(registered, "content_type").suggestion).toBe("mime_type");
    expect(await rowCount("files", tenant.id)).toBe(0);
    const started = await admin<{ upload_id: string }>(tenant, "POST", "/files/mp-1/uploads");
    const completed = await admin(tenant, "POST", `/files/mp-1/uploads/${started.body.upload_id}/complete`, {
      json: { parts: [{ part_number: 1, etag: "x", size: 5 }] },
    });
    detail(completed, "parts.0.size");
  });
});

describe("POST routes without a body refuse fields sent to them", () => {
  it("refuses a field on cancel, reset and url, changing nothing; no body or {} is fine", async () => {
    const tenant = await createTenantWithAdminKey();
    const file = await uploadFile(tenant);
    const order = await placeOrder(tenant, orderBody([file.id]));
    const link = firstFile(order).link_id;
    detail(
      await admin(tenant, "POST", `/orders/${order.order_number}/cancel`, { json: { reason: "fraud" } }),
      "reason",
    );
    expect((await admin(tenant, "GET", `/orders/${order.order_number}`)).body).toMatchObject({ status: "complete" });
    detail(await admin(tenant, "POST", `/links/${link}/reset`, { json: { keep_overrides: true } }), "keep_overrides");
    detail(await admin(tenant, "POST", `/links/${link}/url`, { json: { expires_in: 60 } }), "expires_in");
    detail(await admin(tenant, "POST", `/orders/${order.order_number}/complete`, { json: { paid: true } }), "paid");
    detail(await admin(tenant, "POST", "/files/s-1/uploads", { json: { name: "a.zip" } }), "name");
    expect((await admin(tenant, "POST", `/links/${link}/url`)).status).toBe(200);
    expect((await admin(tenant, "POST", `/links/${link}/reset`, { json: {} })).status).toBe(200);
  });
});

describe("bodies are text: invalid UTF-8 and unpaired surrogates are refused, not stored mangled", () => {
  const order = (name: string, number: string) =>
    `{"order_number":"${number}","customer_id":"c-1","items":[{"product":{"id":"p","name":"${name}"},"file_ids":["FILE"]}]}`;

  it("refuses an unpaired surrogate escape, naming the field, and stores nothing", async () => {
    const tenant = await createTenantWithAdminKey();
    const file = await uploadFile(tenant);
    const before = await rowCount("orders", tenant.id);
    for (const name of ["Caf\\udce9", "\\ud800", "x\\ude00y"]) {
      const answer = await admin(tenant, "POST", "/orders", { body: order(name, "U-1").replace("FILE", file.id) });
      detail(answer, "items.0.product.name");
    }
    const key = await admin(tenant, "POST", "/orders", { body: `{"\\udce9": 1}` });
    detail(key, "\udce9");
    expect(await rowCount("orders", tenant.id)).toBe(before);
  });

  it("refuses bytes that are not UTF-8 and stores nothing", async () => {
    const tenant = await createTenantWithAdminKey();
    const file = await uploadFile(tenant);
    const text = new TextEncoder().encode(order("cafX", "U-2").replace("FILE", file.id));
    const bytes = new Uint8Array([...text]);
    bytes[text.indexOf("X".charCodeAt(0))] = 0xff;
    expectError(await admin(tenant, "POST", "/orders", { body: bytes }), 400, "bad_request");
    expect(await rowCount("orders", tenant.id)).toBe(0);
  });

  it("keeps a character spelt as a surrogate pair exactly, so an identical retry answers the same order", async () => {
    const tenant = await createTenantWithAdminKey();
    const file = await uploadFile(tenant);
    const body = order("Fonts \\ud83d\\ude00", "U-3").replace("FILE", file.id);
    const first = await admin<{ items: { product: { name: string } }[] }>(tenant, "POST", "/orders", { body });
    expect(first.status).toBe(201);
    expect(first.body.items[0]?.product.name).toBe("Fonts 😀");
    expect((await admin(tenant, "POST", "/orders", { body })).status).toBe(200);
  });

  it("refuses a compressed body by naming Content-Encoding, not as bad UTF-8, and stores nothing", async () => {
    const tenant = await createTenantWithAdminKey();
    const file = await uploadFile(tenant);
    const json = new TextEncoder().encode(order("Book", "U-4").replace("FILE", file.id));
    const gzipped = await new Response(
      new Blob([json]).stream().pipeThrough(new CompressionStream("gzip")),
    ).arrayBuffer();
    const answer = await admin(tenant, "POST", "/orders", {
      body: gzipped,
      headers: { "Content-Encoding": "gzip", "Content-Type": "application/json" },
    });
    expectError(answer, 400, "bad_request", ["Content-Encoding"]);
    expect(await rowCount("orders", tenant.id)).toBe(0);
  });

  it("takes a body of JSON whitespace only as no body, as an empty one", async () => {
    const tenant = await createTenantWithAdminKey();
    const file = await uploadFile(tenant);
    const placed = await admin<{ order_number: string }>(tenant, "POST", "/orders", {
      json: orderBody([file.id], { status: "pending" }),
    });
    const completed = await admin<{ status: string }>(tenant, "POST", `/orders/${placed.body.order_number}/complete`, {
      body: " \r\n\t",
    });
    expect({ status: completed.status, order: completed.body.status }).toEqual({ status: 200, order: "complete" });
  });

  it("answers a body nested 100,000 levels deep with 400, not a crash", async () => {
    const tenant = await createTenantWithAdminKey();
    const deep = `${"[".repeat(100_000)}"\\ud800"${"]".repeat(100_000)}`;
    expectError(await admin(tenant, "POST", "/orders", { body: deep }), 400, "bad_request");
  });
});

describe("a key given twice is refused: JSON.parse would keep the last one without a word", () => {
  it("refuses an order whose grant is given twice (the second, empty, would drop every limit)", async () => {
    const tenant = await createTenantWithAdminKey();
    const file = await uploadFile(tenant);
    const text = JSON.stringify(orderBody([file.id], {}, { download_limit: 1, device_limit: 1 }));
    const body = text.replace('"grant":{', '"grant":{},"grant":{');
    const answer = await admin(tenant, "POST", "/orders", { body });
    expect(detail(answer, "items.0.grant").message).toMatch(/more than once/);
    expect(await rowCount("orders", tenant.id)).toBe(0);
    expect(await rowCount("links", tenant.id)).toBe(0);
  });

  it("refuses a link PATCH that says revoked twice, and the link stays revoked", async () => {
    const tenant = await createTenantWithAdminKey();
    const file = await uploadFile(tenant);
    const link = firstFile(await placeOrder(tenant, orderBody([file.id]))).link_id;
    expect((await admin(tenant, "PATCH", `/links/${link}`, { json: { revoked: true } })).status).toBe(200);
    detail(await admin(tenant, "PATCH", `/links/${link}`, { body: '{"revoked":true,"revoked":false}' }), "revoked");
    expect(await linkRow(tenant.id, link)).toMatchObject({ revoked: 1 });
  });

  it("refuses a tenant PATCH that gives settings twice, and neither is applied", async () => {
    const tenant = await createTenantWithAdminKey();
    const body = '{"settings":{"store_name":"A"},"settings":{"log_retention_days":5}}';
    detail(await operator("PATCH", `/tenants/${tenant.id}`, { body }), "settings");
    const after = await operator<{ settings: Record<string, unknown> }>("GET", `/tenants/${tenant.id}`);
    expect(after.body.settings).not.toHaveProperty("store_name");
    expect(after.body.settings.log_retention_days).not.toBe(5);
  });

  it("refuses a key spelt twice in two ways (customer_id and its \\u escape)", async () => {
    const tenant = await createTenantWithAdminKey();
    const file = await uploadFile(tenant);
    const text = JSON.stringify(orderBody([file.id], { customer_id: "c1" }));
    const body = text.replace('"customer_id":"c1"', '"customer_id":"c1","customer_\\u0069d":"c2"');
    detail(await admin(tenant, "POST", "/orders", { body }), "customer_id");
    expect(await rowCount("orders", tenant.id)).toBe(0);
  });
});

describe("lists and names that would be stored as garbage are refused", () => {
  it("refuses a file listed twice in one item, an origin listed twice, and host names that are no DNS names", async () => {
    const tenant = await createTenantWithAdminKey();
    const file = await uploadFile(tenant);
    const before = await rowCount("orders", tenant.id);
    detail(await admin(tenant, "POST", "/orders", { json: orderBody([file.id, file.id]) }), "items.0.file_ids");
    expect(await rowCount("orders", tenant.id)).toBe(before);
    const id = `t-${uid("h")
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, "")}`.slice(0, 40);
    const twice = ["https://shop.example", "https://shop.example"];
    detail(
      await operator("POST", "/tenants", { json: { id, name: "X", settings: { allowed_origins: twice } } }),
      "settings.allowed_origins",
    );
    for (const host of ["a..b", "-", "-shop.example", "shop-.example", "shop.example.", "sh op.example"]) {
      detail(await operator("POST", "/tenants", { json: { id, name: "X", hosts: [host] } }), "hosts.0");
    }
    const created = await operator("POST", "/tenants", {
      json: { id, name: "X", hosts: ["Shop-1.Example.com", "localhost", "[::1]"] },
    });
    expect(created).toMatchObject({
      status: 201,
      body: { tenant: { hosts: ["[::1]", "localhost", "shop-1.example.com"] } },
    });
  });
});

describe("DELETE routes refuse a body instead of ignoring it", () => {
  it("refuses a field or garbage on every DELETE, retiring, deleting and aborting nothing", async () => {
    const tenant = await createTenantWithAdminKey();
    expect((await admin(tenant, "POST", "/keys", { json: { alg: "HS256", kid: "tmp1" } })).status).toBe(201);
    const file = await uploadFile(tenant);
    const newKey = await admin<{ id: string; key: string }>(tenant, "POST", "/admin-keys", { json: { name: "ci" } });
    const started = await admin<{ upload_id: string }>(tenant, "POST", "/files/big-1/uploads", {});
    expect(started.status).toBe(201);
    const uploadPath = `/files/big-1/uploads/${started.body.upload_id}`;

    detail(await admin(tenant, "DELETE", "/keys/tmp1", { json: { confirm: false } }), "confirm");
    detail(await admin(tenant, "DELETE", `/files/${file.id}`, { json: { force: true } }), "force");
    detail(await admin(tenant, "DELETE", `/admin-keys/${newKey.body.id}`, { json: { now: true } }), "now");
    detail(await admin(tenant, "DELETE", uploadPath, { json: { parts: [] } }), "parts");
    expectError(await admin(tenant, "DELETE", "/keys/tmp1", { body: "garbage{" }), 400, "bad_request");

    // Nothing was done: the key is active, the file is there, the admin key works, the upload is open.
    const keys = await admin<{ data: { kid: string; status: string }[] }>(tenant, "GET", "/keys");
    expect(keys.body.data.find((k) => k.kid === "tmp1")?.status).toBe("active");
    expect((await admin(tenant, "GET", `/files/${file.id}`)).status).toBe(200);
    expect((await admin(tenant, "GET", "/keys", { key: newKey.body.key })).status).toBe(200);
    // Without a body each DELETE goes ahead.
    expect((await admin(tenant, "DELETE", uploadPath)).status).toBe(204);
    expect((await admin(tenant, "DELETE", "/keys/tmp1")).status).toBe(200);
    expect((await admin(tenant, "DELETE", `/files/${file.id}`)).status).toBe(204);
  });
});

describe("query strings are strict", () => {
  it("refuses an unknown parameter with a hint, and one given twice", async () => {
    const tenant = await createTenantWithAdminKey();
    const file = await uploadFile(tenant);
    const order = await placeOrder(tenant, orderBody([file.id]));
    const link = firstFile(order).link_id;
    expect(detail(await admin(tenant, "GET", `/links/${link}/events?limt=5`), "limt").suggestion).toBe("limit");
    detail(await admin(tenant, "GET", `/links/${link}/events?limit=1&limit=2`), "limit");
    expect((await admin(tenant, "GET", `/links/${link}/events?limit=2`)).status).toBe(200);
    detail(await admin(tenant, "GET", `/orders/${order.order_number}?include=items`), "include");
    detail(await admin(tenant, "GET", `/links/${link}?fields=all`), "fields");
    detail(await admin(tenant, "POST", `/orders?dry_run=1`, { json: orderBody([file.id]) }), "dry_run");
    detail(await operator("GET", "/tenants?page=2"), "page");
  });

  it("reads counts in decimal digits only: 0x10, 1e1, +3, 10.0 and a space are refused, not read as numbers", async () => {
    const tenant = await createTenantWithAdminKey();
    const file = await uploadFile(tenant);
    const link = firstFile(await placeOrder(tenant, orderBody([file.id]))).link_id;
    for (const path of ["/events", `/links/${link}/events`, "/webhooks/dead-letters"]) {
      for (const limit of ["0x10", "1e1", "0b11", "%2B3", "10.0", "%2010", "", "-1"]) {
        detail(await admin(tenant, "GET", `${path}?limit=${limit}`), "limit");
      }
      expect((await admin(tenant, "GET", `${path}?limit=10`)).status).toBe(200);
    }
  });

  it("refuses an unknown upload parameter and stores nothing", async () => {
    const tenant = await createTenantWithAdminKey();
    const answer = await admin(tenant, "PUT", "/files/q-1?nme=a.pdf", {
      body: fileBytes(10),
      headers: { "Content-Length": "10" },
    });
    expect(detail(answer, "nme").suggestion).toBe("name");
    expect(await rowCount("files", tenant.id)).toBe(0);
    expect(await env.FILES.head(`${tenant.id}/q-1`)).toBeNull();
  });
});

describe("text that ends in a header or a file name has no control characters", () => {
  const evil = ["\r\n", "\n", "\u0000", "\u0007", "\t", "\u007f", "\u0085", "\u009b"];

  it.each(evil.map((c) => [JSON.stringify(c), c]))(
    "refuses %s in mime_type and name of a registered file",
    async (_label, c) => {
      const tenant = await createTenantWithAdminKey();
      const mime = await admin(tenant, "POST", "/files/r-1", {
        json: { source_url: "https://origin.example/a.pdf", mime_type: `text/plain${c}X-Evil: 1` },
      });
      detail(mime, "mime_type");
      const name = await admin(tenant, "POST", "/files/r-2", {
        json: { source_url: "https://origin.example/a.pdf", name: `a${c}b.pdf` },
      });
      detail(name, "name");
      expect(await rowCount("files", tenant.id)).toBe(0);
    },
  );

  it("refuses a mime_type that is no media type, and accepts one with parameters", async () => {
    const tenant = await createTenantWithAdminKey();
    for (const bad of ["pdf", "text/plain;", "text/ plain", "text/plain; charset=ü", 'a/b; x="\u0001"']) {
      detail(
        await admin(tenant, "POST", "/files/m-1", { json: { source_url: "https://o.example/a", mime_type: bad } }),
        "mime_type",
      );
    }
    const good = await admin(tenant, "POST", "/files/m-2", {
      json: { source_url: "https://o.example/a", mime_type: 'text/plain; charset=utf-8; name="a b"' },
    });
    expect(good.status).toBe(201);
  });

  it("refuses bidi controls in a file name (U+202E makes gnp.exe look like exe.png)", async () => {
    const tenant = await createTenantWithAdminKey();
    const answer = await admin(tenant, "POST", "/files/b-1", {
      json: { source_url: "https://origin.example/a", name: "photo\u202egnp.exe" },
    });
    detail(answer, "name");
  });

  it("refuses controls in X-File-Name and ?name= of an upload, naming where they came from, storing nothing", async () => {
    const tenant = await createTenantWithAdminKey();
    const headers = { "Content-Length": "10" };
    detail(
      await admin(tenant, "PUT", "/files/u-1", {
        body: fileBytes(10),
        headers: { ...headers, "X-File-Name": "a%0D%0AX-Evil:%201.pdf" },
      }),
      "X-File-Name",
    );
    detail(await admin(tenant, "PUT", "/files/u-1?name=a%00.pdf", { body: fileBytes(10), headers }), "name");
    detail(await admin(tenant, "POST", "/files/u-2/uploads?name=a%C2%85b.zip"), "name");
    expect(await rowCount("files", tenant.id)).toBe(0);
    expect(await env.FILES.head(`${tenant.id}/u-1`)).toBeNull();
  });

  it("refuses an upload Content-Type that is no media type", async () => {
    const tenant = await createTenantWithAdminKey();
    const answer = await admin(tenant, "PUT", "/files/c-1", {
      body: fileBytes(10),
      headers: { "Content-Length": "10", "Content-Type": "text/plain; x" },
    });
    detail(answer, "Content-Type");
    expect(await rowCount("files", tenant.id)).toBe(0);
  });

  it.each([
    ["customer_id", { customer_id: "c\r\n1" }, {}, "customer_id"],
    [
      "the product name",
      { items: [{ product: { id: "p", name: "Book\nSet-Cookie: x" }, file_ids: ["f"] }] },
      {},
      "items.0.product.name",
    ],
    [
      "the product id",
      { items: [{ product: { id: "p\u0000", name: "P" }, file_ids: ["f"] }] },
      {},
      "items.0.product.id",
    ],
    [
      "a tag",
      { items: [{ product: { id: "p", name: "P", tags: ["a\u0085"] }, file_ids: ["f"] }] },
      {},
      "items.0.product.tags.0",
    ],
  ])("refuses controls in %s of an order", async (_label, overrides, grant, path) => {
    const tenant = await createTenantWithAdminKey();
    await uploadFile(tenant, { id: "f" });
    detail(await admin(tenant, "POST", "/orders", { json: orderBody(["f"], overrides, grant) }), path);
    expect(await rowCount("orders", tenant.id)).toBe(0);
  });

  it.each([
    ["a product name with a bidi override", { product: { id: "p", name: "P\u202egnp.exe" } }, "items.0.product.name"],
    ["a product name of spaces", { product: { id: "p", name: "   " } }, "items.0.product.name"],
  ])("refuses %s, storing nothing", async (_label, item, path) => {
    const tenant = await createTenantWithAdminKey();
    await uploadFile(tenant, { id: "f" });
    const body = orderBody(["f"], { items: [{ ...item, file_ids: ["f"] }] });
    detail(await admin(tenant, "POST", "/orders", { json: body }), path);
    expect(await rowCount("orders", tenant.id)).toBe(0);
  });

  it("refuses a profile listed twice, storing nothing", async () => {
    const tenant = await createTenantWithAdminKey();
    const twice = { settings: { profiles: ["storefront-digitals", "storefront-digitals"] } };
    detail(await operator("PATCH", `/tenants/${tenant.id}`, { json: twice }), "settings.profiles");
    const after = await operator<{ settings: Record<string, unknown> }>("GET", `/tenants/${tenant.id}`);
    expect(after.body.settings.profiles ?? []).toEqual([]);
  });

  it("refuses a customer id of spaces, and a store name with a bidi isolate", async () => {
    const tenant = await createTenantWithAdminKey();
    await uploadFile(tenant, { id: "f" });
    detail(await admin(tenant, "POST", "/orders", { json: orderBody(["f"], { customer_id: " " }) }), "customer_id");
    expect(await rowCount("orders", tenant.id)).toBe(0);
    const patch = { settings: { store_name: "Shop \u2067evil\u2069" } };
    detail(await operator("PATCH", `/tenants/${tenant.id}`, { json: patch }), "settings.store_name");
    const named = await operator("PATCH", `/tenants/${tenant.id}`, { json: { settings: { store_name: "متجر Shop" } } });
    expect(named.status).toBe(200);
  });

  it("refuses controls in tenant and admin key names and single-line settings; account text may span lines", async () => {
    const tenant = await createTenantWithAdminKey();
    detail(await operator("PATCH", `/tenants/${tenant.id}`, { json: { name: "Shop\r\n" } }), "name");
    detail(
      await operator("PATCH", `/tenants/${tenant.id}`, { json: { settings: { store_name: "S\u0000" } } }),
      "settings.store_name",
    );
    detail(
      await operator("PATCH", `/tenants/${tenant.id}`, {
        json: { settings: { account_text: { title: "T\n", text: null } } },
      }),
      "settings.account_text.title",
    );
    detail(
      await operator("PATCH", `/tenants/${tenant.id}`, {
        json: { settings: { account_text: { title: "T", text: "a\u0000" } } },
      }),
      "settings.account_text.text",
    );
    const multi = await operator("PATCH", `/tenants/${tenant.id}`, {
      json: { settings: { account_text: { title: "T", text: "line 1\nline 2" } } },
    });
    expect(multi.status).toBe(200);
    detail(await admin(tenant, "POST", "/admin-keys", { json: { name: "ci\u0007" } }), "name");
  });
});
