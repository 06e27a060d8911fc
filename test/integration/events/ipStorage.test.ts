/**
 * Tenant setting `ip_storage` (docs/CONTRACT.md §10): the download log keeps the client
 * address in full, as its /24 or /48 network, or not at all, and a raw address the tenant
 * does not keep never reaches the link's outbox nor D1.
 */
import { describe, expect, it } from "vitest";
import { deliveriesSettled } from "../../helpers/deliveries.ts";
import { drain, eventRows, flushOutboxes, gateway, tenantFileLink } from "../../helpers/fixtures.ts";
import { operator } from "../../helpers/issuer.ts";

type IpStorage = "full" | "truncated" | "none";

async function logged(ipStorage: IpStorage | undefined, address: string) {
  const s = await tenantFileLink(
    { size: 300, filename: "a.bin" },
    {},
    { settings: ipStorage ? { ip_storage: ipStorage } : {} },
  );
  const response = await drain(
    await gateway(s.tenant, `/downloads/${s.link.token}`, { headers: { "CF-Connecting-IP": address } }),
  );
  expect(response.status).toBe(200);
  const [outbox] = await deliveriesSettled([s.link.stub]);
  await flushOutboxes([s.link.stub]);
  const rows = await eventRows(s.tenant, s.link.linkId);
  return { outbox: (outbox ?? []).map((e) => e.ip), d1: rows.map((r) => r.ip), counted: rows.map((r) => r.counted) };
}

describe("ip_storage", () => {
  it.each<[IpStorage | undefined, string, string | null]>([
    [undefined, "203.0.113.77", "203.0.113.77"],
    ["full", "2001:db8:1234:5678::9", "2001:db8:1234:5678::9"],
    ["truncated", "203.0.113.77", "203.0.113.0/24"],
    ["truncated", "2001:db8:1234:5678::9", "2001:db8:1234::/48"],
    ["none", "203.0.113.77", null],
    ["none", "2001:db8:1234:5678::9", null],
  ])("%s keeps %s as %j in the outbox and in D1", async (mode, address, kept) => {
    const result = await logged(mode, address);
    expect(result).toEqual({ outbox: [kept], d1: [kept], counted: [1] });
  });

  it("is accepted by the operator API and refused with 400 when misspelt or out of range", async () => {
    const id = `ipst-${Date.now().toString(36)}`;
    const created = await operator("POST", "/tenants", {
      json: {
        id,
        name: "IP store",
        hosts: [`${id}.test`],
        settings: { ip_storage: "truncated", log_retention_days: 30 },
      },
    });
    expect(created.status).toBe(201);
    const bad = await operator<{ error: string; details: { path: string }[] }>("PATCH", `/tenants/${id}`, {
      json: { settings: { ip_storage: "hash", log_retention_days: 0 } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.details.map((d) => d.path)).toEqual(
      expect.arrayContaining(["settings.ip_storage", "settings.log_retention_days"]),
    );
    const read = await operator<{ settings: Record<string, unknown> }>("GET", `/tenants/${id}`);
    expect(read.body.settings).toMatchObject({ ip_storage: "truncated", log_retention_days: 30 });
  });
});
