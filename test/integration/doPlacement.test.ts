/**
 * Issue 13, target 5: a link's Durable Object is created where its first download comes
 * from, so Cloudflare places it near that customer — not by the store's order call,
 * which would pin it near the store's server. A created object has storage (its
 * constructor writes the schema), so `listDurableObjectIds` shows whether one exists.
 */
import { listDurableObjectIds } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { linkStub } from "../../src/links/linkStub.ts";
import { gateway } from "../helpers/fixtures.ts";
import {
  admin,
  createTenantWithAdminKey,
  errorOf,
  orderBody,
  orderFiles,
  placeOrder,
  tokenOf,
  uploadFile,
  type IssuerTenant,
  type OrderView,
} from "../helpers/issuer.ts";

async function linkObjectExists(tenant: IssuerTenant, linkId: string): Promise<boolean> {
  const id = env.DOWNLOAD_LINK.idFromName(`${tenant.id}/${linkId}`);
  return (await listDurableObjectIds(env.DOWNLOAD_LINK)).some((listed) => listed.equals(id));
}

describe("where a link's Durable Object is created", () => {
  it("a paid order creates no link object; the customer's first download does", async () => {
    const tenant = await createTenantWithAdminKey();
    const a = await uploadFile(tenant);
    const b = await uploadFile(tenant);
    const order = await placeOrder(tenant, orderBody([a.id, b.id]));
    const files = orderFiles(order);
    expect(files).toHaveLength(2);
    for (const file of files) expect(await linkObjectExists(tenant, file.link_id)).toBe(false);

    // Reading the order back and listing it do not create one either (they read D1's mirror).
    expect((await admin(tenant, "GET", `/orders/${order.order_number}`)).status).toBe(200);
    for (const file of files) expect(await linkObjectExists(tenant, file.link_id)).toBe(false);

    const [first, second] = files as [(typeof files)[0], (typeof files)[0]];
    const response = await gateway(tenant, `/downloads/${tokenOf(first.download_url ?? "").token}`);
    expect(response.status).toBe(200);
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(a.bytes);
    expect(await linkObjectExists(tenant, first.link_id)).toBe(true);
    expect(await linkObjectExists(tenant, second.link_id)).toBe(false);
  });

  // "Pending" lives in D1's order row only; the link object reads it on its first
  // request (docs/PERFORMANCE.md, "Where the Durable Object lives").
  it("a pending order creates no link object either", async () => {
    const tenant = await createTenantWithAdminKey();
    const file = await uploadFile(tenant);
    const order = await placeOrder(tenant, orderBody([file.id], { status: "pending" }));
    for (const entry of orderFiles(order)) expect(await linkObjectExists(tenant, entry.link_id)).toBe(false);
  });

  it("completing a pending order creates no object; the first download after it does and is served", async () => {
    const tenant = await createTenantWithAdminKey();
    const file = await uploadFile(tenant);
    const order = await placeOrder(tenant, orderBody([file.id], { status: "pending" }));
    const entry = orderFiles(order)[0]!;
    const completed = await admin<OrderView>(tenant, "POST", `/orders/${order.order_number}/complete`);
    expect(completed.status).toBe(200);
    expect(await linkObjectExists(tenant, entry.link_id)).toBe(false);
    const url = orderFiles(completed.body)[0]!.download_url ?? "";
    const response = await gateway(tenant, `/downloads/${tokenOf(url).token}`);
    expect(response.status).toBe(200);
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(file.bytes);
    expect(await linkObjectExists(tenant, entry.link_id)).toBe(true);
  });

  it("cancelling a pending order creates no object; its links then answer revoked", async () => {
    const tenant = await createTenantWithAdminKey();
    const [one, two] = [await uploadFile(tenant), await uploadFile(tenant)];
    const order = await placeOrder(tenant, orderBody([one.id, two.id], { status: "pending" }));
    const [tried, untouched] = orderFiles(order) as [
      ReturnType<typeof orderFiles>[0],
      ReturnType<typeof orderFiles>[0],
    ];
    // The customer tries one link while unpaid: refused, and that creates its object.
    const mint = async (linkId: string) =>
      tokenOf((await admin<{ download_url: string }>(tenant, "POST", `/links/${linkId}/url`)).body.download_url).token;
    const triedToken = await mint(tried.link_id);
    const untouchedToken = await mint(untouched.link_id);
    expect(await errorOf(await gateway(tenant, `/downloads/${triedToken}`))).toEqual({ status: 403, error: "pending" });
    expect(await linkObjectExists(tenant, tried.link_id)).toBe(true);

    const canceled = await admin<OrderView>(tenant, "POST", `/orders/${order.order_number}/cancel`);
    expect(canceled.status).toBe(200);
    expect(canceled.body.status).toBe("canceled");
    expect(await linkObjectExists(tenant, untouched.link_id)).toBe(false);
    // The existing object re-reads the order while pending; the new one reads it on first use.
    expect(await errorOf(await gateway(tenant, `/downloads/${triedToken}`))).toEqual({ status: 410, error: "revoked" });
    expect(await errorOf(await gateway(tenant, `/downloads/${untouchedToken}`))).toEqual({
      status: 410,
      error: "revoked",
    });
    expect((await linkStub(env, tenant.id, untouched.link_id).snapshot()).count).toBe(0);
  });
});
