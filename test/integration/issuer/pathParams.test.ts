/**
 * Path parameters of the issuer API (src/http/endpoint.ts): validated from each endpoint's
 * declared schema, after its gate. An id outside its documented form cannot name anything,
 * so it is 400 naming the parameter, not a lookup answered 404; credentials are asked for
 * first either way.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { uid } from "../../helpers/fixtures.ts";
import {
  admin,
  createTenantWithAdminKey,
  expectError,
  firstFile,
  operator,
  orderBody,
  placeOrder,
  uploadFile,
} from "../../helpers/issuer.ts";

async function keyRows(tenantId: string) {
  const { results } = await env.DB.prepare("SELECT kid, status FROM signing_keys WHERE tenant_id = ? ORDER BY kid")
    .bind(tenantId)
    .all<{ kid: string; status: string }>();
  return results;
}

describe("operator: /tenants/:id", () => {
  it.each([
    ["GET", "", undefined],
    ["PATCH", "", { name: "X" }],
    ["POST", "/admin-keys", { name: "x" }],
  ])("%s /tenants/:id%s refuses an id outside the tenant id form with 400 naming id", async (method, tail, json) => {
    for (const id of ["Upper-Case", "with%20space", "a".repeat(41)]) {
      expectError(await operator(method, `/tenants/${id}${tail}`, { json }), 400, "bad_request", ["id"]);
    }
  });

  it("asks for the operator secret before it looks at the id", async () => {
    expectError(await operator("GET", "/tenants/Upper-Case", { auth: null }), 401, "auth_required");
    expectError(await operator("GET", "/tenants/Upper-Case", { auth: "Bearer wrong" }), 403, "forbidden");
  });
});

describe("admin: /keys/:kid and /orders/:number", () => {
  it("refuses a kid outside its form with 400 naming kid, and retires nothing", async () => {
    const tenant = await createTenantWithAdminKey();
    const before = await keyRows(tenant.id);
    for (const kid of ["k%201", "k!1", "k".repeat(65)]) {
      expectError(await admin(tenant, "DELETE", `/keys/${kid}`), 400, "bad_request", ["kid"]);
    }
    expect(await keyRows(tenant.id)).toEqual(before);
    expectError(await admin(tenant, "DELETE", "/keys/k%201", { key: null }), 401, "auth_required");
  });

  it("refuses an order number no order can have with 400 naming number, and cancels nothing", async () => {
    const tenant = await createTenantWithAdminKey();
    const file = await uploadFile(tenant);
    const order = await placeOrder(tenant, orderBody([file.id], { order_number: uid("ord") }));
    for (const number of ["a%20b", "n".repeat(65)]) {
      for (const [method, tail] of [
        ["GET", ""],
        ["POST", "/complete"],
        ["POST", "/cancel"],
      ] as const) {
        expectError(await admin(tenant, method, `/orders/${number}${tail}`), 400, "bad_request", ["number"]);
      }
    }
    const still = await admin<{ status: string }>(tenant, "GET", `/orders/${order.order_number}`);
    expect({ status: still.status, order: still.body.status }).toEqual({ status: 200, order: "complete" });
  });
});

describe("admin: /links/:id", () => {
  it("refuses a link id no token can carry with 400 naming id, and changes nothing", async () => {
    const tenant = await createTenantWithAdminKey();
    const file = await uploadFile(tenant);
    const order = await placeOrder(tenant, orderBody([file.id], { order_number: uid("ord") }));
    const linkId = firstFile(order).link_id;
    for (const id of ["%00", "l%20k", "l.k", "l".repeat(65)]) {
      for (const [method, tail, json] of [
        ["GET", "", undefined],
        ["PATCH", "", { revoked: true }],
        ["POST", "/reset", undefined],
        ["POST", "/url", undefined],
        ["GET", "/events", undefined],
      ] as const) {
        expectError(await admin(tenant, method, `/links/${id}${tail}`, { json }), 400, "bad_request", ["id"]);
      }
    }
    const link = await admin<{ revoked: boolean }>(tenant, "GET", `/links/${linkId}`);
    expect({ status: link.status, revoked: link.body.revoked }).toEqual({ status: 200, revoked: false });
    expectError(await admin(tenant, "GET", "/links/%00", { key: null }), 401, "auth_required");
  });
});

describe("admin: /admin-keys/:id and /customers/:id", () => {
  it("refuses an admin key id outside its form with 400 naming id, and revokes nothing", async () => {
    const tenant = await createTenantWithAdminKey();
    for (const id of ["a%20b", "dlgk_XYZ", "dlgk_0123abcd_secret"]) {
      expectError(await admin(tenant, "DELETE", `/admin-keys/${id}`), 400, "bad_request", ["id"]);
    }
    expect((await admin(tenant, "GET", "/keys")).status).toBe(200);
  });

  it("refuses a customer id no order can carry (a control character, blank) with 400 naming id", async () => {
    const tenant = await createTenantWithAdminKey();
    for (const id of ["%0A", "a%00b", "%20%20"]) {
      expectError(await admin(tenant, "GET", `/customers/${id}/data`), 400, "bad_request", ["id"]);
      expectError(await admin(tenant, "DELETE", `/customers/${id}/personal-data`), 400, "bad_request", ["id"]);
    }
  });
});

describe("POST /tenants/:id/admin-keys", () => {
  it("answers the key's created_at as stored, the same instant GET /admin-keys lists", async () => {
    const tenant = await createTenantWithAdminKey();
    const issued = await operator<{ id: string; key: string; created_at: string }>(
      "POST",
      `/tenants/${tenant.id}/admin-keys`,
      { json: { name: "by operator" } },
    );
    expect(issued.status).toBe(201);
    const listed = await admin<{ data: { id: string; created_at: string }[] }>(tenant, "GET", "/admin-keys");
    expect(listed.body.data.find((k) => k.id === issued.body.id)?.created_at).toBe(issued.body.created_at);
  });
});
