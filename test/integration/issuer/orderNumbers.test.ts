/**
 * Order numbers (src/orders/orderSchemas.ts ORDER_NUMBER_PATTERN): a new order's number must
 * be addressable as one URL path segment by every route that takes one, encoded or not.
 * Before, `.`, `..` and `a\b` were accepted and could never be read back.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { uid } from "../../helpers/fixtures.ts";
import {
  admin,
  createTenantWithAdminKey,
  customerGet,
  customerToken,
  expectError,
  orderBody,
  placeOrder,
  readAnswer,
  rowCount,
  uploadFile,
} from "../../helpers/issuer.ts";

describe("order numbers", () => {
  it.each([
    ".",
    "..",
    "a\\b",
    "a/b",
    "a b",
    "a%b",
    "a%2Fb",
    "a?b",
    "a#b",
    "é-1",
    "a\u0000b",
    "a\tb",
    "",
    "n".repeat(65),
  ])("refuses %j at creation with 400 naming order_number, writing nothing", async (number) => {
    const tenant = await createTenantWithAdminKey();
    const file = await uploadFile(tenant);
    const answer = await admin(tenant, "POST", "/orders", { json: orderBody([file.id], { order_number: number }) });
    expectError(answer, 400, "bad_request", ["order_number"]);
    expect(await rowCount("orders", tenant.id)).toBe(0);
    expect(await rowCount("links", tenant.id)).toBe(0);
  });

  it.each(["...", ".a", "a.", "A-1050", "0012", "x~y_z", "a:b@c", "!$&'()*+,;=", "n".repeat(64)])(
    "accepts %j, and every route reads it back, raw or percent-encoded",
    async (number) => {
      const tenant = await createTenantWithAdminKey();
      const file = await uploadFile(tenant);
      await placeOrder(tenant, orderBody([file.id], { order_number: number, customer_id: "cust-n" }));
      const token = await customerToken(tenant, "cust-n");
      for (const segment of [number, encodeURIComponent(number)]) {
        const viaAdmin = await admin<{ order_number: string }>(tenant, "GET", `/orders/${segment}`);
        expect({ segment, status: viaAdmin.status, number: viaAdmin.body.order_number }).toEqual({
          segment,
          status: 200,
          number,
        });
        for (const path of [`/orders/${segment}/downloads`, `/api/${tenant.id}/orders/${segment}/downloads`]) {
          const listing = await readAnswer<{ data: { order_number: string }[] }>(
            await customerGet(tenant, path, token),
          );
          expect({ path, status: listing.status, number: listing.body.data[0]?.order_number }).toEqual({
            path,
            status: 200,
            number,
          });
        }
      }
      for (const action of ["complete", "cancel"]) {
        expect((await admin(tenant, "POST", `/orders/${encodeURIComponent(number)}/${action}`)).status).toBe(200);
      }
    },
  );

  it("keeps orders stored before the rule readable (GET does not apply it)", async () => {
    const tenant = await createTenantWithAdminKey();
    const file = await uploadFile(tenant);
    const order = await placeOrder(tenant, orderBody([file.id], { order_number: uid("legacy") }));
    // An order number of an earlier version's looser rule, written straight into D1.
    const legacy = uid("é");
    await env.DB.batch([
      env.DB.prepare("UPDATE orders SET number = ? WHERE tenant_id = ? AND number = ?").bind(
        legacy,
        tenant.id,
        order.order_number,
      ),
      env.DB.prepare("UPDATE order_items SET order_number = ? WHERE tenant_id = ? AND order_number = ?").bind(
        legacy,
        tenant.id,
        order.order_number,
      ),
      env.DB.prepare("UPDATE links SET order_number = ? WHERE tenant_id = ? AND order_number = ?").bind(
        legacy,
        tenant.id,
        order.order_number,
      ),
    ]);
    const answer = await admin<{ order_number: string }>(tenant, "GET", `/orders/${encodeURIComponent(legacy)}`);
    expect({ status: answer.status, number: answer.body.order_number }).toEqual({ status: 200, number: legacy });
  });
});
