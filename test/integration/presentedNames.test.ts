/**
 * Presented file names (issue 8 §6): bidi controls (U+202E makes `gnp.exe` display as
 * `exe.png`) and control characters never reach a customer, whatever the name's source —
 * a token's `fn`, R2 metadata, an upload, or a D1 row written before names were cleaned.
 * The issuer API refuses them where a name enters (400 naming the field, issue 8 §1); what it
 * accepts but cannot present as is (bidi marks, `/`) is cleaned before it is stored.
 */
import { env } from "cloudflare:workers";
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import { mimeTypeFor } from "../../src/files/mimeType.ts";
import { bytesOf, createTenant, gateway, info, putFile, signLink, uid } from "../helpers/fixtures.ts";
import {
  admin,
  createTenantWithAdminKey,
  expectError,
  customerGet,
  customerToken,
  fetchUrl,
  firstFile,
  placeOrder,
  readAnswer,
  tokenOf,
  uploadFile,
  type JsonAnswer,
  type ListingEntry,
} from "../helpers/issuer.ts";

const RLO = "\u202e";
/** Every character that must not survive, in one name. */
const HOSTILE = `inv\u202aoice\u2066${RLO}gnp\u200f\u061c\r\n\u0000\u0085.exe`;

describe("download headers", () => {
  it.each([
    ["a browser", "Mozilla/5.0"],
    ["curl", "curl/8.5.0"],
  ])("strip U+202E and controls from the stored name for %s", async (_client, userAgent) => {
    const tenant = await createTenant();
    const file = await putFile(tenant, { size: 64, filename: `invoice${RLO}gnp.exe` });
    const link = await signLink(tenant, file);
    const response = await gateway(tenant, `/downloads/${link.token}`, { headers: { "User-Agent": userAgent } });
    expect(response.status).toBe(200);
    expect(await bytesOf(response)).toEqual(file.bytes);
    expect(response.headers.get("Content-Disposition")).toBe(
      `attachment; filename="invoicegnp.exe"; filename*=UTF-8''invoicegnp.exe`,
    );
  });

  it("strip bidi and control characters from the token's fn, on GET and HEAD alike", async () => {
    const tenant = await createTenant();
    const file = await putFile(tenant, { size: 64, filename: "stored.pdf" });
    const link = await signLink(tenant, file, { filename: HOSTILE });
    const expected = `attachment; filename="invoicegnp.exe"; filename*=UTF-8''invoicegnp.exe`;
    const get = await gateway(tenant, `/downloads/${link.token}`);
    expect(get.status).toBe(200);
    await bytesOf(get);
    expect(get.headers.get("Content-Disposition")).toBe(expected);
    const head = await gateway(tenant, `/downloads/${link.token}`, { method: "HEAD" });
    expect(head.headers.get("Content-Disposition")).toBe(expected);
    // The type comes from the cleaned name's real extension, not the one a bidi UI displays.
    expect(get.headers.get("Content-Type")).toBe(mimeTypeFor("x.exe"));
  });
});

describe("/info", () => {
  it("shows the cleaned name, the same one the download is saved under", async () => {
    const tenant = await createTenant();
    const file = await putFile(tenant, { size: 64, filename: `photo${RLO}fdp.exe` });
    const link = await signLink(tenant, file);
    expect(await info(tenant, link.token)).toMatchObject({ file_name: "photofdp.exe" });
    const viaFn = await signLink(tenant, file, { filename: HOSTILE });
    expect(await info(tenant, viaFn.token)).toMatchObject({ file_name: "invoicegnp.exe" });
  });
});

describe("issuer API and listings", () => {
  // docs/CONTRACT.md §9 / issue 8 §1: a name with control or bidi embedding/override/isolate
  // characters is refused where it enters, with the field named, not silently changed.
  it.each([
    ["U+202E", `clip${RLO}4pm.exe`],
    ["U+2066", "clip\u20664pm.exe"],
    ["CR LF", "clip\r\nX-Injected: 1.exe"],
    ["NUL", "clip\u0000.exe"],
    ["NEL (C1)", "clip\u0085.exe"],
  ])(
    "an upload's name with %s is 400 naming the field, through every way in, and nothing is stored",
    async (_label, name) => {
      const tenant = await createTenantWithAdminKey();
      const encoded = encodeURIComponent(name);
      const attempts: [string, Promise<JsonAnswer<unknown>>, string][] = [
        ["PUT ?name=", admin(tenant, "PUT", `/files/f-query?name=${encoded}`, { body: "abc" }), "name"],
        [
          "PUT X-File-Name",
          admin(tenant, "PUT", "/files/f-header", { body: "abc", headers: { "X-File-Name": encoded } }),
          "X-File-Name",
        ],
        ["POST uploads ?name=", admin(tenant, "POST", `/files/f-multi/uploads?name=${encoded}`), "name"],
        [
          "POST register body",
          admin(tenant, "POST", "/files/f-register", { json: { source_url: "https://files.example.com/a.zip", name } }),
          "name",
        ],
      ];
      for (const [way, attempt, path] of attempts) {
        const answer = await attempt;
        expect({ way, status: answer.status }).toEqual({ way, status: 400 });
        expectError(answer, 400, "bad_request", [path]);
      }
      for (const id of ["f-query", "f-header", "f-multi", "f-register"]) {
        expect((await admin(tenant, "GET", `/files/${id}`)).status).toBe(404);
      }
    },
  );

  it("an upload's name that is allowed but not presentable (bidi marks, a path separator) is cleaned before it is stored", async () => {
    const tenant = await createTenantWithAdminKey();
    const uploaded = await uploadFile(tenant, { name: "dir/clip\u200f4pm\u061c.exe" });
    expect(uploaded.view).toMatchObject({ name: "dir_clip4pm.exe" });
  });

  it("a name stored before cleaning is presented clean in listings, in the minted fn and in the download", async () => {
    const tenant = await createTenantWithAdminKey();
    const uploaded = await uploadFile(tenant, { name: "plain.pdf" });
    // A row from before names were cleaned on upload.
    await env.DB.prepare("UPDATE files SET name = ? WHERE tenant_id = ? AND id = ?")
      .bind(HOSTILE, tenant.id, uploaded.id)
      .run();
    const order = await placeOrder(tenant, {
      order_number: uid("ord"),
      customer_id: "alice",
      items: [{ product: { id: "p", name: "P" }, file_ids: [uploaded.id] }],
    });
    expect(firstFile(order).name).toBe("invoicegnp.exe");

    const listing = await readAnswer<{ data: ListingEntry[] }>(
      await customerGet(tenant, "/my/downloads", await customerToken(tenant, "alice")),
    );
    expect(listing.status).toBe(200);
    const entry = listing.body.data[0]?.files[0];
    expect(entry?.name).toBe("invoicegnp.exe");
    const url = entry?.download_url ?? "";
    expect(decodeJwt(tokenOf(url).token).fn).toBe("invoicegnp.exe");
    const response = await fetchUrl(url);
    expect(response.status).toBe(200);
    expect(await bytesOf(response)).toEqual(uploaded.bytes);
    expect(response.headers.get("Content-Disposition")).toBe(
      `attachment; filename="invoicegnp.exe"; filename*=UTF-8''invoicegnp.exe`,
    );
  });
});
