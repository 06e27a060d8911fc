/**
 * The routes `npm run bench` compares the gateway with: the gateway's only when BENCH_BASELINE
 * is "1" (never in the test or production configuration; elsewhere the path is the store's),
 * and neither counts anything.
 */
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { forgetTenant } from "../../src/tenants/resolveTenant.ts";
import { createTenant, gateway, gatewayWith, putFile, signLink } from "../helpers/fixtures.ts";
import {
  createTenantWithAdminKey,
  customerGet,
  customerToken,
  orderBody,
  orderFiles,
  placeOrder,
  uploadFile,
} from "../helpers/issuer.ts";

afterEach(() => vi.restoreAllMocks());

describe("bench routes", () => {
  it("are not the gateway's unless BENCH_BASELINE is 1: without an origin 404, with one the store's own page", async () => {
    const tenant = await createTenant();
    const file = await putFile(tenant);
    const paths = [
      `/__bench/r2/${tenant.id}/${file.id}`,
      `/__bench/r2-after-link/${tenant.id}/l-1/${file.id}`,
      `/__bench/listing/${tenant.id}`,
    ];
    for (const path of paths) {
      const response = await gateway(tenant, path);
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ error: "not_found" });
    }

    await env.DB.prepare("UPDATE tenants SET origin_url = ? WHERE id = ?")
      .bind("https://origin.example", tenant.id)
      .run();
    forgetTenant(tenant.id);
    const asked: string[] = [];
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      asked.push(new Request(input, init).url);
      return new Response("the store's page", { headers: { "Content-Type": "text/plain" } });
    });
    for (const path of paths) {
      const response = await gateway(tenant, path);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe("the store's page");
    }
    expect(asked).toEqual(paths.map((path) => `https://origin.example${path}`));
  });

  it("stream the object's bytes when enabled, and the link floor asks the link without counting", async () => {
    const tenant = await createTenant();
    const file = await putFile(tenant, { size: 1024 });
    const link = await signLink(tenant, file);
    const bench = { ...env, BENCH_BASELINE: "1" };
    const plain = await gatewayWith(tenant, `/__bench/r2/${tenant.id}/${file.id}`, bench);
    expect(plain.status).toBe(200);
    expect(plain.body).toEqual(file.bytes);
    const floor = await gatewayWith(tenant, `/__bench/r2-after-link/${tenant.id}/${link.linkId}/${file.id}`, bench);
    expect(floor.status).toBe(200);
    expect(floor.body).toEqual(file.bytes);
    expect(await link.stub.snapshot()).toMatchObject({ count: 0 });
    expect(await link.stub.pendingEvents()).toBe(0);
    const missing = await gatewayWith(tenant, `/__bench/r2/${tenant.id}/no-such-file`, bench);
    expect(missing.status).toBe(404);
  });

  it("the listing floor answers the customer's links from D1, unsigned, and only to that customer", async () => {
    const tenant = await createTenantWithAdminKey();
    const a = await uploadFile(tenant, { name: "a.pdf" });
    const b = await uploadFile(tenant, { name: "b.pdf" });
    const mine = await placeOrder(tenant, orderBody([a.id, b.id], { customer_id: "alice" }));
    const theirs = await placeOrder(tenant, orderBody([a.id], { customer_id: "bob" }));
    const bench = { ...env, BENCH_BASELINE: "1" };
    const alice = { Authorization: `Bearer ${await customerToken(tenant, "alice")}` };

    const listing = await gatewayWith(tenant, `/__bench/listing/${tenant.id}`, bench, { headers: alice });
    expect(listing.status).toBe(200);
    const { data } = JSON.parse(new TextDecoder().decode(listing.body)) as { data: Record<string, unknown>[] };
    expect(data.map((row) => row.link_id).sort()).toEqual(
      orderFiles(mine)
        .map((f) => f.link_id)
        .sort(),
    );
    expect(data.map((row) => row.name).sort()).toEqual(["a.pdf", "b.pdf"]);
    expect(JSON.stringify(data)).not.toContain("/downloads/");

    const one = await gatewayWith(tenant, `/__bench/listing/${tenant.id}?order=${mine.order_number}`, bench, {
      headers: alice,
    });
    expect(one.status).toBe(200);
    const other = await gatewayWith(tenant, `/__bench/listing/${tenant.id}?order=${theirs.order_number}`, bench, {
      headers: alice,
    });
    expect(other.status).toBe(403);
    const anonymous = await gatewayWith(tenant, `/__bench/listing/${tenant.id}`, bench);
    expect(anonymous.status).toBe(401);
    // Disabled, the route is not there even for a signed-in customer.
    expect(
      (await customerGet(tenant, `/__bench/listing/${tenant.id}`, await customerToken(tenant, "alice"))).status,
    ).toBe(404);
  });
});
