/**
 * Sharing detection (issue 12 item 3): per link, the Durable Object keeps hashed networks
 * (/24, /48) and countries of the downloads it serves within the tenant's window; past
 * `max_networks` / `max_countries` it flags the link (`flag`) or blocks it with
 * `403 suspended` (`block`, the crossing request refused and not counted). Simulated
 * networks through CF-Connecting-IP, countries through `cf.country`.
 */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { drain, eventRows, flushOutboxes, tenantFileLink, type LinkSetup } from "../../helpers/fixtures.ts";
import { BROWSER, downloadFrom, fetchFrom, type Place } from "../../helpers/from.ts";
import {
  admin,
  createTenantWithAdminKey,
  customerGet,
  customerToken,
  expectError,
  firstFile,
  linkRow,
  operator,
  orderBody,
  placeOrder,
  setTenantSettings,
  uploadFile,
  type ListingEntry,
} from "../../helpers/issuer.ts";

const FILE = { size: 2000, filename: "course.zip" };

/** The n-th /24 network's address: 10.<n / 256>.<n % 256>.<host>. */
const net = (n: number, host = 7): string => `10.${Math.floor(n / 256)}.${n % 256}.${host}`;

async function setup(sharing: Record<string, unknown>, grant: Record<string, unknown> = {}): Promise<LinkSetup> {
  return tenantFileLink(FILE, grant, { settings: { sharing } });
}

async function from(s: LinkSetup, place: Place, init: RequestInit = {}): Promise<number> {
  return (await drain(await downloadFrom(s.tenant.host, s.link.token, place, init))).status;
}

describe("sharing detection with action flag", () => {
  it("flags a link once more networks than allowed received it, and keeps serving and counting", async () => {
    const s = await setup({ max_networks: 3 });
    // Two addresses of one /24 are one network.
    for (const ip of [net(1), net(1, 200), net(2), net(3)]) expect(await from(s, { ip })).toBe(200);
    expect((await s.link.stub.snapshot()).flagged).toBeNull();
    expect(await from(s, { ip: net(4) })).toBe(200);
    const state = await s.link.stub.snapshot();
    expect(state.count).toBe(5);
    expect(state.suspended).toBe(false);
    expect(state.flagged).toMatchObject({ reason: "max_networks", networks: 4, action: "flag" });
    // Flagged once: a later network does not move the flag.
    const at = state.flagged?.at;
    expect(await from(s, { ip: net(5) })).toBe(200);
    expect((await s.link.stub.snapshot()).flagged?.at).toBe(at);
  });

  it("counts IPv6 networks by /48", async () => {
    const s = await setup({ max_networks: 1 });
    expect(await from(s, { ip: "2001:db8:aa:1::1" })).toBe(200);
    expect(await from(s, { ip: "2001:db8:aa:ffff::9" })).toBe(200);
    expect((await s.link.stub.snapshot()).flagged).toBeNull();
    expect(await from(s, { ip: "2001:db8:ab::1" })).toBe(200);
    expect((await s.link.stub.snapshot()).flagged).toMatchObject({ reason: "max_networks", networks: 2 });
  });

  it("flags on countries, and does not count an unknown country as one", async () => {
    const s = await setup({ max_countries: 1 });
    expect(await from(s, { country: "DE" })).toBe(200);
    expect(await from(s, {})).toBe(200);
    expect(await from(s, { country: "XX" })).toBe(200);
    expect((await s.link.stub.snapshot()).flagged).toBeNull();
    expect(await from(s, { country: "AT" })).toBe(200);
    expect((await s.link.stub.snapshot()).flagged).toMatchObject({ reason: "max_countries", countries: 2 });
  });

  it("forgets networks older than the window", async () => {
    const s = await setup({ max_networks: 1, window_seconds: 3600 });
    expect(await from(s, { ip: net(1) })).toBe(200);
    // An hour and a second pass (the stored observation is moved back, not the clock waited for).
    await runInDurableObject(s.link.stub, (_instance, state) => {
      state.storage.sql.exec("UPDATE sharing_seen SET last_at = last_at - 3601000");
    });
    expect(await from(s, { ip: net(2) })).toBe(200);
    expect((await s.link.stub.snapshot()).flagged).toBeNull();
  });

  it("keeps only keyed hashes of networks, never an address or a prefix", async () => {
    const s = await setup({ max_networks: 5 });
    expect(await from(s, { ip: "198.51.100.23", country: "FR" })).toBe(200);
    const rows = await runInDurableObject(s.link.stub, (_instance, state) =>
      state.storage.sql.exec<{ kind: string; value: string }>("SELECT kind, value FROM sharing_seen").toArray(),
    );
    expect(rows).toHaveLength(2);
    const network = rows.find((r) => r.kind === "n")?.value ?? "";
    expect(network).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(network).not.toContain("198");
    expect(rows.find((r) => r.kind === "c")?.value).toBe("FR");
  });

  it("watches nothing for a tenant without the setting", async () => {
    const s = await tenantFileLink(FILE);
    for (let n = 1; n <= 5; n++) expect(await from(s, { ip: net(n) })).toBe(200);
    expect((await s.link.stub.snapshot()).flagged).toBeNull();
  });
});

describe("sharing detection with action block", () => {
  it("refuses the crossing request uncounted, and every request after it, until the store clears it", async () => {
    const s = await setup({ max_networks: 2, action: "block" });
    expect(await from(s, { ip: net(1) })).toBe(200);
    expect(await from(s, { ip: net(2) })).toBe(200);
    const crossing = await downloadFrom(s.tenant.host, s.link.token, { ip: net(3) });
    expect(crossing.status).toBe(403);
    expect(await crossing.json()).toMatchObject({ error: "suspended" });
    // From then on, even the networks seen before are refused.
    expect(await from(s, { ip: net(1) })).toBe(403);
    expect(await from(s, { ip: net(1) }, { method: "HEAD" })).toBe(403);
    const state = await s.link.stub.snapshot();
    expect(state).toMatchObject({ count: 2, suspended: true });
    expect(state.flagged).toMatchObject({ reason: "max_networks", networks: 3, action: "block" });

    const page = await downloadFrom(s.tenant.host, s.link.token, { ip: net(1) }, { headers: { Accept: BROWSER } });
    expect(page.status).toBe(403);
    expect(await page.text()).toContain("more networks or countries than the store allows");
  });

  it("watches resumes too: a device that moves to another network and resumes is a new network", async () => {
    const s = await setup({ max_networks: 1, action: "block" });
    const first = await downloadFrom(s.tenant.host, s.link.token, { ip: net(1) });
    expect(first.status).toBe(200);
    await first.arrayBuffer();
    const cookie = (first.headers.get("Set-Cookie") ?? "").split(";")[0] ?? "";
    expect(cookie).toMatch(/^dlg_device=/);
    // Same device, same network: a free resume.
    expect(await from(s, { ip: net(1, 9) }, { headers: { Cookie: cookie, Range: "bytes=1000-" } })).toBe(206);
    // Same device from a second network: its bytes would go there, so it is watched and blocked.
    expect(await from(s, { ip: net(2) }, { headers: { Cookie: cookie, Range: "bytes=1500-" } })).toBe(403);
    expect(await s.link.stub.snapshot()).toMatchObject({ count: 1, suspended: true });
  });

  it("gives exactly max_networks downloads to a concurrent burst from many networks, and blocks the rest", async () => {
    const s = await setup({ max_networks: 5, action: "block" });
    const statuses = await Promise.all(Array.from({ length: 30 }, (_, n) => from(s, { ip: net(100 + n) })));
    expect(statuses.filter((x) => x === 200)).toHaveLength(5);
    expect(statuses.filter((x) => x === 403)).toHaveLength(25);
    const state = await s.link.stub.snapshot();
    expect(state).toMatchObject({ count: 5, suspended: true });
    expect(state.flagged).toMatchObject({ networks: 6, action: "block" });
    // The log agrees: five counted downloads, 25 refusals as `suspended`, nothing else.
    await flushOutboxes([s.link.stub]);
    const rows = await eventRows(s.tenant, s.link.linkId);
    expect(rows.filter((r) => r.counted === 1)).toHaveLength(5);
    expect(rows.filter((r) => r.error === "suspended")).toHaveLength(25);
    expect(rows).toHaveLength(30);
  });

  it("flags a burst once and keeps the download limit exact under it", async () => {
    const s = await setup({ max_networks: 3 }, { limit: 10 });
    const statuses = await Promise.all(Array.from({ length: 30 }, (_, n) => from(s, { ip: net(200 + n) })));
    expect(statuses.filter((x) => x === 200)).toHaveLength(10);
    expect(statuses.filter((x) => x === 403)).toHaveLength(20);
    const state = await s.link.stub.snapshot();
    expect(state.count).toBe(10);
    expect(state.flagged).toMatchObject({ reason: "max_networks", networks: 4, action: "flag" });
  });
});

describe("sharing in the issuer API", () => {
  async function orderLink(sharing: Record<string, unknown>) {
    const tenant = await createTenantWithAdminKey();
    await setTenantSettings(tenant, { sharing });
    const file = await uploadFile(tenant, { size: 500 });
    const entry = firstFile(await placeOrder(tenant, orderBody([file.id])));
    return { tenant, entry, url: entry.download_url ?? "" };
  }

  it("shows the flag and the block on the link, lists a blocked link as suspended, and PATCH suspended: false clears it", async () => {
    const { tenant, entry, url } = await orderLink({ max_countries: 1, action: "block" });
    expect((await drain(await fetchFrom(url, { country: "DE" }))).status).toBe(200);
    expect((await drain(await fetchFrom(url, { country: "BR" }))).status).toBe(403);

    const link = await admin(tenant, "GET", `/links/${entry.link_id}`);
    expect(link.body).toMatchObject({
      status: "suspended",
      suspended: true,
      download_count: 1,
      flagged: { reason: "max_countries", countries: 2, action: "block" },
    });
    // The block reaches D1's listing copy with the refused request's log write.
    await expect.poll(async () => (await linkRow(tenant.id, entry.link_id))?.suspended, { timeout: 10_000 }).toBe(1);
    const listed = await customerGet(tenant, "/my/downloads", await customerToken(tenant, "cust-1"));
    const [item] = ((await listed.json()) as { data: ListingEntry[] }).data;
    expect(item?.files[0]).toMatchObject({ status: "suspended", download_url: null });

    const cleared = await admin(tenant, "PATCH", `/links/${entry.link_id}`, { json: { suspended: false } });
    expect(cleared.body).toMatchObject({ status: "available", suspended: false, flagged: null, download_count: 1 });
    // The networks and countries seen are forgotten too: the customer's next country does not re-block at once.
    expect((await drain(await fetchFrom(url, { country: "BR" }))).status).toBe(200);
    expect((await admin(tenant, "GET", `/links/${entry.link_id}`)).body).toMatchObject({ download_count: 2 });
  });

  it("lets the store block a link by hand, and a reset clears a flag", async () => {
    const { tenant, entry, url } = await orderLink({ max_networks: 1 });
    const blocked = await admin(tenant, "PATCH", `/links/${entry.link_id}`, { json: { suspended: true } });
    expect(blocked.body).toMatchObject({ status: "suspended", suspended: true, flagged: null });
    expect((await drain(await fetchFrom(url, {}))).status).toBe(403);
    await admin(tenant, "PATCH", `/links/${entry.link_id}`, { json: { suspended: false } });

    expect((await drain(await fetchFrom(url, { ip: net(1) }))).status).toBe(200);
    expect((await drain(await fetchFrom(url, { ip: net(2) }))).status).toBe(200);
    expect((await admin(tenant, "GET", `/links/${entry.link_id}`)).body).toMatchObject({
      flagged: { reason: "max_networks" },
    });
    const reset = await admin(tenant, "POST", `/links/${entry.link_id}/reset`);
    expect(reset.body).toMatchObject({ flagged: null, suspended: false, download_count: 0 });
  });

  it("refuses sharing settings that are out of bounds, misspelt or empty", async () => {
    const tenant = await createTenantWithAdminKey();
    const bad: Record<string, unknown>[] = [
      { max_networks: 0 },
      { max_networks: 2, action: "ban" },
      { max_networks: 2, windows_seconds: 60 },
      { window_seconds: 3600 },
      { max_countries: 1.5 },
      { max_networks: 2, window_seconds: 10 },
    ];
    for (const sharing of bad) {
      const answer = await operator("PATCH", `/tenants/${tenant.id}`, { json: { settings: { sharing } } });
      expectError(answer, 400, "bad_request");
    }
    const good = await operator("PATCH", `/tenants/${tenant.id}`, {
      json: { settings: { sharing: { max_networks: 4, max_countries: 2, action: "block" } } },
    });
    expect(good.status).toBe(200);
    expect((good.body as { settings: Record<string, unknown> }).settings.sharing).toEqual({
      max_networks: 4,
      max_countries: 2,
      window_seconds: 604800,
      action: "block",
    });
  });
});
