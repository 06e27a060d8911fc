/**
 * The routes `npm run bench` compares the gateway with: served only when BENCH_BASELINE
 * is "1" (never in the test or production configuration), and neither counts anything.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createTenant, gateway, gatewayWith, putFile, signLink } from "../helpers/fixtures.ts";

describe("bench routes", () => {
  it("answer 404 not_found unless BENCH_BASELINE is 1", async () => {
    const tenant = await createTenant();
    const file = await putFile(tenant);
    for (const path of [`/__bench/r2/${tenant.id}/${file.id}`, `/__bench/r2-after-link/${tenant.id}/l-1/${file.id}`]) {
      const response = await gateway(tenant, path);
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ error: "not_found" });
    }
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
});
